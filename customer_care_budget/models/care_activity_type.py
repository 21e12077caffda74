from odoo import api, fields, models


class CareActivityType(models.Model):
    """A kind of care activity (维护活动类型): gifts, meals, visits, events..."""

    _name = "care.activity.type"
    _description = "Customer Care Activity Type"
    _inherit = ["care.guard.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to share with every company.")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    cost_behaviour = fields.Selection(
        [("fixed", "Fixed"), ("variable", "Variable")],
        required=True,
        default="variable",
        help="Fixed costs do not depend on the number of customers served (a yearly event); variable "
        "costs grow with them (gifts, meals).",
    )
    expense_account_id = fields.Many2one(
        "account.account",
        company_dependent=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account its spending is posted to, per company.",
    )
    max_amount_per_event = fields.Monetary(
        string="Maximum per Event",
        help="Largest amount one expense of this activity may have (0: no maximum), in company currency.",
    )
    receipt_required_above = fields.Monetary(
        help="Expenses above this amount need a receipt attached (0: always), in company currency.",
    )
    tier_ids = fields.Many2many(
        "care.tier",
        string="Allowed Tiers",
        help="Customer tiers this activity may be spent on; empty means every tier.",
    )
    description = fields.Text(translate=True)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _code_company_unique = models.UniqueIndex(
        "(code, COALESCE(company_id, 0))",
        "An activity type code must be unique per company.",
    )
    _amounts_positive = models.Constraint(
        "CHECK(COALESCE(max_amount_per_event, 0) >= 0 AND COALESCE(receipt_required_above, 0) >= 0)",
        "The maximum per event and the receipt threshold cannot be negative.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for activity in self:
            activity.currency_id = (activity.company_id or self.env.company).currency_id
