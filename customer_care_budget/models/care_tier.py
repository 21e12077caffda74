from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

MAX_CARE_SCORE = 15  # R + F + M, each scored 1-5


class CareTier(models.Model):
    """A customer value tier (客户价值等级).

    Rule: a customer gets the highest tier whose minimum its value reaches: its RFM score against the
    tiers' minimum scores, or, in a company ranking tiers by CLV (Settings), its discounted CLV against
    their minimum CLVs. Tiers without a company are shared by all companies.
    """

    _name = "care.tier"
    _description = "Customer Care Tier"
    _inherit = ["care.guard.mixin"]
    _order = "sequence, min_score desc, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short unique code, e.g. STRAT.")
    sequence = fields.Integer(default=10)
    color = fields.Integer(string="Colour")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the tier with every company.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    min_score = fields.Integer(
        string="Minimum RFM Score",
        required=True,
        help="A customer reaches this tier when its RFM score (recency + frequency + monetary scores, "
        "each 1-5, so 3-15) is at least this value; the highest tier reached wins. Customers never "
        "invoiced score 0. Used where the company ranks tiers by RFM score (Settings).",
    )
    min_clv = fields.Monetary(
        string="Minimum Discounted CLV",
        help="Where the company ranks tiers by CLV (Settings): a customer reaches this tier when its discounted CLV "
        "is at least this amount, in company currency; the highest tier reached wins. Customers never invoiced "
        "are worth 0.",
    )
    annual_allowance = fields.Monetary(
        string="Annual Allowance per Customer",
        help="Default yearly care budget for one customer of this tier, in company currency.",
    )
    allocation_weight = fields.Float(
        default=1.0,
        help="Relative weight of one customer of this tier when a budget is allocated across tiers.",
    )
    description = fields.Text(translate=True)
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")
    trailing_margin = fields.Monetary(
        string="Trailing Gross Margin", compute="_compute_margin_ratio",
        help="The trailing gross margin of the tier's customers today (see the customer's), in company currency.",
    )
    trailing_spend = fields.Monetary(
        string="Trailing Care Spending", compute="_compute_margin_ratio",
        help="Approved and posted care expenses on the tier's customers over the same window.",
    )
    margin_ratio = fields.Float(
        string="Care Spending / Margin (%)", compute="_compute_margin_ratio",
        help="Trailing care spending as a percentage of the trailing gross margin of the tier's customers.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _min_score_range = models.Constraint(
        f"CHECK(min_score >= 0 AND min_score <= {MAX_CARE_SCORE})",
        "The minimum RFM score of a tier must lie between 0 and 15.",
    )
    _min_clv_positive = models.Constraint(
        "CHECK(min_clv >= 0)",
        "The minimum CLV of a tier cannot be negative.",
    )
    _annual_allowance_positive = models.Constraint(
        "CHECK(annual_allowance >= 0)",
        "The annual allowance of a tier cannot be negative.",
    )
    _allocation_weight_positive = models.Constraint(
        "CHECK(allocation_weight >= 0)",
        "The allocation weight of a tier cannot be negative.",
    )

    @api.constrains("code", "min_score", "min_clv", "company_id", "active")
    def _check_unique_rule(self):
        """Two tiers seen by the same company may share neither a code nor a minimum score, nor a minimum
        CLV where that company ranks tiers by CLV: the tier a score or a CLV leads to would be ambiguous."""
        tiers = self.with_context(active_test=True).sudo()  # sudo: check tiers of all companies
        for tier in self.filtered("active"):
            same_scope = Domain("id", "!=", tier.id)
            if tier.company_id:
                same_scope &= Domain("company_id", "in", [tier.company_id.id, False])
            same_clv = tiers.search(same_scope & Domain("min_clv", "=", tier.min_clv))
            clv_clash = next(((other, company) for other in same_clv for company in tier._companies_seeing(other)
                              if company.care_tier_basis == "clv"), None)
            if clv_clash:
                other, company = clv_clash
                raise ValidationError(self.env._(
                    "Tiers %(tier)s and %(other)s have the same minimum CLV (%(clv)s) while %(company)s ranks tiers "
                    "by CLV: give each tier its own minimum CLV.",
                    tier=tier.name, other=other.name, clv=tier.min_clv, company=company.name,
                ))
            clash = tiers.search(
                same_scope & (Domain("code", "=", tier.code) | Domain("min_score", "=", tier.min_score)),
                limit=1,
            )
            if clash:
                raise ValidationError(self.env._(
                    "Tier %(tier)s overlaps tier %(other)s: tiers of the same company need distinct "
                    "codes and distinct minimum scores (both have code or score %(code)s / %(score)s).",
                    tier=tier.name,
                    other=clash.name,
                    code=clash.code,
                    score=clash.min_score,
                ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for tier in self:
            tier.currency_id = (tier.company_id or self.env.company).currency_id

    @api.depends_context("company")
    def _compute_partner_count(self):
        totals = self._customer_totals(self.env.company)
        for tier in self:
            tier.partner_count = totals.get(tier, (0, 0.0))[0]

    @api.depends_context("company")
    def _compute_margin_ratio(self):
        company = self.env.company
        # sudo: a tier's margin and spending are figures about the tier, shown to whoever may read tiers (compliance
        # officers too), not its customers' segment fields
        customers = self.env["res.partner"].sudo().with_company(company).search(
            [("care_tier_id", "in", self._origin.ids)],
        )
        figures = customers._care_trailing_figures(company, fields.Date.context_today(self))
        totals = {}
        for customer in customers:
            margin, spend = figures[customer.id]
            tier_margin, tier_spend = totals.get(customer.care_tier_id, (0.0, 0.0))
            totals[customer.care_tier_id] = (tier_margin + margin, tier_spend + spend)
        for tier in self:
            margin, spend = totals.get(tier._origin, (0.0, 0.0))
            tier.trailing_margin, tier.trailing_spend = margin, spend
            tier.margin_ratio = spend / margin * 100 if margin > 0 else 0.0

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_use(self):
        """A tier still given to customers, in any company, is archived rather than deleted."""
        self.env["res.partner"].flush_model(["care_tier_id", "care_pinned_tier_id"])
        in_use = self.env.execute_query(SQL(
            """
            SELECT 1
              FROM res_partner p,
                   jsonb_each_text(COALESCE(p.care_tier_id, '{}') || COALESCE(p.care_pinned_tier_id, '{}')) t
             WHERE t.value::int = ANY(%(tier_ids)s)
             LIMIT 1
            """,
            tier_ids=self.ids,
        ))
        if in_use:
            raise UserError(self.env._(
                "Customers still belong to %(tiers)s: archive the tier instead of deleting it.",
                tiers=", ".join(self.mapped("name")),
            ))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.res_partner_action_care_customers")
        action["domain"] = [("care_tier_id", "=", self.id)]
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_ladder(self, company):
        """The active tiers ``company`` sees, highest minimum first: minimum CLV where the company ranks tiers by
        CLV, else minimum score (see the class docstring)."""
        return self.search([("company_id", "in", [company.id, False])],
                           order=f"{self._ladder_minimum(company)} desc, id")

    @api.model
    def _ladder_minimum(self, company):
        """The field of a tier that ``company``'s customers are held against: minimum CLV or minimum score."""
        return "min_clv" if company.care_tier_basis == "clv" else "min_score"

    def _companies_seeing(self, other):
        """The companies that see both tiers ``self`` and ``other`` (shared tiers: every company)."""
        companies = self.company_id | other.company_id
        if len(companies) > 1:
            return companies.browse()
        # every company sees shared tiers, and companies are few
        return companies or self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all

    def _customer_totals(self, company):
        """{tier: (customers in it, their total discounted CLV)} of ``self`` in ``company`` (tiers are
        company-dependent), in one query. Keyed by the records of ``self``, which a form's onchange holds as
        new records of the real ones. sudo: figures about the tiers (see :meth:`_compute_margin_ratio`)."""
        totals = {
            tier: (count, clv or 0.0)
            for tier, count, clv in self.env["res.partner"].sudo().with_company(company)._read_group(
                [("care_tier_id", "in", self._origin.ids)], ["care_tier_id"], ["__count", "care_model_clv:sum"],
            )
        }
        return {tier: totals[tier._origin] for tier in self if tier._origin in totals}
