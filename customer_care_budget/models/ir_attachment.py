from odoo import api, models
from odoo.exceptions import UserError

from .care_guard_mixin import given_values, in_workflow


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        given = [given_values(self, vals) for vals in vals_list]
        self._check_care_receipts_open([
            vals["res_id"] for vals in given if vals.get("res_model") == "care.expense" and vals.get("res_id")
        ])
        return super().create(vals_list)

    def write(self, vals):
        expense_ids = self._care_expense_ids()
        if vals.get("res_id"):  # moved onto an expense: onto the model written, else the file's own
            # sudo: which model a file belongs to, whoever reads it
            expense_ids += [vals["res_id"] for att in self.sudo()
                            if vals.get("res_model", att.res_model) == "care.expense"]
        self._check_care_receipts_open(expense_ids)
        return super().write(vals)

    def unlink(self):
        self._check_care_receipts_open(self._care_expense_ids())
        return super().unlink()

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _care_expense_ids(self):
        # sudo: which expense a file belongs to decides whether it may change, whoever reads it
        return [att.res_id for att in self.sudo() if att.res_model == "care.expense" and att.res_id]

    def _check_care_receipts_open(self, expense_ids):
        """A care expense's receipts are what was submitted, approved and posted: they change with the expense,
        while it is a draft (anyone else's receipts the access rules already refuse)."""
        if self.env.su or in_workflow(self) or not expense_ids:
            return
        # sudo: the state of the expense, whoever may read it
        locked = self.env["care.expense"].sudo().browse(set(expense_ids)).exists().filtered(
            lambda expense: expense.state != "draft"
        )
        if locked:
            raise UserError(self.env._(
                "The receipts of %(expenses)s are locked once submitted: reset it to draft to change them.",
                expenses=", ".join(locked.mapped("name")),
            ))
