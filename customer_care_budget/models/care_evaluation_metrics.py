from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import float_compare

from ..tools import safe_ratio

RECOMMENDATIONS = [
    ("increase", "Increase"),
    ("keep", "Keep"),
    ("reduce", "Reduce"),
    ("stop", "Stop"),
]
DAYS_PER_YEAR = 365.25  # as in the customer lifetime value of res.partner


class EvaluationSettings(NamedTuple):
    """What the formulas read of an evaluation, read once for all its result rows (not per row through
    the ORM)."""

    gross_margin_pct: float
    period_days: int
    relationship_years: float
    roi_increase_pct: float
    roi_keep_pct: float
    roi_stop_pct: float
    retention_lift_keep: float

    @classmethod
    def of(cls, evaluation):
        return cls(*(evaluation[fname] for fname in cls._fields))


class CareEvaluationMetrics(models.AbstractModel):
    """The figures of an evaluation (效果评估) for one group of spending: a whole plan, or one of its
    budget lines, customer tiers or activity types.

    Every formula is in :meth:`_derive_metrics` and every recommendation rule in :meth:`_recommend`;
    the raw figures they start from are gathered by ``care.evaluation._gather``. With P the evaluated
    period and B the period of the same length just before it:

    - spend = actual + committed spending of the group dated in P (the Budget Analysis figures);
    - served customers: distinct customers with approved or posted care expenses of the group in P;
    - revenue / revenue before: posted customer invoices minus refunds of the served customers, untaxed,
      in company currency, dated in P / in B; uplift = revenue − revenue before;
    - retention: of the customers who bought (a posted invoice) in B, the share who bought in P, for the
      served customers and for a control group: the customers of the same tier (all customers for
      activities, plans and lines for every tier) the plan did not serve; lift = served − control (0 unless
      both groups have customers who bought before);
    - CSAT: average 1-5 score; NPS: % promoters (9-10) − % detractors (0-6); both from the served
      customers' feedback in P, and their change against B;
    - CLV change = uplift × 365.25 / days of P × gross margin % × expected relationship years;
    - ROI = (uplift × gross margin % − spend) / spend; cost per retained customer = spend / served
      customers retained.
    """

    _name = "care.evaluation.metrics"
    _description = "Customer Care Evaluation Figures"

    currency_id = fields.Many2one("res.currency", readonly=True)
    spend_actual = fields.Monetary(
        string="Actual", readonly=True,
        help="Posted expenses and journal items of the group dated in the period (as in Budget Analysis).",
    )
    spend_committed = fields.Monetary(
        string="Committed", readonly=True, help="Approved expenses not yet posted, dated in the period.",
    )
    spend = fields.Monetary(
        readonly=True,
        help="Committed + actual: the approved money, posted or not, as the dashboard and the Budget Analysis "
        "count it.",
    )
    customers_served = fields.Integer(
        readonly=True,
        help="Distinct customers with approved or posted care expenses of the group in the period.",
    )
    spend_per_customer = fields.Monetary(
        string="Spend per Customer", readonly=True, help="Spend / customers served.",
    )
    revenue = fields.Monetary(
        readonly=True,
        help="Posted invoices minus refunds of the customers served, untaxed, in company currency, dated in "
        "the period.",
    )
    revenue_before = fields.Monetary(
        readonly=True,
        help="The same, dated in the period of the same length just before.",
    )
    revenue_uplift = fields.Monetary(string="Uplift", readonly=True, help="Revenue − revenue before.")
    revenue_uplift_pct = fields.Float(
        string="Uplift (%)", readonly=True, help="Uplift / revenue before (0 when there was none).",
    )
    served_bought_before = fields.Integer(
        string="Served, Bought Before", readonly=True,
        help="Customers served who bought in the period before.",
    )
    served_retained = fields.Integer(
        string="Served, Retained", readonly=True,
        help="Customers served who bought in the period before and bought again in the period.",
    )
    control_bought_before = fields.Integer(
        string="Not Served, Bought Before", readonly=True,
        help="Customers of the same tier (of every tier for plans, activities and lines for every tier) the "
        "plan did not serve, who bought in the period before.",
    )
    control_retained = fields.Integer(
        string="Not Served, Retained", readonly=True,
        help="Of those, the customers who bought again in the period.",
    )
    retention_served = fields.Float(
        string="Retention Served (%)", readonly=True, help="Served, retained / served, bought before.",
    )
    retention_control = fields.Float(
        string="Retention Not Served (%)", readonly=True, help="Not served, retained / not served, bought before.",
    )
    retention_lift = fields.Float(
        string="Retention Lift (points)", readonly=True,
        help="Retention served − retention not served: what serving the customers changed (0 unless both "
        "groups had customers who bought before).",
    )
    csat = fields.Float(string="CSAT", readonly=True, help="Average satisfaction (1-5) of the served customers' "
                        "feedback in the period.")
    csat_count = fields.Integer(string="CSAT Answers", readonly=True)
    csat_before = fields.Float(string="CSAT Before", readonly=True)
    csat_before_count = fields.Integer(string="CSAT Answers Before", readonly=True)
    csat_change = fields.Float(
        string="CSAT Change", readonly=True, help="CSAT − CSAT before (0 unless both periods have answers).",
    )
    nps = fields.Float(
        string="NPS", readonly=True,
        help="% promoters (9-10) − % detractors (0-6) among the served customers' answers in the period.",
    )
    nps_count = fields.Integer(string="NPS Answers", readonly=True)
    nps_before = fields.Float(string="NPS Before", readonly=True)
    nps_before_count = fields.Integer(string="NPS Answers Before", readonly=True)
    nps_change = fields.Float(
        string="NPS Change", readonly=True, help="NPS − NPS before (0 unless both periods have answers).",
    )
    clv_change = fields.Monetary(
        string="CLV Change", readonly=True,
        help="Change of the served customers' lifetime value: uplift × 365.25 / days of the period × gross "
        "margin % × expected relationship years.",
    )
    roi = fields.Float(
        string="ROI (%)", readonly=True,
        help="(Uplift × gross margin % − spend) / spend (投资回报率); 0 when nothing was spent (or credit notes "
        "outweigh the spending).",
    )
    cost_per_retained = fields.Monetary(
        string="Cost per Retained Customer", readonly=True, help="Spend / served customers retained.",
    )
    recommendation = fields.Selection(RECOMMENDATIONS, readonly=True)
    recommendation_reason = fields.Char(string="Why", readonly=True)

    @api.model
    def _metric_fields(self):
        """Names of the figures above, which only Compute writes."""
        return set(self.env["care.evaluation.metrics"]._fields) - {"id", "display_name", "currency_id"}

    # ------------------------------------------------------------
    # BUSINESS METHODS: the formulas
    # ------------------------------------------------------------

    @api.model
    def _derive_metrics(self, raw, evaluation):
        """All the figures of a group from its ``raw`` figures (see ``care.evaluation._gather``), with
        the margin, relationship years, period and thresholds of ``evaluation`` (a record, or its
        :class:`EvaluationSettings`)."""
        margin = evaluation.gross_margin_pct / 100
        spend = raw["spend_actual"] + raw["spend_committed"]
        spent = max(spend, 0.0)  # credit notes may outweigh the spending: no ratio of a negative spend
        uplift = raw["revenue"] - raw["revenue_before"]
        csat, csat_before = safe_ratio(raw["csat_sum"], raw["csat_count"]), safe_ratio(raw["csat_sum_before"],
                                                                            raw["csat_count_before"])
        nps = 100 * safe_ratio(raw["promoters"] - raw["detractors"], raw["nps_count"])
        nps_before = 100 * safe_ratio(raw["promoters_before"] - raw["detractors_before"], raw["nps_count_before"])
        both_csat = raw["csat_count"] and raw["csat_count_before"]
        both_nps = raw["nps_count"] and raw["nps_count_before"]
        values = {
            "spend_actual": raw["spend_actual"],
            "spend_committed": raw["spend_committed"],
            "spend": spend,
            "customers_served": raw["customers_served"],
            "spend_per_customer": safe_ratio(spent, raw["customers_served"]),
            "revenue": raw["revenue"],
            "revenue_before": raw["revenue_before"],
            "revenue_uplift": uplift,
            "revenue_uplift_pct": 100 * safe_ratio(uplift, raw["revenue_before"]),
            "served_bought_before": raw["served_bought_before"],
            "served_retained": raw["served_retained"],
            "control_bought_before": raw["control_bought_before"],
            "control_retained": raw["control_retained"],
            "retention_served": 100 * safe_ratio(raw["served_retained"], raw["served_bought_before"]),
            "retention_control": 100 * safe_ratio(raw["control_retained"], raw["control_bought_before"]),
            "csat": csat,
            "csat_count": raw["csat_count"],
            "csat_before": csat_before,
            "csat_before_count": raw["csat_count_before"],
            "csat_change": csat - csat_before if both_csat else 0.0,
            "nps": nps,
            "nps_count": raw["nps_count"],
            "nps_before": nps_before,
            "nps_before_count": raw["nps_count_before"],
            "nps_change": nps - nps_before if both_nps else 0.0,
            "clv_change": uplift * DAYS_PER_YEAR / evaluation.period_days * margin * evaluation.relationship_years,
            "roi": 100 * safe_ratio(uplift * margin - spent, spent),
            "cost_per_retained": safe_ratio(spent, raw["served_retained"]),
        }
        compared = raw["served_bought_before"] and raw["control_bought_before"]
        values["retention_lift"] = values["retention_served"] - values["retention_control"] if compared else 0.0
        values["recommendation"], values["recommendation_reason"] = self._recommend(values, evaluation)
        return values

    @api.model
    def _recommend(self, values, evaluation):
        """(recommendation, reason in words) of a group's figures, by the thresholds of ``evaluation``.

        In this order: nothing spent → stop; ROI ≥ increase threshold and retention lift ≥ 0 →
        increase; ROI ≥ keep threshold → keep; retention lift ≥ keep lift → keep; ROI ≥ stop
        threshold → reduce; else stop. ROI and lift are compared at 0.01.
        """
        roi, lift = values["roi"], values["retention_lift"]
        figures = {
            "roi": round(roi, 2), "lift": round(lift, 2), "increase": evaluation.roi_increase_pct,
            "keep": evaluation.roi_keep_pct, "stop": evaluation.roi_stop_pct,
            "keep_lift": evaluation.retention_lift_keep,
        }
        if not float_compare(values["spend"], 0, precision_digits=2) > 0:
            return "stop", self.env._(
                "Nothing was spent in the period (or credit notes cancelled it): no sign the money is needed.")
        if _reaches(roi, evaluation.roi_increase_pct) and _reaches(lift, 0):
            return "increase", self.env._(
                "ROI %(roi)s%% reaches %(increase)s%% and served customers were retained no worse than the "
                "others (lift %(lift)s points).", **figures)
        if _reaches(roi, evaluation.roi_keep_pct):
            if _reaches(roi, evaluation.roi_increase_pct):
                return "keep", self.env._(
                    "ROI %(roi)s%% reaches %(increase)s%%, but served customers were retained worse than "
                    "the others (lift %(lift)s points).", **figures)
            return "keep", self.env._("ROI %(roi)s%% lies between %(keep)s%% and %(increase)s%%.", **figures)
        if _reaches(lift, evaluation.retention_lift_keep):
            return "keep", self.env._(
                "ROI %(roi)s%% is below %(keep)s%%, but served customers were retained %(lift)s points "
                "better than the others (at least %(keep_lift)s).", **figures)
        if _reaches(roi, evaluation.roi_stop_pct):
            return "reduce", self.env._("ROI %(roi)s%% lies between %(stop)s%% and %(keep)s%%.", **figures)
        return "stop", self.env._("ROI %(roi)s%% is below %(stop)s%% and retention did not make up for it.", **figures)


def _reaches(value, threshold):
    """``float_compare(value, threshold, precision_digits=2) >= 0``, rounding only when below (per result row)."""
    return value >= threshold or float_compare(value, threshold, precision_digits=2) == 0
