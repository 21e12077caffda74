from odoo import fields, models
from odoo.exceptions import UserError

from ..models.tier_review import CARE_MODELS


class CareApprovalReason(models.TransientModel):
    """Asks the reason of a decision on a budget plan or an expense: a rejection, an over-budget
    override or a confirmed duplicate; the record then records it and logs it in its chatter."""

    _name = "care.approval.reason"
    _description = "Reason for a Customer Care Decision"

    res_model = fields.Selection(
        [("care.budget", "Budget Plan"), ("care.expense", "Expense")], string="Document Type", required=True,
        readonly=True,
    )
    res_id = fields.Integer(string="Document ID", required=True, readonly=True)
    reason_type = fields.Selection(
        [
            ("reject", "Reject"),
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
        if self.res_model not in CARE_MODELS:
            raise UserError(self.env._("Only budget plans and expenses take a reason."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        record.check_access("read")
        if self.reason_type == "reject":
            record._reject(reason)
        elif record._name == "care.expense":
            {"override": record._grant_override, "duplicate": record._confirm_duplicate}[self.reason_type](reason)
        return {"type": "ir.actions.act_window_close"}
