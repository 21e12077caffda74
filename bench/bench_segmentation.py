"""Benchmark of the customer segmentation recompute.

Fills a database that has customer_care_budget installed with N customers and M posted invoice
lines (bulk SQL: data generation only), runs the recompute the daily cron runs three times (the first
classification, nothing changed, 30 days later), and prints its wall time and query count against the
floors: the bare SQL aggregation it is built on, one bare set-based UPDATE of the same values for the
same customers (the bulk write), and one bare INSERT of the same history rows. The last line sums up the
ratios: first against aggregate + bulk write, unchanged against the aggregate, later against aggregate +
bulk write + history insert. Then the customer value model's part of the first run, against the bare
aggregate: the query of every customer's purchases, the fit (BG/NBD and Gamma-Gamma), and the scoring of
every customer (their purchases again and the formulas).

    python3 bench/bench_segmentation.py -c odoo.conf -d DB [--customers N] [--lines M]

``scripts/bench`` creates a throwaway database, installs the addon and runs this.
"""

import time
from datetime import timedelta

from odoo_env import argument_parser, superuser_env

LINES_PER_INVOICE = 4


def parse_args():
    parser = argument_parser(__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000, help="posted invoice lines")
    return parser.parse_args()


def generate(env, company, customers, lines):
    """Customers and posted invoices (1 in 10 a refund) over two years, by bulk SQL."""
    cr = env.cr
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    account = journal.default_account_id
    if not journal or not account:
        raise SystemExit("the company has no sale journal with an income account: install a chart of accounts")
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, customer_rank, active, type,
                                 autopost_bills, create_date, write_date)
        SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, 1, TRUE, 'contact', 'ask', NOW(), NOW()
          FROM generate_series(1, %(customers)s) g
        RETURNING id
        """,
        {"customers": customers},
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partner_ids])
    invoices = max(lines // LINES_PER_INVOICE, 1)
    cr.execute(
        """
        INSERT INTO account_move (move_type, state, auto_post, company_id, journal_id, currency_id,
                                  partner_id, commercial_partner_id, date, invoice_date, name,
                                  amount_untaxed, amount_untaxed_signed, amount_total, amount_total_signed,
                                  create_date, write_date)
        SELECT kind, 'posted', 'no', %(company)s, %(journal)s, %(currency)s, partner, partner, day, day,
               'BENCH/' || g, amount, CASE WHEN kind = 'out_refund' THEN -amount ELSE amount END,
               amount, CASE WHEN kind = 'out_refund' THEN -amount ELSE amount END, NOW(), NOW()
          FROM (
                SELECT g,
                       (%(partner_ids)s::int[])[1 + (g::bigint * 7919) %% %(customers)s] AS partner,
                       CURRENT_DATE - ((g::bigint * 104729) %% 730)::int AS day,
                       CASE WHEN g %% 10 = 0 THEN 'out_refund' ELSE 'out_invoice' END AS kind,
                       ROUND((50 + (g::bigint * 31) %% 5000)::numeric, 2) AS amount
                  FROM generate_series(1, %(invoices)s) g
               ) generated
        RETURNING id, amount_untaxed, date
        """,
        {
            "company": company.id, "journal": journal.id, "currency": company.currency_id.id,
            "partner_ids": partner_ids, "customers": customers, "invoices": invoices,
        },
    )
    cr.execute(
        """
        INSERT INTO account_move_line (move_id, display_type, company_id, journal_id, account_id, currency_id,
                                       partner_id, date, parent_state, name, quantity, price_unit,
                                       price_subtotal, balance, debit, credit, amount_currency)
        SELECT m.id, 'product', m.company_id, m.journal_id, %(account)s, m.currency_id, m.partner_id, m.date,
               'posted', 'Bench line', 1, m.amount_untaxed / %(per)s, m.amount_untaxed / %(per)s,
               -m.amount_untaxed_signed / %(per)s, GREATEST(m.amount_untaxed_signed, 0) / %(per)s,
               GREATEST(-m.amount_untaxed_signed, 0) / %(per)s, -m.amount_untaxed_signed / %(per)s
          FROM account_move m, generate_series(1, %(per)s)
         WHERE m.name LIKE 'BENCH/%%'
        """,
        {"account": account.id, "per": LINES_PER_INVOICE},
    )
    cr.execute("ANALYZE res_partner; ANALYZE account_move; ANALYZE account_move_line")
    cr.commit()
    return len(partner_ids), invoices, invoices * LINES_PER_INVOICE


def measure(env, function):
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    result = function()
    env.flush_all()
    return time.perf_counter() - start, env.cr.sql_log_count - queries, result


def snapshot_written(env, company, since):
    """Keep aside, in temporary tables, what the recompute wrote in this transaction (``since``: the time
    of its writes): the company's values of the customers it updated and the history rows it inserted."""
    from odoo.addons.customer_care_budget.models.res_partner import CARE_COMPUTED_FIELDS  # noqa: PLC0415

    columns = ", ".join(f"{fname} -> %(key)s AS {fname}" for fname in CARE_COMPUTED_FIELDS)
    env.cr.execute(
        f"""
        DROP TABLE IF EXISTS bench_segment, bench_history;
        CREATE TEMP TABLE bench_segment AS SELECT id, {columns} FROM res_partner WHERE write_date = %(since)s;
        CREATE TEMP TABLE bench_history AS SELECT * FROM care_segment_history WHERE create_date = %(since)s;
        ANALYZE bench_segment; ANALYZE bench_history
        """,  # column names come from the addon, not from input
        {"key": str(company.id), "since": since},
    )


