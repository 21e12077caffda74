from odoo import api, fields, models
from odoo.tools import float_compare


class CareEvaluationObjective(models.Model):
    """How far a KPI target of the plan got in an evaluation. Every KPI is better higher: met when the
    achieved value reaches the target."""

    _name = "care.evaluation.objective"
    _description = "Customer Care Evaluation KPI"
    _inherit = ["care.evaluation.part"]
    _order = "evaluation_id, sequence, id"

    objective_id = fields.Many2one("care.budget.objective", string="KPI Target", required=True, ondelete="cascade")
    sequence = fields.Integer(related="objective_id.sequence")
    kpi = fields.Selection(related="objective_id.kpi")
    unit = fields.Char(related="objective_id.unit")
    baseline = fields.Float(related="objective_id.baseline")
    target = fields.Float(related="objective_id.target")
    achieved = fields.Float(
        readonly=True,
        help="Retention rate, CSAT, NPS, revenue growth and active customers: of all the company's customers in "
        "the period; CLV growth: of the customers served (their revenue uplift in %).",
    )
    is_met = fields.Boolean(string="Met", compute="_compute_is_met", store=True)

    @api.depends("achieved", "objective_id.target")
    def _compute_is_met(self):
        for result in self:
            result.is_met = float_compare(result.achieved, result.target, precision_digits=2) >= 0
