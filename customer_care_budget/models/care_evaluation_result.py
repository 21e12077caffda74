from odoo import api, fields, models

KEY_FIELDS = {"line": "budget_line_id", "tier": "tier_id", "activity": "activity_type_id", "customer": "partner_id"}


class CareEvaluationResult(models.Model):
    """The figures of one budget line, customer tier or activity type in an evaluation (see
    ``care.evaluation.metrics`` for the formulas). Written by Compute only, frozen by Confirm."""

    _name = "care.evaluation.result"
    _description = "Customer Care Evaluation Result"
    _inherit = ["care.evaluation.part", "care.evaluation.metrics"]
    _order = "evaluation_id, kind, roi desc, id"

    kind = fields.Selection(
        [
            ("line", "Budget Line"), ("tier", "Customer Tier"), ("activity", "Activity Type"),
            ("customer", "Customer"),
        ],
        required=True,
        readonly=True,
    )
    budget_line_id = fields.Many2one("care.budget.line", readonly=True, ondelete="cascade")
    tier_id = fields.Many2one(
        "care.tier", readonly=True,
        help="Of tier results: the customers' tier at the start of the evaluated period (segment history), "
        "served or not; empty for customers without a tier.",
    )
    activity_type_id = fields.Many2one("care.activity.type", string="Activity", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index="btree_not_null",
        help="Of customer results: the customer (commercial partner) the money was spent on; it compares with "
        "all customers not served.",
    )
    amount_planned = fields.Monetary(related="budget_line_id.amount_planned", string="Revised")

    @api.depends("kind", "budget_line_id", "tier_id", "activity_type_id")
    def _compute_display_name(self):
        for result in self:
            record = result[KEY_FIELDS[result.kind]] if result.kind else False
            result.display_name = record.display_name if record else self.env._("No tier")

    @api.model
    def _key_field(self, kind):
        return KEY_FIELDS[kind]
