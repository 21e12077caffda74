from odoo import fields, models

from .care_approval_mixin import in_workflow


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    care_expense_id = fields.Many2one(
        "care.expense",
        index="btree_not_null",
        readonly=True,
        help="The customer care expense this line posts; such lines count in the budget through their "
        "expense, not a second time as journal items.",
    )
    care_partner_id = fields.Many2one(
        "res.partner",
        string="Care Customer",
        index="btree_not_null",
        help="The customer the money was spent on, for customer care budgets (the line's partner is the "
        "payee).",
    )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default)
        if not in_workflow(self):
            # a duplicated bill belongs to no expense; only the expense's own reversal keeps the link
            for vals in vals_list:
                vals.pop("care_expense_id", None)
        return vals_list
