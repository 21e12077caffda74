"""Benchmark of budget control and evaluation: consumption of every line, the approval critical
section, the analysis, the effect evaluation of the plan.

Fills a database that has customer_care_budget installed with C segmented customers and their posted
invoices (as the segmentation benchmark does), one approved plan of L lines, N care expenses on those
customers (approved or posted, on those lines; the posted ones with their journal and analytic
items) and J vendor-bill items booked on the plan's analytic account (bulk SQL: data generation
only), then times, against the bare SQL sum of the expenses (the floor):

- the consumption (committed, actual, available) of all the plan's lines, as lists and forms read it;
- one approval's critical section: lock the line, then check its room;
- the Budget Analysis pivot (planned / committed / actual by activity);
- Compute of an evaluation of the plan's first half (every line, tier, activity and customer served),
  against its own aggregate queries alone (the evaluation's floor).

    python3 bench/bench_budget.py -c odoo.conf -d DB [--expenses N] [--lines L] [--journal-items J]
                                  [--customers C] [--invoice-lines I]

``scripts/bench budget`` creates a throwaway database, installs the addon and runs this.
"""

import time
from datetime import date

from bench_segmentation import generate as generate_customers
from dateutil.relativedelta import relativedelta
from odoo_env import argument_parser, superuser_env


def parse_args():
    parser = argument_parser(__doc__)
    parser.add_argument("--expenses", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=420, help="budget lines of the plan (activity x tier x month)")
    parser.add_argument("--journal-items", type=int, default=20_000, help="vendor-bill items on the plan")
    parser.add_argument("--customers", type=int, default=20_000, help="customers the expenses are spent on")
    parser.add_argument("--invoice-lines", type=int, default=400_000, help="posted invoice lines of the customers")
    return parser.parse_args()


