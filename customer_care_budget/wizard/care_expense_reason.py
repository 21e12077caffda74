from odoo import fields, models
from odoo.exceptions import UserError


class CareExpenseReason(models.TransientModel):
    """Asks the reason of a decision on an expense: a rejection, an over-budget override or a
    confirmed duplicate; the expense then records it and logs it in its chatter."""

    _name = "care.expense.reason"
    _description = "Reason for a Care Expense Decision"

    expense_id = fields.Many2one("care.expense", required=True, readonly=True)
    reason_type = fields.Selection(
        [
            ("reject", "Reject Expense"),
            ("override", "Approve over Budget"),
            ("duplicate", "Confirm No Duplicate"),
        ],
        required=True,
        readonly=True,
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason."))
        expense = self.expense_id
        {
            "reject": expense._reject,
            "override": expense._grant_override,
            "duplicate": expense._confirm_duplicate,
        }[self.reason_type](reason)
        return {"type": "ir.actions.act_window_close"}