def bulk_write(env, key):
    """The bulk-write floor: one bare UPDATE of the values kept aside, for the same customers, as the
    recompute's statement merges them into the company-dependent columns (no ORM, no Python per row)."""
    from odoo.addons.customer_care_budget.models.res_partner import CARE_COMPUTED_FIELDS  # noqa: PLC0415

    assignments = ", ".join(
        f"{fname} = COALESCE(p.{fname}, '{{}}') || jsonb_build_object(%(key)s, s.{fname})"
        for fname in CARE_COMPUTED_FIELDS
    )
    env.cr.execute(f"UPDATE res_partner p SET {assignments} FROM bench_segment s WHERE p.id = s.id", {"key": key})
    return env.cr.rowcount


def history_insert(env):
    """The bare history-insert floor: the recompute's history rows inserted again from where they were
    kept aside, in one bare INSERT."""
    env.cr.execute("SELECT * FROM bench_history LIMIT 0")
    columns = ", ".join(column.name for column in env.cr.description if column.name != "id")
    env.cr.execute(f"INSERT INTO care_segment_history ({columns}) SELECT {columns} FROM bench_history")
    return env.cr.rowcount


def main():
    args = parse_args()
    with superuser_env(args.config, args.database) as env:
        from odoo import fields  # noqa: PLC0415

        cr = env.cr
        company = env.company
        key = str(company.id)
        partners = env["res.partner"].with_company(company)
        started = time.perf_counter()
        customers, invoices, lines = generate(env, company, args.customers, args.lines)
        generation = time.perf_counter() - started
        today = fields.Date.context_today(partners)

        floor, _queries, rows = measure(env, lambda: env.execute_query(
            partners._care_invoice_aggregate_query(company, today),  # the aggregate the recompute joins
        ))
        first, first_queries, first_changes = measure(env, lambda: partners._care_recompute_company(company))
        snapshot_written(env, company, cr.now())
        first_write, _queries, _count = measure(env, lambda: bulk_write(env, key))
        value_model = measure_value_model(env, company, partners)
        cr.commit()
        again, again_queries, again_changes = measure(env, lambda: partners._care_recompute_company(company))
        later, later_queries, later_changes = measure(
            env, lambda: _recompute_on(partners, company, today + timedelta(days=30)),
        )
        snapshot_written(env, company, cr.now())
        later_write, _queries, _count = measure(env, lambda: bulk_write(env, key))
        later_history, _queries, history_rows = measure(env, lambda: history_insert(env))
        cr.rollback()

    first_floor = floor + first_write
    later_floor = floor + later_write + later_history
    print()
    print("Customer segmentation benchmark")
    print(f"  data: {customers:,} customers, {invoices:,} posted invoices, {lines:,} invoice lines "
          f"(generated in {generation:.1f} s)")
    print(f"  floor: bare SQL aggregation              {floor:8.2f} s   ({len(rows):,} customers aggregated)")
    print(f"  floor: bare bulk write, first            {first_write:8.2f} s   ({first_changes:,} customers)")
    print(f"  floor: bare bulk write, 30 days later    {later_write:8.2f} s   ({later_changes:,} customers)")
    print(f"  floor: bare history insert, 30 days later {later_history:7.2f} s   ({history_rows:,} rows)")
    print(f"  recompute, first classification          {first:8.2f} s   {first_queries:6,} queries   "
          f"{first_changes:,} customers written   ratio {first / first_floor:5.1f} x (aggregate + bulk write)")
    print(f"  recompute, nothing changed               {again:8.2f} s   {again_queries:6,} queries   "
          f"{again_changes:,} customers written   ratio {again / floor:5.1f} x aggregate")
    print(f"  recompute, 30 days later, history        {later:8.2f} s   {later_queries:6,} queries   "
          f"{later_changes:,} customers written, {history_rows:,} history rows   "
          f"ratio {later / later_floor:5.1f} x (aggregate + bulk write + history insert)")
    print(f"bench segmentation: first {first / first_floor:.1f} x, unchanged {again / floor:.1f} x, "
          f"later {later / later_floor:.1f} x floor")
    purchases, fitting, fitted, scoring, scored = value_model
    value_time = purchases + fitting + scoring
    print()
    print("Customer value model, inside the first classification")
    bgnbd, gamma_gamma = fitted.bgnbd, fitted.gamma_gamma
    print(f"  purchases of every customer (one query)  {purchases:8.2f} s   ({bgnbd.customers:,} customers fitted "
          f"of {len(rows):,})")
    print(f"  fit, BG/NBD and Gamma-Gamma              {fitting:8.2f} s   (r {bgnbd.r:.3g}, α {bgnbd.alpha:.3g}, "
          f"a {bgnbd.a:.3g}, b {bgnbd.b:.3g}; p {gamma_gamma.p:.3g}, q {gamma_gamma.q:.3g}, γ {gamma_gamma.gamma:.3g})")
    print(f"  scoring every customer                   {scoring:8.2f} s   ({scored:,} customers)")
    print(f"bench value model: {value_time:.2f} s, {value_time / floor:.1f} x the bare aggregate, "
          f"{value_time / first:.0%} of the first classification")


def measure_value_model(env, company, partners):
    """(purchase query s, fit s, the fit, scoring s, customers scored): the value model's steps of a recompute
    that finds no kept fit, one by one, as ``_care_value_fit`` and ``_care_value_scores`` run them."""
    from odoo.addons.customer_care_budget import clv_model  # noqa: PLC0415

    rules = partners._care_segment_rules(company)
    today = rules.today
    purchases, _queries, rows = measure(env, lambda: env["care.clv.model"]._purchase_rows(company, today, today))
    _ids, x, t_x, tenure, value, _after = rows
    fitting, _queries, fitted = measure(env, lambda: clv_model.fit(x, t_x, tenure, value))
    scoring, _queries, (valued, _gone) = measure(
        env, lambda: partners._care_value_scores(company, rules, fitted, rows[0].astype(int).tolist()),
    )
    return purchases, fitting, fitted, scoring, len(valued)


def _recompute_on(partners, company, day):
    from freezegun import freeze_time  # noqa: PLC0415

    with freeze_time(day):
        changes = partners._care_recompute_company(company)
        partners.env.cr.precommit.run()  # what the commit runs (no chatter tracking: the segment history)
        return changes


if __name__ == "__main__":
    main()
