from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    # ------------------------------------------------------------
    # FIELDS: segmentation settings (one set per company)
    # ------------------------------------------------------------

    care_window_days = fields.Integer(
        string="Segmentation Window (days)",
        default=365,
        help="Posted customer invoices and refunds dated within this many days before today give a "
        "customer's frequency and monetary value, and the two halves of the window feed the "
        "at-risk rule.",
    )
    care_new_days = fields.Integer(
        string="New Customer Period (days)",
        default=90,
        help="A customer whose first posted invoice is at most this many days old is in the 'New' stage.",
    )
    care_at_risk_drop_pct = fields.Float(
        string="At-Risk Revenue Drop (%)",
        default=50.0,
        help="A customer is at risk when the revenue of the last half of the window fell by at least "
        "this percentage against the half before.",
    )
    care_gap_factor = fields.Float(
        string="At-Risk Gap Factor",
        default=2.0,
        help="A customer is also at risk when the days since the last purchase exceed the customer's "
        "average gap between purchases times this factor (customers with two invoices or more).",
    )
    care_dormant_days = fields.Integer(
        string="Dormant After (days)",
        default=180,
        help="A customer with no purchase for more than this many days is 'Dormant'.",
    )
    care_lost_days = fields.Integer(
        string="Lost After (days)",
        default=365,
        help="A customer with no purchase for more than this many days is 'Lost'.",
    )
    care_gross_margin_pct = fields.Float(
        string="Gross Margin (%)",
        default=30.0,
        help="Gross margin on revenue, used to turn revenue into customer lifetime value.",
    )
    care_relationship_years = fields.Float(
        string="Expected Relationship (years)",
        default=3.0,
        help="How many years a customer is expected to stay, used for customer lifetime value.",
    )
    care_value_horizon_days = fields.Integer(
        string="Value Horizon (days)", default=365,
        help="The fitted customer value model's discounted CLV counts the purchases expected over this horizon.",
    )
    care_value_discount_pct = fields.Float(
        string="Yearly Discount Rate (%)", default=10.0,
        help="Rate the discounted CLV discounts future margin at, per year (applied month by month).",
    )
    care_expected_days = fields.Integer(
        string="Expected Purchases over (days)", default=90,
        help="The period each customer's expected purchases are shown for.",
    )
    care_alive_threshold_pct = fields.Float(
        string="Churn below Probability Alive (%)", default=30.0,
        help="A customer whose probability of still being a customer (the fitted model's) falls below this gets "
        "the churn signal.",
    )
    care_tier_basis = fields.Selection(
        [("rfm", "RFM Score"), ("clv", "Discounted CLV")],
        string="Rank Tiers By", default="rfm", required=True,
        help="What puts a customer in a tier: its RFM score against the tiers' minimum scores, or its discounted CLV "
        "(the fitted model's, else the simple one) against the tiers' minimum CLVs.",
    )
    care_allowance_clv_pct = fields.Float(
        string="Suggested Allowance (% of CLV)", default=5.0,
        help="A customer's suggested annual care allowance is this share of its discounted CLV; a Customer Care "
        "Manager applies it. 0: no suggestion.",
    )
    care_value_fit = fields.Char(
        string="Value Model Fit", readonly=True, copy=False,
        help="Technical: the last fitted parameters and the fingerprint of the invoices they came from (JSON).",
    )
    care_value_model_status = fields.Char(
        string="Value Model", readonly=True,
        help="What the last recompute fitted (its customers and parameters), or why it kept the simple CLV formula.",
    )

    care_expense_journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', '=', 'purchase'), ('company_id', '=', id)]",
        help="Purchase journal the vendor bills of approved care expenses are posted in.",
    )
    care_warning_threshold = fields.Float(
        string="Budget Warning Threshold (%)",
        default=80.0,
        help="Default consumption percentage at which a budget line warns the plan's responsible.",
    )

    # ------------------------------------------------------------
    # FIELDS: evaluation thresholds and next-plan factors (defaults of each evaluation / wizard)
    # ------------------------------------------------------------

    care_roi_increase_pct = fields.Float(
        string="Increase at ROI (%)",
        default=100.0,
        help="A budget line whose ROI reaches this percentage, and whose served customers were retained at "
        "least as well as the others, is recommended for an increase.",
    )
    care_roi_keep_pct = fields.Float(
        string="Keep at ROI (%)",
        default=0.0,
        help="A budget line whose ROI reaches this percentage (but not the increase one) is recommended to keep.",
    )
    care_roi_stop_pct = fields.Float(
        string="Stop below ROI (%)",
        default=-50.0,
        help="A budget line whose ROI falls below this percentage is recommended to stop, unless its "
        "retention lift keeps it; between this and the keep threshold it is recommended to reduce.",
    )
    care_retention_lift_keep = fields.Float(
        string="Keep at Retention Lift (points)",
        default=10.0,
        help="A budget line below the keep ROI is still kept when its served customers were retained at "
        "least this many percentage points better than comparable customers not served.",
    )
    care_evaluation_min_customers = fields.Integer(
        string="Evidence from (customers)",
        default=30,
        help="Fewest served customers matched to a control, and control customers, an evaluation needs before "
        "its incremental figures count as evidence; below it a line is kept and measured.",
    )
    care_official_category_ids = fields.Many2many(
        "res.partner.category", "care_company_official_category_rel", "company_id", "category_id",
        string="Public Official Tags",
        help="Contacts with one of these tags are treated as public officials or sensitive recipients, as if "
        "flagged one by one (e.g. a \"State-owned enterprise\" tag).",
    )
    care_factor_increase_pct = fields.Float(
        string="Increase Factor (%)",
        default=20.0,
        help="When a next plan is made from an evaluation: change applied to what a line recommended for an "
        "increase spent (actual + committed).",
    )
    care_factor_keep_pct = fields.Float(
        string="Keep Factor (%)",
        default=0.0,
        help="Change applied to what a line recommended to keep spent.",
    )
    care_factor_reduce_pct = fields.Float(
        string="Reduce Factor (%)",
        default=-30.0,
        help="Change applied to what a line recommended to reduce spent. Lines recommended to stop are "
        "left out of the next plan.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _care_evaluation_min_customers = models.Constraint(
        "CHECK(care_evaluation_min_customers >= 2)",
        "An evaluation needs at least 2 customers on each side before its figures count as evidence "
        "(a spread takes two).",
    )

    @api.constrains(
        "care_window_days", "care_new_days", "care_at_risk_drop_pct", "care_gap_factor",
        "care_dormant_days", "care_lost_days", "care_gross_margin_pct", "care_relationship_years",
        "care_warning_threshold", "care_value_horizon_days", "care_value_discount_pct", "care_expected_days",
        "care_alive_threshold_pct", "care_allowance_clv_pct",
    )
    def _check_care_segmentation_settings(self):
        for company in self:
            if company.care_window_days < 2:
                raise ValidationError(self.env._(
                    "The segmentation window of %(company)s must be at least 2 days (it is split in two halves).",
                    company=company.name,
                ))
            if min(company.care_new_days, company.care_dormant_days, company.care_lost_days) <= 0:
                raise ValidationError(self.env._(
                    "The new, dormant and lost periods of %(company)s must be positive numbers of days.",
                    company=company.name,
                ))
            if company.care_dormant_days >= company.care_lost_days:
                raise ValidationError(self.env._(
                    "A customer must turn dormant before being lost: the dormant period (%(dormant)s days) "
                    "must be shorter than the lost period (%(lost)s days).",
                    dormant=company.care_dormant_days,
                    lost=company.care_lost_days,
                ))
            if min(company.care_value_horizon_days, company.care_expected_days) <= 0:
                raise ValidationError(self.env._(
                    "The value horizon and the expected purchases period of %(company)s must be positive numbers of "
                    "days.", company=company.name,
                ))
            for pct in (company.care_at_risk_drop_pct, company.care_gross_margin_pct, company.care_warning_threshold,
                        company.care_value_discount_pct, company.care_alive_threshold_pct,
                        company.care_allowance_clv_pct):
                if not 0 <= pct <= 100:
                    raise ValidationError(self.env._(
                        "Percentages must lie between 0 and 100 (got %(value)s).", value=pct,
                    ))
            if company.care_gap_factor <= 0 or company.care_relationship_years <= 0:
                raise ValidationError(self.env._(
                    "The at-risk gap factor and the expected relationship years must be positive.",
                ))

    @api.constrains("care_tier_basis")
    def _check_care_tier_basis(self):
        # the ladder of a company turning to CLV must tell its tiers apart by minimum CLV
        for company in self.filtered(lambda company: company.care_tier_basis == "clv"):
            self.env["care.tier"].with_company(company)._get_ladder(company)._check_unique_rule()
