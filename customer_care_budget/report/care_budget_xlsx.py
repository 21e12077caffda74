from collections import defaultdict

from odoo import models

from ..tools import calendar_periods, split_amount


class CareBudgetXlsx(models.AbstractModel):
    """Budget vs actual (预算执行情况) of one or more plans, for managers.

    One sheet per plan: its lines grouped by activity with a subtotal each, then the subtotals per tier,
    the lines' total, the unallocated reserve and the total budget; consumption coloured from the line's
    warning threshold and over 100 %. Then the plans by month (each line's revised amount spread over its
    months by days), and the over-budget overrides with their reasons. The figures are those of the
    Budget Analysis; the report is for Managers and Accountants, who see all of its rows.
    """

    _name = "report.customer_care_budget.care_budget_xlsx"
    _inherit = "report.customer_care_budget.xlsx_common"
    _description = "Customer Care Budget vs Actual XLSX"

    def generate_xlsx_report(self, workbook, data, budgets):
        for budget in budgets:
            self._write_budget_sheet(workbook, budget, self._formats(workbook, budget.currency_id))
        formats = self._formats(workbook, budgets.currency_id[:1] or self.env.company.currency_id)
        self._write_month_sheet(workbook, budgets, formats)
        self._write_override_sheet(workbook, budgets, formats)

    # ------------------------------------------------------------
    # one sheet per plan
    # ------------------------------------------------------------

    def _amount_columns(self):
        return [
            (self.env._("Planned"), 14),
            (self.env._("Revised"), 14),
            (self.env._("Committed"), 14),
            (self.env._("Actual"), 14),
            (self.env._("Available"), 14),
            (self.env._("Consumption (%)"), 12),
        ]

    def _write_budget_sheet(self, workbook, budget, formats):
        sheet = self._add_sheet(workbook, budget.name)
        states = dict(budget._fields["state"]._description_selection(self.env))
        sheet.write_string(0, 0, self.env._("Budget vs Actual: %(budget)s", budget=budget.name), formats["title"])
        sheet.write_string(
            1,
            0,
            self.env._(
                "%(start)s to %(end)s, %(state)s, responsible %(user)s, %(company)s",
                start=budget.date_from,
                end=budget.date_to,
                state=states[budget.state],
                user=budget.user_id.name or "-",
                company=budget.company_id.name,
            ),
            formats["note"],
        )
        self._write_header(
            sheet,
            3,
            [
                (self.env._("Activity"), 22),
                (self.env._("Tier"), 14),
                (self.env._("Key Account"), 22),
                (self.env._("Start"), 11),
                (self.env._("End"), 11),
                *self._amount_columns(),
                (self.env._("Warning at (%)"), 11),
            ],
            formats,
        )
        row = 4
        lines = budget.line_ids.sorted(
            lambda line: (line.activity_type_id.name, line.tier_id.sequence, line.partner_id.name or "", line.date_from)
        )
        by_activity = defaultdict(lambda: self.env["care.budget.line"])
        for line in lines:
            by_activity[line.activity_type_id] |= line
        for activity, activity_lines in by_activity.items():
            for line in activity_lines:
                self._write_row(
                    sheet,
                    row,
                    [
                        (activity.name, formats["text"]),
                        (line.tier_id.name or self.env._("All tiers"), formats["text"]),
                        (line.partner_id.name, formats["text"]),
                        (line.date_from, formats["date"]),
                        (line.date_to, formats["date"]),
                        *self._amount_cells(line, formats, line.warning_threshold),
                        (line.warning_threshold, formats["percent"]),
                    ],
                )
                row += 1
            row = self._write_total(
                sheet, row, self.env._("Subtotal %(activity)s", activity=activity.name), activity_lines, formats
            )
        row += 1
        sheet.write_string(row, 0, self.env._("By tier"), formats["title"])
        row += 1
        by_tier = defaultdict(lambda: self.env["care.budget.line"])
        for line in lines:
            by_tier[
                line.tier_id.name or (self.env._("Key accounts") if line.partner_id else self.env._("All tiers"))
            ] |= line
        for tier_name, tier_lines in by_tier.items():
            row = self._write_total(sheet, row, tier_name, tier_lines, formats, subtotal=False)
        row = self._write_total(sheet, row + 1, self.env._("Total lines"), lines, formats)
        self._write_row(
            sheet,
            row,
            [(self.env._("Unallocated reserve"), formats["total"])]
            + [(None, formats["total"])] * 5
            + [(budget.reserve_unallocated, formats["total_money"])],
        )
        self._write_row(
            sheet,
            row + 1,
            [(self.env._("Total budget"), formats["total"])]
            + [(None, formats["total"])] * 5
            + [(budget.amount_total, formats["total_money"])],
        )

    def _amount_cells(self, lines, formats, threshold, total=False):
        money = formats["total_money" if total else "money"]
        planned = sum(lines.mapped("amount_planned"))
        spent = sum(lines.mapped("amount_committed")) + sum(lines.mapped("amount_actual"))
        consumption = 100 * spent / planned if planned else None if spent > 0 else 0.0
        return [
            (sum(lines.mapped("amount_original")), money),
            (planned, money),
            (sum(lines.mapped("amount_committed")), money),
            (sum(lines.mapped("amount_actual")), money),
            (sum(lines.mapped("amount_available")), money),
            (consumption, self._consumption_format(formats, consumption, threshold)),
        ]

    def _write_total(self, sheet, row, label, lines, formats, subtotal=True):
        """A row summing ``lines``; bold for subtotals. Returns the next row."""
        threshold = min(lines.mapped("warning_threshold"), default=100.0)
        text = formats["total" if subtotal else "text"]
        self._write_row(
            sheet,
            row,
            [(label, text)] + [(None, text)] * 4 + self._amount_cells(lines, formats, threshold, total=subtotal),
        )
        return row + 1

    # ------------------------------------------------------------
    # all plans
    # ------------------------------------------------------------

    def _write_month_sheet(self, workbook, budgets, formats):
        sheet = self._add_sheet(workbook, self.env._("By Month"))
        self._write_header(
            sheet,
            0,
            [
                (self.env._("Plan"), 28),
                (self.env._("Month"), 12),
                (self.env._("Planned"), 14),
                (self.env._("Committed"), 14),
                (self.env._("Actual"), 14),
            ],
            formats,
        )
        spent = {
            (budget, month): (committed, actual)
            for budget, month, committed, actual in self.env["care.budget.report"]._read_group(
                [("budget_id", "in", budgets.ids), ("source", "!=", "plan")],
                ["budget_id", "date:month"],
                ["amount_committed:sum", "amount_actual:sum"],
            )
        }
        row = 1
        for budget in budgets:
            money = self._money_format(workbook, formats, budget.currency_id)
            planned = self._planned_by_month(budget)
            for month in sorted(planned.keys() | {month for plan, month in spent if plan == budget}):
                committed, actual = spent.get((budget, month), (0.0, 0.0))
                self._write_row(
                    sheet,
                    row,
                    [
                        (budget.name, formats["text"]),
                        (month, formats["date"]),
                        (planned.get(month, 0.0), money),
                        (committed, money),
                        (actual, money),
                    ],
                )
                row += 1

    def _planned_by_month(self, budget):
        """{first day of month: planned}: each line's revised amount spread over its months by days, cents
        conserved."""
        planned = defaultdict(float)
        for line in budget.line_ids:
            months = calendar_periods(line.date_from, line.date_to, 1)
            days = [(end - start).days + 1 for start, end in months]
            for (start, _end), amount in zip(months, split_amount(line.amount_planned, days, budget.currency_id)):
                planned[start.replace(day=1)] += amount
        return planned

    def _write_override_sheet(self, workbook, budgets, formats):
        sheet = self._add_sheet(workbook, self.env._("Overrides"))
        self._write_header(
            sheet,
            0,
            [
                (self.env._("Expense"), 16),
                (self.env._("Date"), 11),
                (self.env._("Plan"), 22),
                (self.env._("Customer"), 24),
                (self.env._("Budget Line"), 34),
                (self.env._("Amount"), 14),
                (self.env._("Reason"), 50),
                (self.env._("Override By"), 20),
            ],
            formats,
        )
        # the overrides that consume the plans: approved or posted
        overrides = self.env["care.expense"].search(
            [
                ("budget_id", "in", budgets.ids),
                ("override_reason", "!=", False),
                ("state", "in", ("approved", "posted")),
            ],
            order="date, id",
        )
        for row, expense in enumerate(overrides, start=1):
            self._write_row(
                sheet,
                row,
                [
                    (expense.name, formats["text"]),
                    (expense.date, formats["date"]),
                    (expense.budget_id.name, formats["text"]),
                    (expense.partner_id.name, formats["text"]),
                    (expense.budget_line_id.display_name, formats["text"]),
                    (expense.amount_company, self._money_format(workbook, formats, expense.company_currency_id)),
                    (expense.override_reason, formats["text"]),
                    (expense.override_user_id.name, formats["text"]),
                ],
            )