def generate(env, company, expenses, lines, journal_items):
    """An approved plan, its lines, expenses and journal items, by bulk SQL."""
    from odoo import Command  # noqa: PLC0415

    from odoo.addons.customer_care_budget.models.care_approval_mixin import workflow  # noqa: PLC0415

    cr = env.cr
    journal = env["account.journal"].search([("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1)
    if not journal.default_account_id:
        raise SystemExit("the company has no purchase journal with an expense account: install a chart of accounts")
    activities = env["care.activity.type"].search([])
    accounts = env["account.account"].search([("account_type", "=", "expense"), ("company_ids", "in", company.id)])
    for index, activity in enumerate(activities):
        activity.with_company(company).expense_account_id = accounts[index % len(accounts)]
    # lines per activity x (every tier, or one tier) x month, as a planner would write them
    tiers = [False, *env["care.tier"].search([]).ids]
    plan = env["care.budget"].create({
        "name": "Bench plan", "date_from": "2026-01-01", "date_to": "2026-12-31",
        "line_ids": [Command.create({
            "activity_type_id": activities[index % len(activities)].id,
            "tier_id": tiers[index // len(activities) % len(tiers)],
            "amount_original": 1_000_000,
            "date_from": date(2026, 1 + index // (len(activities) * len(tiers)) % 12, 1),
            "date_to": date(2026, 1 + index // (len(activities) * len(tiers)) % 12, 1) + relativedelta(day=31),
        }) for index in range(lines)],
    })
    # approved without its review round (the states only change through the workflow)
    workflow(plan).write({"state": "approved", "analytic_account_id": plan._create_analytic_account().id})
    customers = env["res.partner"].search([("name", "=like", "Bench Customer %")]).ids
    env.flush_all()
    # each expense on a customer of its line's tier when the line has one, with that tier as its snapshot
    cr.execute(
        """
        INSERT INTO care_expense (name, company_id, state, date, user_id, partner_id, customer_tier_id,
                                  care_activity_type_id, budget_line_id, budget_id, purpose, currency_id, amount,
                                  amount_company, payee_type, payment_status, create_date, write_date)
        SELECT 'BENCH/' || g, %(company)s, CASE WHEN g %% 3 = 0 THEN 'approved' ELSE 'posted' END,
               l.date_from + (g %% 28), %(user)s, p.id, (p.care_tier_id ->> %(company)s::text)::int,
               l.activity_type_id, l.id, l.budget_id, 'Bench', %(currency)s, 10 + g %% 90, 10 + g %% 90,
               'employee', 'not_paid', NOW(), NOW()
          FROM generate_series(1, %(expenses)s) g
          JOIN care_budget_line l ON l.budget_id = %(plan)s
           AND l.id = (SELECT MIN(id) FROM care_budget_line WHERE budget_id = %(plan)s) + g %% %(lines)s
          JOIN res_partner p ON p.id = (%(customers)s::int[])[1 + (g::bigint * 7919) %% %(count)s]
        """,
        {"company": company.id, "user": env.uid, "customers": customers, "count": len(customers),
         "currency": company.currency_id.id, "expenses": expenses, "plan": plan.id, "lines": lines},
    )
    column = env.ref("customer_care_budget.analytic_plan_customer_care")._column_name()
    move = env["account.move"].create({"move_type": "entry", "journal_id": journal.id, "date": "2026-06-30"})
    # journal items of the posted expenses (left out by the consumption) and of vendor bills (counted)
    cr.execute(
        f"""
        WITH items AS (
            INSERT INTO account_move_line (move_id, display_type, company_id, journal_id, account_id, currency_id,
                                           date, parent_state, name, balance, debit, credit, amount_currency,
                                           care_expense_id)
            SELECT %(move)s, 'product', %(company)s, %(journal)s,
                   (t.expense_account_id ->> %(company)s::text)::int, %(currency)s, e.date, 'posted',
                   'Bench', e.amount_company, e.amount_company, 0, e.amount_company, e.id
              FROM care_expense e JOIN care_activity_type t ON t.id = e.care_activity_type_id
             WHERE e.state = 'posted' AND e.budget_id = %(plan)s
            UNION ALL
            SELECT %(move)s, 'product', %(company)s, %(journal)s, (%(accounts)s::int[])[1 + g %% %(count)s],
                   %(currency)s, DATE '2026-01-01' + (g %% 365), 'posted', 'Bench bill', 25, 25, 0, 25, NULL
              FROM generate_series(1, %(journal_items)s) g
            RETURNING id, date, balance, account_id, care_expense_id
        )
        INSERT INTO account_analytic_line (name, date, amount, unit_amount, company_id, currency_id,
                                           general_account_id, move_line_id, care_expense_id, {column},
                                           create_date, write_date)
        SELECT 'Bench', i.date, -i.balance, 1, %(company)s, %(currency)s, i.account_id, i.id, i.care_expense_id,
               %(analytic)s, NOW(), NOW()
          FROM items i
        """,  # the column name comes from Odoo, not from input
        {"move": move.id, "company": company.id, "journal": journal.id,
         "accounts": activities.with_company(company).expense_account_id.ids,
         "count": len(activities.with_company(company).expense_account_id),
         "currency": company.currency_id.id, "plan": plan.id, "journal_items": journal_items,
         "analytic": plan.analytic_account_id.id},
    )
    cr.execute("ANALYZE care_expense; ANALYZE account_move_line; ANALYZE account_analytic_line; "
               "ANALYZE care_budget_line")
    cr.commit()
    env.invalidate_all()
    return plan


def measure(env, function, repeat=1):
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    for _index in range(repeat):
        env.invalidate_all()
        result = function()
    return (time.perf_counter() - start) / repeat, (env.cr.sql_log_count - queries) // repeat, result


def main():
    args = parse_args()
    with superuser_env(args.config, args.database) as env:
        from odoo.tools import SQL  # noqa: PLC0415

        cr = env.cr
        started = time.perf_counter()
        generate_customers(env, env.company, args.customers, args.invoice_lines)
        env["res.partner"]._care_recompute_company(env.company)
        plan = generate(env, env.company, args.expenses, args.lines, args.journal_items)
        generation = time.perf_counter() - started
        lines = env["care.budget.line"].browse(plan.line_ids.ids)  # a plain prefetch set, kept by invalidation

        floor, _queries, _rows = measure(env, lambda: env.execute_query(SQL(
            "SELECT budget_line_id, SUM(amount_company) FROM care_expense WHERE budget_id = %s GROUP BY 1", plan.id,
        )))
        consumption, consumption_queries, available = measure(
            env, lambda: sum(lines.mapped("amount_available")), repeat=3,
        )
        expense = env["care.expense"].search([("budget_id", "=", plan.id), ("state", "=", "approved")], limit=1)
        line = expense.budget_line_id
        if not line:
            raise SystemExit("no approved expense was generated: raise --expenses")

        def critical_section():
            line._lock_for_consumption()
            expense._check_budget_room()

        approval, approval_queries, _result = measure(env, critical_section, repeat=10)
        cr.rollback()
        analysis, analysis_queries, groups = measure(env, lambda: env["care.budget.report"]._read_group(
            [("budget_id", "=", plan.id)], ["activity_type_id"],
            ["amount_planned:sum", "amount_committed:sum", "amount_actual:sum"],
        ), repeat=3)
        committed, actual = (sum(group[index] for group in groups) for index in (2, 3))
        evaluation = env["care.evaluation"].create({
            "budget_id": plan.id, "date_from": "2026-01-01", "date_to": "2026-06-30",
        })
        gathering, gather_queries, _raw = measure(env, evaluation._gather)
        evaluating, evaluation_queries, _result = measure(env, evaluation.action_compute)
        env.flush_all()
        results = len(evaluation.result_ids)
        cr.rollback()

    print()
    print("Budget control benchmark")
    print(f"  data: 1 plan, {args.lines:,} lines, {args.expenses:,} expenses on {args.customers:,} customers, "
          f"{args.journal_items:,} vendor-bill items on the plan (generated in {generation:.1f} s)")
    print(f"  floor: bare SQL sum of the expenses    {floor * 1000:8.1f} ms")
    print(f"  consumption of all {len(lines):,} lines        {consumption * 1000:8.1f} ms   "
          f"{consumption_queries:3} queries   ratio {consumption / floor:5.1f} x floor")
    print(f"  approval: lock line + check room     {approval * 1000:8.1f} ms   {approval_queries:3} queries   "
          f"ratio {approval / floor:5.1f} x floor")
    print(f"  Budget Analysis by activity          {analysis * 1000:8.1f} ms   {analysis_queries:3} queries   "
          f"ratio {analysis / floor:5.1f} x floor")
    print(f"  floor: the evaluation's aggregate queries {gathering * 1000:8.1f} ms   {gather_queries:3} queries")
    print(f"  evaluation of the first half: Compute {evaluating * 1000:8.1f} ms   {evaluation_queries:3} queries   "
          f"ratio {evaluating / gathering:5.1f} x its aggregates   ({results:,} result rows, "
          f"{args.customers:,} customers, {args.invoice_lines:,} invoice lines)")
    print(f"  check: available {available:,.2f}, committed {committed:,.2f}, actual {actual:,.2f}")
    print(f"bench budget: approval {approval * 1000:.1f} ms, consumption {consumption * 1000:.0f} ms, "
          f"evaluation {evaluating / gathering:.1f} x its aggregates")


if __name__ == "__main__":
    main()
