from odoo import models
from odoo.exceptions import UserError

from .care_guard_mixin import in_workflow


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted._care_update_warnings()
        return posted

    def write(self, vals):
        if vals.get("state", "posted") != "posted":  # reset to draft or cancel
            self._check_care_expense_moves()
        return super().write(vals)

    def _reverse_moves(self, default_values_list=None, cancel=False):
        self._check_care_expense_moves()
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def _care_update_warnings(self):
        """Journal items booked on a plan's analytic account consume its lines: warn as approvals do."""
        analytic_lines = self.line_ids.analytic_line_ids
        if not analytic_lines:
            return
        column = self.env.ref("customer_care_budget.analytic_plan_customer_care")._column_name()
        accounts = analytic_lines.mapped(column)
        if accounts:
            # sudo: the accountant posting a bill need not read Customer Care budgets
            budgets = self.env["care.budget"].sudo().search([
                ("analytic_account_id", "in", accounts.ids), ("state", "=", "approved"),
            ])
            budgets.line_ids._update_warning()

    def _check_care_expense_moves(self):
        """The bills of care expenses (and their credit notes) are only undone by cancelling the
        expense: the budget counts the expense, so the two must never part."""
        if in_workflow(self):
            return
        expenses = self.line_ids.care_expense_id
        if expenses:
            raise UserError(self.env._(
                "%(moves)s belong to the customer care expenses %(expenses)s: cancel the expense instead, "
                "which reverses its bill.",
                moves=", ".join(self.filtered(lambda move: move.line_ids.care_expense_id).mapped("name")),
                # sudo: an accountant without Customer Care rights must still learn which expense it is
                expenses=", ".join(expenses.sudo().mapped("name")),
            ))
