from odoo import fields, models
from odoo.exceptions import UserError

from ..models.care_guard_mixin import record_ids
from ..models.tier_review import CARE_MODELS


class CareApprovalReason(models.TransientModel):
    """Asks the reason of a decision on a budget plan or an expense: a rejection, an over-budget
    override, a confirmed duplicate or care for a held-out customer; the record then records it and logs it
    in its chatter."""

    _name = "care.approval.reason"
    _description = "Reason for a Customer Care Decision"

    res_model = fields.Selection(
        [("care.budget", "Budget Plan"), ("care.expense", "Expense")], string="Document Type", required=True,
        readonly=True,
    )
    res_ids = fields.Json(string="Documents", required=True, readonly=True, help="Ids of the records decided on.")
    reason_type = fields.Selection(
        [
            ("reject", "Reject"),
            ("override", "Approve over Budget"),
            ("duplicate", "Confirm No Duplicate"),
            ("holdout", "Confirm Held-Out Customer"),
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
        records = self.env[self.res_model].browse(record_ids(self.res_ids)).exists()
        if not records:
            raise UserError(self.env._("The documents to decide on are gone."))
        records.check_access("read")
        if self.reason_type == "reject" and len(records) > 1:
            return records._run_each(lambda record: record._reject(reason), lambda count, total: self.env._(
                "%(count)s of %(total)s rejected", count=count, total=total))
        if self.reason_type == "reject":
            records._reject(reason)
        elif records._name == "care.expense" and len(records) == 1:
            {"override": records._grant_override, "duplicate": records._confirm_duplicate,
             "holdout": records._confirm_holdout}[self.reason_type](reason)
        else:
            raise UserError(self.env._(
                "Overrides, duplicate and holdout confirmations are decided one expense at a time."))
        return {"type": "ir.actions.act_window_close"}
