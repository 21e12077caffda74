from odoo import api, fields, models
from odoo.exceptions import AccessError

from .care_guard_mixin import given_values, in_workflow

# What the budget and the expense ledger read of a care bill's items: fixed once the expense posts it.
CARE_BILL_LOCKED_FIELDS = {
    "care_expense_id", "care_partner_id", "account_id", "partner_id", "currency_id", "balance", "debit", "credit",
    "amount_currency", "price_unit", "quantity", "discount", "analytic_distribution", "move_id",
}


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    care_expense_id = fields.Many2one(
        "care.expense",
        index="btree_not_null",
        readonly=True,
        help="The customer care expense this line posts; such lines count in the budget through their "
        "expense, not a second time as journal items. Only the expense's own steps set it.",
    )
    care_partner_id = fields.Many2one(
        "res.partner",
        string="Care Customer",
        index="btree_not_null",
        help="The customer the money was spent on, for customer care budgets (the line's partner is the "
        "payee). Fixed on posted items and on the items of care bills.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self._care_guard_bypassed() and any(
            given_values(self, vals).get("care_expense_id") for vals in vals_list
        ):
            raise AccessError(self.env._("Only a customer care expense links journal items to itself, by posting."))
        return super().create(vals_list)

    def write(self, vals):
        if not self._care_guard_bypassed():
            self._check_care_write(vals)
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default)
        if not in_workflow(self):
            # a duplicated bill belongs to no expense; only the expense's own reversal keeps the link
            for vals in vals_list:
                vals.pop("care_expense_id", None)
        return vals_list

    def _care_guard_bypassed(self):
        return self.env.su or in_workflow(self)

    def _check_care_write(self, vals):
        """The items of a care bill keep their link, customer and amounts: only cancelling the expense
        undoes them. The care customer of any posted item is fixed like its amounts."""
        if "care_expense_id" in vals and any(line.care_expense_id.id != (vals["care_expense_id"] or False)
                                             for line in self):
            raise AccessError(self.env._("Only a customer care expense links journal items to itself, by posting."))
        bill_lines = self.filtered("care_expense_id")
        locked = CARE_BILL_LOCKED_FIELDS & vals.keys()
        if bill_lines and locked and any(
            self.env["account.move"]._field_will_change(line, vals, fname) for line in bill_lines for fname in locked
        ):
            raise AccessError(self.env._(
                "%(items)s post the customer care expense %(expense)s: cancel the expense instead, which reverses "
                "its bill.",
                items=", ".join(bill_lines.move_id.mapped("name")),
                # sudo: an accountant without Customer Care rights must still learn which expense it is
                expense=", ".join(bill_lines.care_expense_id.sudo().mapped("name")),
            ))
        if "care_partner_id" in vals and any(
            line.parent_state == "posted" and line.care_partner_id.id != (vals["care_partner_id"] or False)
            for line in self
        ):
            raise AccessError(self.env._(
                "The care customer of a posted journal item is fixed: reset the entry to draft to change it."
            ))
