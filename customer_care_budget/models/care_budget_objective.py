from odoo import api, fields, models

# What a Manager types in a KPI target of a draft plan; the targets of a submitted plan are locked.
DRAFT_FIELDS = {"sequence", "kpi", "baseline", "target", "unit"}
KPI_UNITS = {
    "retention_rate": "%",
    "csat": "/5",
    "nps": "NPS",
    "clv_growth": "%",
    "revenue_growth": "%",
    "active_customers": "#",
}


class CareBudgetObjective(models.Model):
    """A KPI target of a budget plan (满意度, 留存率, NPS, CLV growth...)."""

    _name = "care.budget.objective"
    _description = "Customer Care Budget Objective"
    _inherit = ["care.budget.draft.part"]
    _order = "budget_id, sequence, id"

    budget_id = fields.Many2one("care.budget", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="budget_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    kpi = fields.Selection(
        [
            ("retention_rate", "Retention Rate"),
            ("csat", "Customer Satisfaction (CSAT)"),
            ("nps", "Net Promoter Score (NPS)"),
            ("clv_growth", "CLV Growth"),
            ("revenue_growth", "Revenue Growth"),
            ("active_customers", "Active Customers"),
        ],
        string="KPI",
        required=True,
    )
    baseline = fields.Float(help="Where the KPI stands at the start of the plan.")
    target = fields.Float(required=True, help="Where the plan wants the KPI at its end.")
    unit = fields.Char(compute="_compute_unit", store=True, readonly=False)

    @api.depends("kpi")
    def _compute_unit(self):
        for objective in self:
            objective.unit = KPI_UNITS.get(objective.kpi, "")

    def _draft_fields(self):
        return DRAFT_FIELDS

    def _locked_message(self):
        return self.env._("The objectives of a submitted budget are locked.")
