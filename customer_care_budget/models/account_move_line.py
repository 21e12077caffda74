from odoo import fields, models


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
