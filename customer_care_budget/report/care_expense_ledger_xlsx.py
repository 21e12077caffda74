from collections import defaultdict

from odoo import models
from odoo.tools import split_every

BATCH_SIZE = 1000


class CareExpenseLedgerXlsx(models.AbstractModel):
    """Expense ledger (费用明细账), for accountants: one row per expense with its bill, accounts and payment.

    Rows are read in batches and the cache is emptied after each one, and the workbook streams its rows
    to disk (see the common report): 100,000 expenses export in bounded memory. Totals are per company
    currency, of approved and of posted expenses; the posted total equals the balance of the expense lines
    of their bills. Accounting columns stay empty for a reader without accounting rights.
    """

    _name = "report.customer_care_budget.care_expense_ledger_xlsx"
    _inherit = "report.customer_care_budget.xlsx_common"
    _description = "Customer Care Expense Ledger XLSX"

    def generate_xlsx_report(self, workbook, data, expenses):
        formats = self._formats(workbook, self.env.company.currency_id)
        sheet = self._add_sheet(workbook, self.env._("Expense Ledger"))
        self._write_header(sheet, 0, self._columns(), formats)
        states = dict(expenses._fields["state"]._description_selection(self.env))
        payments = dict(expenses._fields["payment_status"]._description_selection(self.env))
        accounting = self.env["account.move.line"].has_access("read")
        row, totals = 1, defaultdict(float)
        for ids in split_every(BATCH_SIZE, expenses.ids):
            batch = expenses.browse(ids)
            booked = self._booked_lines(batch) if accounting else {}
            for expense in batch:
                line = booked.get(expense.id)
                self._write_row(
                    sheet,
                    row,
                    [
                        (expense.name, formats["text"]),
                        (expense.date, formats["date"]),
                        (expense.move_id.date if accounting else None, formats["date"]),
                        (expense.user_id.name, formats["text"]),
                        (expense.partner_id.name, formats["text"]),
                        (expense.customer_tier_id.name, formats["text"]),
                        (expense.care_activity_type_id.name, formats["text"]),
                        (expense.budget_id.name, formats["text"]),
                        (expense.budget_line_id.display_name, formats["text"]),
                        (expense.amount, self._money_format(workbook, formats, expense.currency_id)),
                        (expense.currency_id.name, formats["text"]),
                        (expense.amount_company, self._money_format(workbook, formats, expense.company_currency_id)),
                        (states[expense.state], formats["text"]),
                        (expense.move_id.name if accounting else None, formats["text"]),
                        (expense.reversal_move_id.name if accounting else None, formats["text"]),
                        (self._account_label(line), formats["text"]),
                        (expense.budget_id.analytic_account_id.display_name if line else None, formats["text"]),
                        (payments.get(expense.payment_status), formats["text"]),
                        (expense.receipt_count, formats["int"]),
                    ],
                )
                row += 1
                if expense.state in ("approved", "posted"):
                    totals[expense.company_currency_id, expense.state] += expense.amount_company
            self.env.invalidate_all()  # what a batch read is not needed any more: keep the memory flat
        self._write_totals(workbook, sheet, row, totals, states, formats)

    def _write_totals(self, workbook, sheet, row, totals, states, formats):
        """One total per company currency and state that consumes budgets (approved, posted): the posted
        total equals the balance of the bills' expense lines."""
        for (currency, state), amount in sorted(totals.items(), key=lambda item: (item[0][0].name, item[0][1])):
            label = self.env._("Total %(state)s (%(currency)s)", state=states[state].lower(), currency=currency.name)
            cells = [(label, formats["total"])] + [(None, formats["total"])] * 10
            self._write_row(sheet, row, [*cells, (amount, self._money_format(workbook, formats, currency, total=True))])
            row += 1

    def _columns(self):
        return [
            (self.env._("Reference"), 16),
            (self.env._("Date"), 11),
            (self.env._("Accounting Date"), 11),
            (self.env._("Requester"), 18),
            (self.env._("Customer"), 24),
            (self.env._("Tier"), 12),
            (self.env._("Activity"), 18),
            (self.env._("Plan"), 22),
            (self.env._("Budget Line"), 30),
            (self.env._("Amount"), 13),
            (self.env._("Currency"), 8),
            (self.env._("Amount (Company)"), 14),
            (self.env._("Status"), 11),
            (self.env._("Bill"), 16),
            (self.env._("Credit Note"), 16),
            (self.env._("Expense Account"), 24),
            (self.env._("Analytic Account"), 22),
            (self.env._("Payment"), 11),
            (self.env._("Receipts"), 8),
        ]

    def _account_label(self, line):
        """Code and name of the account ``line`` is booked on (the code is per company)."""
        if not line:
            return None
        account = line.account_id.with_company(line.company_id)
        return f"{account.code} {account.name}"

    def _booked_lines(self, expenses):
        """{expense id: the expense line of its bill}, in one read for the batch."""
        lines = self.env["account.move.line"].search_fetch(
            [
                ("care_expense_id", "in", expenses.ids),
                ("move_id", "in", expenses.move_id.ids),
                ("display_type", "=", "product"),
            ],
            ["care_expense_id", "account_id", "move_id", "company_id"],
        )
        return {line.care_expense_id.id: line for line in lines}
