from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    care_expense_id = fields.Many2one(
        related="move_line_id.care_expense_id",
        store=True,
        index="btree_not_null",
        help="The customer care expense whose journal item this line analyses: the budget counts the expense, "
        "not this line. Stored on the line so that the budget leaves such lines out without reading their "
        "journal items.",
    )
