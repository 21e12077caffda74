"""Benchmark of the expense ledger XLSX export: time and peak memory against bare xlsxwriter.

Fills a database that has customer_care_budget installed with N care expenses on a plan (as the
budget benchmark does, bulk SQL), then exports the first 20,000 of them and all of them with the
Expense Ledger report, and writes the same rows with bare xlsxwriter in constant-memory mode (the
floor: rows read with one SQL query and written, nothing else). Each is timed, then run again for its
peak memory: Python's allocations (tracemalloc), the output file included. The last line sums it up:
the report against the floor at N expenses, and the growth of its peak from 20,000 to N expenses
against the floor's (1.0: as fast; more: the report holds more per row than the floor).

    python3 bench/bench_xlsx.py -c odoo.conf -d DB [--expenses N]

``scripts/bench xlsx`` creates a throwaway database, installs the addon and runs this.
"""

import io
import time
import tracemalloc

import xlsxwriter
from bench_budget import generate
from bench_segmentation import generate as generate_customers
from odoo_env import argument_parser, superuser_env

SMALL = 20_000  # expenses of the smaller export, the peak growth is measured from


def parse_args():
    parser = argument_parser(__doc__)
    parser.add_argument("--expenses", type=int, default=100_000)
    return parser.parse_args()


def measure(env, function):
    """(seconds, peak MiB, result) of ``function()``: timed on its own, then run again under tracemalloc
    (which slows Python down too much to time it)."""
    env.invalidate_all()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    env.invalidate_all()
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def bare_export(env, expense_ids):
    """The floor: the ledger's rows from one SQL query, written with bare xlsxwriter."""
    env.cr.execute(
        """
        SELECT e.name, e.date, m.date, u.login, p.name, t.code, a.code, b.name, e.budget_line_id, e.amount,
               c.name, e.amount_company, e.state, m.name, NULL, NULL, e.payment_status, 0
          FROM care_expense e
          JOIN res_users u ON u.id = e.user_id
          JOIN res_partner p ON p.id = e.partner_id
          JOIN care_activity_type a ON a.id = e.care_activity_type_id
          JOIN res_currency c ON c.id = e.currency_id
     LEFT JOIN care_tier t ON t.id = e.customer_tier_id
     LEFT JOIN care_budget b ON b.id = e.budget_id
     LEFT JOIN account_move m ON m.id = e.move_id
         WHERE e.id = ANY(%s)
      ORDER BY e.id
        """,
        [expense_ids],
    )
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Expense Ledger")
    row = 0
    while rows := env.cr.fetchmany(1000):
        for values in rows:
            row += 1
            for col, value in enumerate(values):
                sheet.write(row, col, value)
    workbook.close()
    return len(output.getvalue())


def compare(env, expense_ids):
    """(floor, report): (seconds, peak MiB, file bytes) of the bare export and of the Expense Ledger report
    of ``expense_ids``."""
    report = env.ref("customer_care_budget.care_expense_ledger_xlsx_report")
    floor = measure(env, lambda: bare_export(env, expense_ids))
    export = measure(env, lambda: len(env["ir.actions.report"]._render_xlsx(report.report_name, expense_ids, {})[0]))
    return floor, export


def print_results(results):
    """Print {size: (floor, report)} of ``compare()``, then the summary: the ratios at the largest size, the
    growth of the peaks from the smallest."""
    for size, ((floor, floor_peak, floor_size), (export, export_peak, export_size)) in results.items():
        print(f"  {size:,} expenses")
        print(f"    floor: bare xlsxwriter, one SQL query     {floor:7.2f} s   peak {floor_peak:7.1f} MiB   "
              f"{floor_size / 2**20:5.1f} MiB file")
        print(f"    Expense Ledger report (SQL rows, ORM)   {export:7.2f} s   peak {export_peak:7.1f} MiB   "
              f"{export_size / 2**20:5.1f} MiB file   ratio {export / floor:4.1f} x time, "
              f"{export_peak / floor_peak:4.1f} x memory")
    small, large = min(results), max(results)
    (floor, floor_peak, _size), (export, export_peak, _size) = results[large]
    floor_growth = floor_peak / results[small][0][1]
    export_growth = export_peak / results[small][1][1]
    print(f"  peak growth from {small:,} to {large:,} expenses: floor {floor_growth:4.1f} x, "
          f"report {export_growth:4.1f} x")
    print(f"bench xlsx: {export / floor:.1f} x time, {export_peak / floor_peak:.1f} x memory, "
          f"peak growth {export_growth / floor_growth:.1f} x floor")


def main():
    args = parse_args()
    with superuser_env(args.config, args.database) as env:
        started = time.perf_counter()
        generate_customers(env, env.company, 2_000, 20_000)
        generate(env, env.company, args.expenses, 420, 0)
        generation = time.perf_counter() - started
        expense_ids = env["care.expense"].search([], order="id").ids
        env.invalidate_all()
        sizes = sorted({min(SMALL, len(expense_ids)), len(expense_ids)})
        results = {size: compare(env, expense_ids[:size]) for size in sizes}
        env.cr.rollback()

    print()
    print("Expense ledger XLSX benchmark")
    print(f"  data: {len(expense_ids):,} expenses (generated in {generation:.1f} s)")
    print_results(results)


if __name__ == "__main__":
    main()
