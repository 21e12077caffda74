from typing import NamedTuple

from odoo import api, fields, models

from .. import incrementality
from ..tools import money_formatter, safe_ratio

RECOMMENDATIONS = [
    ("increase", "Increase"),
    ("keep", "Keep"),
    ("reduce", "Reduce"),
    ("stop", "Stop"),
]
EVIDENCE = [
    ("significant", "Significant"),
    ("not_significant", "Not Significant"),
    ("too_few", "Too Few Customers"),
]


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
    min_customers: int

    @classmethod
    def of(cls, evaluation):
        return cls(*(evaluation[fname] for fname in cls._fields))


class CareEvaluationMetrics(models.AbstractModel):
    """The figures of an evaluation (效果评估) for one group of spending: a whole plan, or one of its
    budget lines, customer tiers or activity types.

    The raw figures are derived in :meth:`_derive_metrics` from the sums ``care.evaluation._gather``
    gathers; the incremental ones (what the spending added against a control group, with 90 % intervals)
    and the recommendation rules come from the ``incrementality`` module, :meth:`_recommend` words them.
    With P the evaluated period and B the period of the same length just before it, the raw figures:

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

    They are kept, labelled raw, beside the incremental figures that decide.
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
    revenue_uplift = fields.Monetary(
        string="Raw Uplift", readonly=True,
        help="Revenue − revenue before: raw, it credits the spending with all the growth the customers would "
        "have had anyway (see the incremental revenue).",
    )
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
        string="Raw Retention Lift (points)", readonly=True,
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
        string="Raw CLV Change", readonly=True,
        help="Change of the served customers' lifetime value: uplift × 365.25 / days of the period × gross "
        "margin % × expected relationship years.",
    )
    roi = fields.Float(
        string="Raw ROI (%)", readonly=True,
        help="(Raw uplift × gross margin % − spend) / spend (投资回报率); 0 when nothing was spent (or credit "
        "notes outweigh the spending). Raw: see the incremental ROI, which decides.",
    )
    cost_per_retained = fields.Monetary(
        string="Cost per Retained Customer", readonly=True, help="Spend / served customers retained.",
    )
    # incremental figures: against matched control customers (see the incrementality module)
    served_matched = fields.Integer(
        string="Served, Matched", readonly=True,
        help="Customers served whose stratum at the start of the period (tier, stage, band of revenue before) "
        "has control customers: the sample of the incremental figures.",
    )
    control_matched = fields.Integer(
        string="Control Customers", readonly=True,
        help="Control customers (not served by the plan, or its holdout) in the strata of the customers served.",
    )
    served_unmatched = fields.Integer(
        string="Served Without Control", readonly=True,
        help="Customers served whose stratum has no control customer: left out of the incremental figures.",
    )
    did_per_customer = fields.Monetary(
        string="DiD per Customer", readonly=True,
        help="Difference in differences per served customer matched: their average revenue change − the "
        "average change of the control customers of their strata, weighted to the served customers' mix.",
    )
    did_low = fields.Monetary(string="DiD Low (90%)", readonly=True,
                              help="Lower end of the 90 % interval of the DiD per customer (Welch's t).")
    did_high = fields.Monetary(string="DiD High (90%)", readonly=True,
                               help="Upper end of the 90 % interval of the DiD per customer (Welch's t).")
    incremental_revenue_did = fields.Monetary(
        string="Incremental Revenue (DiD)", readonly=True, help="DiD per customer × customers served matched.",
    )
    incremental_per_customer = fields.Monetary(
        string="Incremental Revenue per Customer", readonly=True,
        help="CUPED-adjusted difference per served customer matched: as the DiD, with each customer's outcome "
        "revenue − θ × revenue before (θ = cov / var of revenue before, pooled), which narrows the interval. "
        "This is the figure decisions use.",
    )
    incremental_low = fields.Monetary(
        string="Low (90%)", readonly=True,
        help="Lower end of the 90 % interval of the incremental revenue per customer (Welch's t).",
    )
    incremental_high = fields.Monetary(
        string="High (90%)", readonly=True,
        help="Upper end of the 90 % interval of the incremental revenue per customer (Welch's t).",
    )
    incremental_revenue = fields.Monetary(
        readonly=True,
        help="Revenue the spending added: incremental revenue per customer (CUPED) × customers served matched.",
    )
    evidence = fields.Selection(
        EVIDENCE, string="Revenue Evidence", readonly=True,
        help="Significant: the 90 % interval of the incremental revenue excludes 0; not significant: it "
        "includes 0; too few customers: fewer served customers matched or control customers than the minimum.",
    )
    incremental_roi = fields.Float(
        string="Incremental ROI (%)", readonly=True,
        help="(Incremental revenue × gross margin % − spend) / spend: what the spending earned beyond what the "
        "customers would have done anyway. It decides the recommendation.",
    )
    incremental_roi_low = fields.Float(
        string="ROI Low (90%)", readonly=True, help="The incremental ROI at the low end of the revenue interval.",
    )
    incremental_roi_high = fields.Float(
        string="ROI High (90%)", readonly=True, help="The incremental ROI at the high end of the revenue interval.",
    )
    incremental_clv_change = fields.Monetary(
        string="Incremental CLV Change", readonly=True,
        help="Incremental revenue × 365.25 / days of the period × gross margin % × expected relationship years.",
    )
    retention_matched = fields.Integer(
        string="Served Who Bought Before, Matched", readonly=True,
        help="Served customers who bought in the period before and have control customers in their stratum.",
    )
    retention_control_matched = fields.Integer(
        string="Control Who Bought Before", readonly=True,
        help="Control customers of those strata who bought in the period before.",
    )
    incremental_retention = fields.Float(
        string="Incremental Retention (points)", readonly=True,
        help="Served customers' retention − that of the control customers of their strata, weighted to the "
        "served customers' mix, in percentage points.",
    )
    incremental_retention_low = fields.Float(string="Retention Low (90%)", readonly=True,
                                             help="Lower end of the 90 % interval of the incremental retention.")
    incremental_retention_high = fields.Float(string="Retention High (90%)", readonly=True,
                                              help="Upper end of the 90 % interval of the incremental retention.")
    retention_evidence = fields.Selection(
        EVIDENCE, readonly=True, help="As the revenue evidence, for the incremental retention.",
    )
    # the 90 % intervals as one would write them, "low to high"
    did_interval = fields.Char(string="DiD 90% Interval", compute="_compute_intervals",
                               help="DiD per customer, low to high end of its 90 % interval.")
    incremental_interval = fields.Char(string="90% Interval", compute="_compute_intervals",
                                       help="Incremental revenue per customer, low to high end of its 90 % interval.")
    incremental_roi_interval = fields.Char(string="ROI 90% Interval", compute="_compute_intervals",
                                           help="Incremental ROI at the low and the high end of the revenue interval.")
    incremental_retention_interval = fields.Char(string="Retention 90% Interval", compute="_compute_intervals",
                                                 help="Incremental retention, low to high end of its 90 % interval.")
    recommendation = fields.Selection(RECOMMENDATIONS, readonly=True)
    recommendation_reason = fields.Char(string="Why", readonly=True)

    @api.depends("did_low", "did_high", "incremental_low", "incremental_high", "incremental_roi_low",
                 "incremental_roi_high", "incremental_retention_low", "incremental_retention_high", "currency_id")
    @api.depends_context("lang")
    def _compute_intervals(self):
        for record in self:
            money = money_formatter(self.env, record.currency_id) if record.currency_id else str
            record.did_interval = self.env._("%(low)s to %(high)s", low=money(record.did_low),
                                             high=money(record.did_high))
            record.incremental_interval = self.env._("%(low)s to %(high)s", low=money(record.incremental_low),
                                                     high=money(record.incremental_high))
            record.incremental_roi_interval = self.env._(
                "%(low)s%% to %(high)s%%", low=round(record.incremental_roi_low, 1),
                high=round(record.incremental_roi_high, 1))
            record.incremental_retention_interval = self.env._(
                "%(low)s to %(high)s points", low=round(record.incremental_retention_low, 1),
                high=round(record.incremental_retention_high, 1))

    @api.model
    def _metric_fields(self):
        """Names of the figures above, which only Compute writes."""
        return {fname for fname, field in self.env["care.evaluation.metrics"]._fields.items() if field.store} - {
            "id", "currency_id",
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS: the formulas
    # ------------------------------------------------------------

    @api.model
    def _derive_metrics(self, raw, evaluation, reasons=None):
        """All the figures of a group from its ``raw`` figures (see ``care.evaluation._gather``: sums, and its
        ``incrementality``), with the margin, relationship years, period, thresholds and minimum of customers
        of ``evaluation`` (a record, or its :class:`EvaluationSettings`); ``reasons``: see :meth:`_recommend`."""
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
            "clv_change": incrementality.clv_change(uplift, evaluation.period_days, evaluation.gross_margin_pct,
                                                    evaluation.relationship_years),
            "roi": 100 * safe_ratio(uplift * margin - spent, spent),
            "cost_per_retained": safe_ratio(spent, raw["served_retained"]),
        }
        compared = raw["served_bought_before"] and raw["control_bought_before"]
        values["retention_lift"] = values["retention_served"] - values["retention_control"] if compared else 0.0
        values.update(self._incremental_metrics(raw.get("incrementality") or incrementality.NOTHING_MEASURED, spent,
                                                raw["customers_served"], evaluation))
        values["recommendation"], values["recommendation_reason"] = self._recommend(values, evaluation, reasons)
        return values

    @api.model
    def _incremental_metrics(self, figures, spent, customers_served, evaluation):
        """The incremental figures of an :class:`~..incrementality.Incrementality`: CUPED decides, the DiD
        shows what the adjustment changed; an interval missing (too few customers) reads as its point. The
        ROI weighs the revenue added to the customers matched against their share of the spend."""
        did, cuped, retention = figures.did, figures.cuped, figures.retention
        matched_spend = spent * safe_ratio(cuped.served, customers_served)

        def roi(effect):
            return incrementality.incremental_roi(effect * cuped.served, evaluation.gross_margin_pct, matched_spend)

        return {
            "served_matched": cuped.served,
            "control_matched": cuped.control,
            "served_unmatched": cuped.unmatched,
            "did_per_customer": did.effect,
            "did_low": _or(did.low, did.effect),
            "did_high": _or(did.high, did.effect),
            "incremental_revenue_did": did.total,
            "incremental_per_customer": cuped.effect,
            "incremental_low": _or(cuped.low, cuped.effect),
            "incremental_high": _or(cuped.high, cuped.effect),
            "incremental_revenue": cuped.total,
            "evidence": cuped.evidence(evaluation.min_customers),
            "incremental_roi": roi(cuped.effect),
            "incremental_roi_low": roi(_or(cuped.low, cuped.effect)),
            "incremental_roi_high": roi(_or(cuped.high, cuped.effect)),
            "incremental_clv_change": incrementality.clv_change(
                cuped.total, evaluation.period_days, evaluation.gross_margin_pct, evaluation.relationship_years,
            ),
            "retention_matched": retention.served,
            "retention_control_matched": retention.control,
            "incremental_retention": retention.effect,
            "incremental_retention_low": _or(retention.low, retention.effect),
            "incremental_retention_high": _or(retention.high, retention.effect),
            "retention_evidence": retention.evidence(evaluation.min_customers),
        }

    @api.model
    def _recommend(self, values, evaluation, reasons=None):
        """(recommendation, reason in words) of a group's incremental figures: the rules are those of
        ``incrementality.recommend``, the reason (of :meth:`_recommendation_reasons`, or ``reasons`` already
        translated) names the numbers and the interval."""
        thresholds = incrementality.Thresholds(*(
            getattr(evaluation, fname) for fname in incrementality.Thresholds._fields
        ))
        recommendation, rule = incrementality.recommend(
            values["spend"], values["incremental_roi"], values["incremental_roi_low"], values["incremental_roi_high"],
            values["evidence"], values["incremental_retention"], values["incremental_retention_low"],
            values["retention_evidence"], thresholds,
        )
        figures = {
            "roi": round(values["incremental_roi"], 1), "low": round(values["incremental_roi_low"], 1),
            "high": round(values["incremental_roi_high"], 1), "lift": round(values["incremental_retention"], 1),
            "lift_low": round(values["incremental_retention_low"], 1),
            "lift_high": round(values["incremental_retention_high"], 1),
            "served": values["served_matched"], "control": values["control_matched"],
            "increase": thresholds.roi_increase_pct, "keep": thresholds.roi_keep_pct, "stop": thresholds.roi_stop_pct,
            "keep_lift": thresholds.retention_lift_keep, "min": thresholds.min_customers,
        }
        return recommendation, (reasons or self._recommendation_reasons())[rule] % figures

    @api.model
    def _recommendation_reasons(self):
        """The reason of each rule of ``incrementality.recommend``, translated once for thousands of result rows:
        templates of the figures :meth:`_recommend` fills in."""
        return {
            "nothing_spent": self.env._(
                "Nothing was spent in the period (or credit notes cancelled it): no sign the money is needed."),
            "too_few": self.env._(
                "Not enough evidence, keep and measure: %(served)s customers served matched and %(control)s "
                "control customers, fewer than %(min)s."),
            "increase": self.env._(
                "Incremental ROI %(roi)s%% (90%% interval %(low)s%% to %(high)s%%) reaches %(increase)s%%, the "
                "added revenue is significant and retention did not suffer (%(lift)s points)."),
            "not_significant": self.env._(
                "Not enough evidence, keep and measure: incremental ROI %(roi)s%% reaches %(increase)s%%, but its "
                "90%% interval (%(low)s%% to %(high)s%%) includes no added revenue at all."),
            "retained_worse": self.env._(
                "Incremental ROI %(roi)s%% reaches %(increase)s%%, but served customers were retained worse "
                "than comparable ones (%(lift)s points)."),
            "keep": self.env._(
                "Incremental ROI %(roi)s%% (90%% interval %(low)s%% to %(high)s%%) reaches %(keep)s%%, not "
                "%(increase)s%%."),
            "lift": self.env._(
                "Incremental ROI %(roi)s%% is below %(keep)s%%, but served customers were retained %(lift)s "
                "points better than comparable ones (90%% interval %(lift_low)s to %(lift_high)s, at least "
                "%(keep_lift)s)."),
            "stop": self.env._(
                "Incremental ROI %(roi)s%%: even the top of its 90%% interval (%(high)s%%) is below %(stop)s%%."),
            "reduce": self.env._(
                "Incremental ROI %(roi)s%%: the top of its 90%% interval (%(high)s%%) is below %(keep)s%%."),
            "not_enough_evidence": self.env._(
                "Not enough evidence, keep and measure: incremental ROI %(roi)s%% is below %(keep)s%%, but its "
                "90%% interval (%(low)s%% to %(high)s%%) reaches it."),
        }


def _or(value, default):
    return default if value is None else value
