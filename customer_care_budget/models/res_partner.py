import hashlib
import json
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL, groupby

from .. import clv_model, segmentation
from ..tools import money_formatter, success_notification
from .care_guard_mixin import given_values, in_workflow, workflow

CARE_STAGES = [
    ("prospect", "Prospect"),
    ("new", "New"),
    ("active", "Active"),
    ("at_risk", "At Risk"),
    ("dormant", "Dormant"),
    ("lost", "Lost"),
]

# Fields only the segmentation (or a Customer Care Manager) may write.
CARE_SEGMENT_FIELDS = {
    "care_tier_id", "care_computed_tier_id", "care_pinned_tier_id", "care_pin_reason", "care_stage",
    "care_first_invoice_date", "care_last_invoice_date", "care_frequency", "care_monetary",
    "care_r_score", "care_f_score", "care_m_score", "care_score", "care_clv", "care_churn_risk",
    "care_churn_reason", "care_annual_allowance", "care_segment_history_ids", "care_segment_key",
    "care_public_official", "care_alive_pct", "care_expected_purchases", "care_expected_value", "care_model_clv",
    "care_value_at_risk",
}
# The segment field a Customer Care Manager may write (account managers record size and need, which are
# no segment fields); every other one comes from the recompute, the pin wizard or Unpin.
CARE_MANAGER_FIELDS = {"care_annual_allowance", "care_public_official"}
CARE_GROUPS = "customer_care_budget.group_care_user,customer_care_budget.group_care_accountant"
# Segment fields the recompute derives (the pin and the allowance are a Manager's decisions, the history its log).
CARE_COMPUTED_FIELDS = sorted(CARE_SEGMENT_FIELDS - {
    "care_pinned_tier_id", "care_pin_reason", "care_annual_allowance", "care_segment_history_ids", "care_segment_key",
    "care_public_official",
})
SOFT_RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
# How the ORM reads an empty company-dependent number or flag
CARE_EMPTY_AS_ZERO = {"integer": 0, "float": 0.0, "boolean": False}
# What a customer never invoiced gets (its tier is the ladder's lowest one a score of 0 reaches).
PROSPECT_VALUES = dict.fromkeys(CARE_COMPUTED_FIELDS) | {
    "care_stage": "prospect", "care_churn_risk": False, "care_frequency": 0, "care_monetary": 0.0, "care_clv": 0.0,
    "care_r_score": 0, "care_f_score": 0, "care_m_score": 0, "care_score": 0,
    "care_alive_pct": 0.0, "care_expected_purchases": 0.0, "care_expected_value": 0.0, "care_model_clv": 0.0,
    "care_value_at_risk": 0.0,
}
# What a customer gets from the value model when the company's could not be fitted: nothing but the simple CLV.
NO_MODEL_VALUES = {"care_alive_pct": 0.0, "care_expected_purchases": 0.0, "care_expected_value": 0.0}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------
    # FIELDS
    # Segment values are company-dependent: a partner shared by two companies has a tier and a
    # stage in each, and shows those of the current company.
    # ------------------------------------------------------------

    care_tier_id = fields.Many2one(
        "care.tier",
        company_dependent=True,
        help="Customer value tier in the current company: the pinned tier if a manager pinned one, "
        "else the tier the RFM score reaches.",
        groups=CARE_GROUPS,
    )
    care_segment_history_ids = fields.One2many(
        "care.segment.history", "partner_id", string="Segment History", groups=CARE_GROUPS,
        help="When and why the customer's tier or lifecycle stage changed, in the user's companies.",
    )
    care_computed_tier_id = fields.Many2one(
        "care.tier",
        string="Computed Tier",
        company_dependent=True,
        help="The tier the RFM score reaches, whatever a pin says.",
        groups=CARE_GROUPS,
    )
    care_pinned_tier_id = fields.Many2one(
        "care.tier",
        string="Pinned Tier",
        company_dependent=True,
        help="Tier fixed by a Customer Care Manager; recomputation keeps it until it is unpinned.",
        groups=CARE_GROUPS,
    )
    care_pin_reason = fields.Char(string="Pin Reason", company_dependent=True, groups=CARE_GROUPS)
    care_stage = fields.Selection(
        CARE_STAGES,
        string="Lifecycle Stage",
        company_dependent=True,
        help="Prospect: never invoiced. New: first invoice within the new-customer period. "
        "Dormant / Lost: no purchase for longer than the dormant / lost period. At risk: the churn "
        "signal is on. Active: bought within the window and not at risk. Periods are in Settings.",
        groups=CARE_GROUPS,
    )
    care_first_invoice_date = fields.Date(string="First Invoice", company_dependent=True, groups=CARE_GROUPS)
    care_last_invoice_date = fields.Date(string="Last Invoice", company_dependent=True, groups=CARE_GROUPS)
    care_recency_days = fields.Integer(
        string="Recency (days)",
        compute="_compute_care_recency_days",
        search="_search_care_recency_days",
        help="Days since the last posted customer invoice.",
        groups=CARE_GROUPS,
    )
    care_frequency = fields.Integer(
        string="Frequency",
        company_dependent=True,
        help="Number of posted customer invoices within the segmentation window.",
        groups=CARE_GROUPS,
    )
    care_monetary = fields.Float(
        string="Monetary",
        company_dependent=True,
        help="Posted customer invoices minus refunds within the segmentation window, untaxed, "
        "in company currency.",
        groups=CARE_GROUPS,
    )
    care_r_score = fields.Integer(
        string="R Score",
        company_dependent=True,
        help="Recency score 1-5: quintile of the last purchase date among the customers who bought "
        "within the window (5 = most recent); 1 for customers who did not.",
        groups=CARE_GROUPS,
    )
    care_f_score = fields.Integer(
        string="F Score",
        company_dependent=True,
        help="Frequency score 1-5: quintile of the frequency among the customers who bought within "
        "the window; 1 for customers who did not.",
        groups=CARE_GROUPS,
    )
    care_m_score = fields.Integer(
        string="M Score",
        company_dependent=True,
        help="Monetary score 1-5: quintile of the monetary value among the customers with positive "
        "revenue within the window; 1 for the others.",
        groups=CARE_GROUPS,
    )
    care_score = fields.Integer(
        string="RFM Score",
        company_dependent=True,
        help="R + F + M scores (3-15); 0 for customers never invoiced. The tier is the highest one "
        "whose minimum score this reaches.",
        groups=CARE_GROUPS,
    )
    care_clv = fields.Float(
        string="Customer Lifetime Value",
        company_dependent=True,
        help="Average yearly revenue (all posted invoices minus refunds divided by the years since "
        "the first invoice, at least one) x gross margin % x expected relationship years, "
        "both from Settings. In company currency.",
        groups=CARE_GROUPS,
    )
    care_alive_pct = fields.Float(
        string="Probability Alive (%)", company_dependent=True, groups=CARE_GROUPS,
        help="The fitted purchase model's (BG/NBD) probability that the customer still buys from us, from how often "
        "and how recently they bought; 0 when the company's model could not be fitted (Settings).",
    )
    care_expected_purchases = fields.Float(
        string="Expected Purchases", company_dependent=True, groups=CARE_GROUPS,
        help="Purchases the fitted model expects from the customer over the period of Settings.",
    )
    care_expected_value = fields.Float(
        string="Expected Value per Purchase", company_dependent=True, groups=CARE_GROUPS,
        help="The fitted Gamma-Gamma model's value of the customer's next purchases: their own average, shrunk "
        "towards everyone's the fewer purchases it rests on. In company currency.",
    )
    care_model_clv = fields.Float(
        string="Discounted CLV", company_dependent=True, groups=CARE_GROUPS,
        help="Expected purchases over the value horizon x expected value x gross margin %, discounted month by "
        "month at the yearly rate of Settings; the simple CLV when the company's model could not be fitted.",
    )
    care_value_at_risk = fields.Float(
        string="Value at Risk", company_dependent=True, groups=CARE_GROUPS,
        help="Discounted CLV x (1 - probability alive): what the customer is worth that we may be losing; the "
        "simple CLV when the company's model could not be fitted. Customers at Risk lists the largest first.",
    )
    care_churn_risk = fields.Boolean(
        string="Churn Risk",
        company_dependent=True,
        help="On when revenue of the last half of the window fell by the at-risk percentage against "
        "the half before, or when the days since the last purchase exceed the average gap between "
        "purchases times the gap factor.",
        groups=CARE_GROUPS,
    )
    care_churn_reason = fields.Char(string="Churn Signal", company_dependent=True, groups=CARE_GROUPS)
    care_segment_key = fields.Char(
        string="Segment Inputs Key",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=CARE_GROUPS,
        help="Technical: a fingerprint of what the customer's segment values were last computed from (its "
        "invoice aggregate, its pin, the day's rules). A recompute skips the customers whose inputs are "
        "unchanged; writing a segment value any other way clears it.",
    )
    care_size = fields.Selection(
        [
            ("micro", "Micro"),
            ("small", "Small"),
            ("medium", "Medium"),
            ("large", "Large"),
            ("enterprise", "Enterprise"),
        ],
        string="Customer Size",
        help="Size of the customer's business, as recorded by its account manager.",
        groups=CARE_GROUPS,
    )
    care_need = fields.Selection(
        [
            ("price", "Price Sensitive"),
            ("quality", "Quality Sensitive"),
            ("service", "Service Sensitive"),
        ],
        string="Main Need",
        help="What this customer values most, as recorded by its account manager.",
        groups=CARE_GROUPS,
    )
    care_annual_allowance = fields.Float(
        string="Annual Care Allowance",
        company_dependent=True,
        help="Most that approved and posted care expenses may spend on this customer within one budget "
        "plan, in company currency; 0 uses the allowance of the customer's tier (0 there too: no limit). "
        "Set by a Customer Care Manager.",
        groups=CARE_GROUPS,
    )
    care_suggested_allowance = fields.Float(
        string="Suggested Allowance", compute="_compute_care_suggested_allowance", groups=CARE_GROUPS,
        help="The share of the customer's discounted CLV that Settings suggest as its annual care allowance, in "
        "company currency; a Customer Care Manager applies it with Apply Suggested Allowance.",
    )
    care_public_official = fields.Boolean(
        string="Public Official",
        tracking=True,
        help="A public official or a state-owned enterprise's staff (公职人员): gifts and hospitality to them are "
        "where anti-bribery rules bite. Contacts with a tag chosen in Settings count as such too. Set by a "
        "Customer Care Manager.",
    )
    care_is_official = fields.Boolean(
        string="Official or Sensitive", compute="_compute_care_is_official",
        help="Flagged as a public official, or tagged with a category the company's settings treat as one.",
    )
    care_currency_id = fields.Many2one("res.currency", compute="_compute_care_currency_id")
    care_trailing_margin = fields.Monetary(
        string="Trailing Gross Margin",
        currency_field="care_currency_id",
        compute="_compute_care_margin_ratio",
        groups=CARE_GROUPS,
        help="Posted invoices minus refunds (untaxed) over the segmentation window up to today x the gross "
        "margin % of Settings, in company currency.",
    )
    care_trailing_spend = fields.Monetary(
        string="Trailing Care Spending",
        currency_field="care_currency_id",
        compute="_compute_care_margin_ratio",
        groups=CARE_GROUPS,
        help="Approved and posted care expenses on this customer dated in the same window.",
    )
    care_margin_ratio = fields.Float(
        string="Care Spending / Margin (%)",
        compute="_compute_care_margin_ratio",
        groups=CARE_GROUPS,
        help="Trailing care spending as a percentage of the trailing gross margin (0 without margin): what the "
        "care money takes of what the customer earns us.",
    )
    care_feedback_count = fields.Integer(
        string="Feedback",
        compute="_compute_care_feedback",
        groups=CARE_GROUPS,
    )
    care_last_csat = fields.Integer(
        string="Latest CSAT",
        compute="_compute_care_feedback",
        groups=CARE_GROUPS,
        help="The most recent satisfaction score (1-5) recorded for this customer; 0: none yet.",
    )
    care_last_nps = fields.Char(
        string="Latest NPS Score",
        compute="_compute_care_feedback",
        groups=CARE_GROUPS,
        help="The most recent recommendation score (0-10) recorded for this customer.",
    )
    care_expense_count = fields.Integer(
        string="Care Expenses",
        compute="_compute_care_expense_count",
        groups=CARE_GROUPS,
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("care_last_invoice_date")
    def _compute_care_recency_days(self):
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.care_last_invoice_date
            partner.care_recency_days = (today - last).days if last else 0

    def _search_care_recency_days(self, operator, value):
        # "recency > n days" is "last invoice before today - n days", and so on.
        mirrored = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "!=": "!="}
        if operator not in mirrored or not isinstance(value, int):
            return NotImplemented
        limit = fields.Date.context_today(self) - timedelta(days=value)
        return Domain("care_last_invoice_date", mirrored[operator], limit)

    def _compute_care_feedback(self):
        """Count and latest scores, from one read of the customers' feedback, newest first."""
        feedback = self.env["care.feedback"].search_fetch(
            [("partner_id", "in", self.ids)], ["partner_id", "csat", "nps"], order="date desc, id desc",
        )
        for partner in self:
            mine = feedback.filtered(lambda answer, partner=partner: answer.partner_id == partner)
            partner.care_feedback_count = len(mine)
            partner.care_last_csat = int(next((answer.csat for answer in mine if answer.csat), 0))
            partner.care_last_nps = next((answer.nps for answer in mine if answer.nps), False)

    def _compute_care_expense_count(self):
        counts = dict(self.env["care.expense"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"],
        ))
        for partner in self:
            partner.care_expense_count = counts.get(partner, 0)

    @api.depends("care_public_official", "category_id")
    @api.depends_context("company")
    def _compute_care_is_official(self):
        sensitive = self.env.company.care_official_category_ids
        for partner in self:
            partner.care_is_official = partner.care_public_official or bool(partner.category_id & sensitive)

    @api.depends_context("company")
    def _compute_care_margin_ratio(self):
        figures = self.commercial_partner_id._care_trailing_figures(self.env.company, fields.Date.context_today(self))
        for partner in self:
            margin, spend = figures.get(partner.commercial_partner_id.id, (0.0, 0.0))
            partner.care_trailing_margin, partner.care_trailing_spend = margin, spend
            partner.care_margin_ratio = spend / margin * 100 if margin > 0 else 0.0

    @api.depends("care_model_clv")
    @api.depends_context("company")
    def _compute_care_suggested_allowance(self):
        company = self.env.company
        for partner in self:
            partner.care_suggested_allowance = company.currency_id.round(
                max(partner.care_model_clv, 0.0) * company.care_allowance_clv_pct / 100,
            )

    @api.depends_context("company")
    def _compute_care_currency_id(self):
        self.care_currency_id = self.env.company.currency_id

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_care_segment_write(given_values(self, vals))
        return super().create(vals_list)

    def write(self, vals):
        self._check_care_segment_write(vals)
        if "care_segment_key" not in vals and not vals.keys().isdisjoint(CARE_COMPUTED_FIELDS):
            # values set outside the recompute no longer follow from the inputs the key names
            vals = {**vals, "care_segment_key": False}
        official_tags = self._care_official_tags() if "category_id" in vals else None
        res = super().write(vals)
        if official_tags:
            self._check_care_official_tags_kept(official_tags)
        return res

    def _check_care_segment_write(self, vals):
        """Tiers, stages and scores come from the books: only the recompute, the pin wizard and Unpin
        set them; the allowance is a Manager's decision."""
        if CARE_SEGMENT_FIELDS.isdisjoint(vals) or self.env.su or in_workflow(self):
            return
        if not CARE_MANAGER_FIELDS.issuperset(CARE_SEGMENT_FIELDS & vals.keys()):
            raise AccessError(self.env._(
                "A customer's tier, stage and scores are recomputed from posted invoices: a Customer Care Manager "
                "pins a tier with Pin Tier instead of writing it.",
            ))
        if not self.env.user.has_group("customer_care_budget.group_care_manager"):
            raise AccessError(self.env._(
                "Only a Customer Care Manager can set a customer's care allowance or mark a public official.",
            ))

    def _care_official_tags(self):
        """{partner: its tags that some company of the user treats as public-official ones} (sudo: the settings
        of the user's companies)."""
        official = self.env.user.company_ids.sudo().care_official_category_ids
        return {partner: partner.category_id & official for partner in self if partner.category_id & official}

    def _check_care_official_tags_kept(self, before):
        """Untagging a public official takes away their stricter rules and the compliance approval: a Manager's
        decision, as marking one is."""
        if self.env.su or in_workflow(self) or self.env.user.has_group("customer_care_budget.group_care_manager"):
            return
        dropped = [partner for partner, tags in before.items() if tags - partner.category_id]
        if dropped:
            raise AccessError(self.env._(
                "Only a Customer Care Manager can remove the public-official tags of %(contacts)s.",
                contacts=", ".join(partner.name for partner in dropped),
            ))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_care_recompute(self):
        """Recompute the segments of the selected companies (all their customers: quintiles need all)."""
        self._check_care_manager()
        for company in self.env.companies:
            self._care_recompute_company(company)
        return success_notification(self.env._("Customer segments recomputed."), SOFT_RELOAD)

    def action_care_view_feedback(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_feedback_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_care_schedule_retention(self):
        """Ask each customer's account manager (else the current user) to act, with the churn signal
        and the budget line to spend on."""
        retention = self.env.ref("customer_care_budget.mail_activity_care_retention")
        today = fields.Date.context_today(self)
        # customers a running plan holds out stay unserved: they are its control group
        held_out = self.env["care.budget.holdout"]._covering(self.commercial_partner_id, None, today, self.env.company)
        customers = self.commercial_partner_id.filtered(  # one open retention action per customer is enough
            lambda customer: retention not in customer.activity_ids.activity_type_id
        ) - held_out.partner_ids
        lines = self.env["care.budget.line"]._suggest_for_customers(customers, today)
        for customer in customers:
            line = lines[customer]
            note = self.env._(
                "%(customer)s may leave us (%(signal)s). Suggested budget line: %(line)s.",
                customer=customer.name,
                signal=customer.care_churn_reason or dict(CARE_STAGES).get(customer.care_stage) or "-",
                line=self.env._("%(line)s, %(available)s available", line=line.display_name,
                                available=line.currency_id.format(line.amount_available))
                if line else self.env._("none, no approved plan covers today"),
            )
            customer.activity_schedule(
                "customer_care_budget.mail_activity_care_retention",
                user_id=(customer.user_id or self.env.user).id,
                note=note,
            )
        return success_notification(self.env._(
            "Retention activities scheduled for %(count)s customers (%(held_out)s held out as control groups left "
            "alone).",
            count=len(customers), held_out=len(self.commercial_partner_id & held_out.partner_ids),
        ), {"type": "ir.actions.act_window_close"})

    def action_care_view_expenses(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_expense_action_all")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_care_pin_tier(self):
        self._check_care_manager()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_tier_pin_action")
        action["context"] = {"default_partner_ids": self.ids}
        return action

    def action_care_unpin_tier(self):
        self._check_care_manager()
        pinned = self.filtered("care_pinned_tier_id")
        tiers_before = {partner: partner.care_tier_id for partner in pinned}
        for partner in pinned:
            workflow(partner).write({
                "care_tier_id": partner.care_computed_tier_id.id,
                "care_pinned_tier_id": False,
                "care_pin_reason": False,
            })
            partner.message_post(body=self.env._("Care tier unpinned: the computed tier applies again."))
        self.env["care.segment.history"]._record_decision(pinned, "unpin", tiers_before)

    def action_care_apply_suggested_allowance(self):
        """Give the selected customers their suggested annual allowance (a Manager's decision; customers without
        a suggestion keep theirs). One write per distinct amount."""
        self._check_care_manager()
        suggested = self.filtered("care_suggested_allowance")
        for amount, partners in groupby(suggested, key=lambda partner: partner.care_suggested_allowance):
            self.browse([partner.id for partner in partners]).write({"care_annual_allowance": amount})
        return success_notification(self.env._(
            "Suggested annual allowances given to %(count)s customers (%(left)s without a suggestion left as they "
            "were).", count=len(suggested), left=len(self - suggested),
        ), SOFT_RELOAD)

    def _check_care_manager(self):
        if not self.env.user.has_group("customer_care_budget.group_care_manager"):
            raise AccessError(self.env._("Only a Customer Care Manager can do this."))

    # ------------------------------------------------------------
    # BUSINESS METHODS: segmentation
    # ------------------------------------------------------------

    @api.model
    def _cron_care_recompute(self):
        # every company, and companies are few
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        self.env["ir.cron"]._commit_progress(remaining=len(companies))
        for company in companies:
            self.with_company(company)._care_recompute_company(company)
            self.env["ir.cron"]._commit_progress(1)

    @api.model
    def _care_trailing_figures(self, company, day, exclude=None):
        """{customer id: (gross margin, care spending)} of these commercial partners in ``company`` over the
        segmentation window ending on ``day``: posted invoices minus refunds (untaxed, company currency) x the
        gross margin %, and approved or posted care expenses but ``exclude``. sudo: a customer's margin and
        care spending are figures about it, read by whoever weighs an expense on it, not invoices or expenses
        they may open."""
        window = (day - timedelta(days=company.care_window_days), day)
        revenues = self.env["account.move"].sudo()._read_group(
            [
                ("company_id", "=", company.id), ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")), ("commercial_partner_id", "in", self.ids),
                ("invoice_date", ">", window[0]), ("invoice_date", "<=", window[1]),
            ],
            ["commercial_partner_id"], ["amount_untaxed_signed:sum"],
        )
        spends = dict(self.env["care.expense"].sudo()._read_group(
            [
                ("company_id", "=", company.id), ("state", "in", ("approved", "posted")),
                ("partner_id", "in", self.ids), ("id", "not in", exclude.ids if exclude else []),
                ("date", ">", window[0]), ("date", "<=", window[1]),
            ],
            ["partner_id"], ["amount_company:sum"],
        ))
        margins = {partner.id: revenue * company.care_gross_margin_pct / 100 for partner, revenue in revenues}
        return {
            partner.id: (margins.get(partner.id, 0.0), spends.get(partner, 0.0))
            for partner in self
        }

    def _care_recompute_company(self, company):
        """Recompute tier, stage, RFM, CLV and churn signal of every customer of ``company``.

        Set-based, a few queries whatever the number of customers: the value model's fit (kept while the
        invoices are unchanged, see :meth:`_care_value_fit`), the aggregate of the posted invoices joined to the
        current values, the purchases of the customers to write (for the model's values), one UPDATE of the
        customers whose values changed, one INSERT of their segment history (tier or stage changes). The formulas
        are in ``segmentation`` and ``clv_model``; being pure, they are not run again for the customers whose
        inputs are those of their last written values (see :meth:`_care_inputs_key`).
        """
        partners = self.with_company(company)
        rules = partners._care_segment_rules(company)
        describe = partners._care_signal_describer(company)
        changes, history = [], []
        fit = partners._care_value_fit(company, rules.today)
        inputs_key = partners._care_inputs_key(rules, describe, partners._care_value_key(company, fit))
        rows = partners._care_segment_rows(company, rules, inputs_key)
        valued, gone = partners._care_value_scores(company, rules, fit, [row[0] for row in rows])
        for partner_id, pinned_tier_id, key, current, row in rows:
            target = partners._care_segment_values(
                row, rules, describe, pinned_tier_id, valued.get(partner_id), gone.get(partner_id),
            )
            if tuple(target.values()) == current:  # both in the order of CARE_COMPUTED_FIELDS
                continue
            changes.append((partner_id, key, target))
            current = dict(zip(CARE_COMPUTED_FIELDS, current))
            if (target["care_tier_id"], target["care_stage"]) != (current["care_tier_id"], current["care_stage"]):
                history.append((partner_id, current["care_tier_id"], target["care_tier_id"], current["care_stage"],
                                target["care_stage"], target["care_score"], target["care_churn_risk"]))
        partners._care_write_segments(company, changes)
        self.env["care.segment.history"]._insert_recompute_changes(company, rules.today, history)
        return len(changes)

    def _care_segment_rules(self, company):
        """The company's segmentation settings of today and its tier ladder, read once for all customers."""
        tiers = self.env["care.tier"].with_company(company)
        ladder, minimum = tiers._get_ladder(company), tiers._ladder_minimum(company)
        return segmentation.SegmentRules(
            today=fields.Date.context_today(self),
            window_days=company.care_window_days,
            new_days=company.care_new_days,
            dormant_days=company.care_dormant_days,
            lost_days=company.care_lost_days,
            at_risk_drop_pct=company.care_at_risk_drop_pct,
            gap_factor=company.care_gap_factor,
            gross_margin_pct=company.care_gross_margin_pct,
            relationship_years=company.care_relationship_years,
            tier_basis=company.care_tier_basis,
            ladder=tuple((tier[minimum], tier.id) for tier in ladder),
            decimal_places=company.currency_id.decimal_places,
        )

    def _care_inputs_key(self, rules, describe, fit_key):
        """A fingerprint of what a customer's segment values follow from besides its own aggregate and pin:
        the day's rules and ladder, the company's value model fit (``fit_key``), and how churn signals are
        worded (language, currency format). With a customer's aggregate and pin it makes the customer's
        ``care_segment_key`` (see :meth:`_care_segment_rows`)."""
        wording = describe([segmentation.RevenueDrop(2, 1.5, 0.5, 67), segmentation.PurchaseGap(3, 1.5, 1.0),
                            segmentation.ProbablyGone(12.5, 30.0)])
        return hashlib.md5(f"{rules!r}|{fit_key}|{wording}".encode(), usedforsecurity=False).hexdigest()

    def _care_value_fit(self, company, today):
        """The purchase model (``clv_model``) of ``company`` fitted on its invoices up to ``today``, or None when
        there is too little data (the company's *Value Model* status says why). The fit is kept on the company
        with a fingerprint of the invoices and settings it came from: a recompute finding them unchanged reuses
        it rather than reading every customer's purchases and fitting again."""
        fingerprint = self._care_value_fingerprint(company, today)
        kept = json.loads(company.care_value_fit or "{}")
        if kept.get("fingerprint") == fingerprint:
            return clv_model.Fit.from_parameters(kept["parameters"]) if kept.get("parameters") else None
        _ids, x, t_x, tenure, value, _after = self.env["care.clv.model"]._purchase_rows(company, today, today)
        try:
            fit = clv_model.fit(x, t_x, tenure, value)
        except clv_model.NotEnoughData as error:
            fit = None
            status = self.env._("Simple CLV formula: %(reason)s.",
                                reason=self.env["care.clv.model"]._fallback_reason(error))
        else:
            bgnbd, gamma_gamma = fit.bgnbd, fit.gamma_gamma
            status = self.env._(
                "Fitted on %(customers)s customers (%(repeat)s bought again): BG/NBD r %(r).3g, α %(alpha).3g days, "
                "a %(a).3g, b %(b).3g; Gamma-Gamma p %(p).3g, q %(q).3g, γ %(gamma).3g.",
                customers=len(x), repeat=int((x > 0).sum()), r=bgnbd.r, alpha=bgnbd.alpha, a=bgnbd.a, b=bgnbd.b,
                p=gamma_gamma.p, q=gamma_gamma.q, gamma=gamma_gamma.gamma,
            )
        # sudo: the recompute keeps on the company what it fitted, whoever runs it (a Manager, the cron)
        company.sudo().write({
            "care_value_model_status": status,
            "care_value_fit": json.dumps({"fingerprint": fingerprint, "parameters": fit and fit.parameters()}),
        })
        return fit

    def _care_value_key(self, company, fit):
        """What the customers' model values follow from besides their purchases: the fit and the settings."""
        return repr((fit and fit.parameters(), company.care_value_horizon_days, company.care_value_discount_pct,
                     company.care_expected_days, company.care_alive_threshold_pct))

    def _care_value_fingerprint(self, company, today):
        """What a fit follows from: the company's posted customer invoices (their number, latest change and
        total) and the day. One aggregate over the company's invoices."""
        self.env["account.move"].flush_model()
        count, changed, total = self.env.execute_query(SQL(
            """
            SELECT COUNT(*), MAX(write_date)::text, SUM(amount_untaxed_signed)::text FROM account_move
             WHERE company_id = %s AND state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
            """,
            company.id,
        ))[0]
        return f"{today}|{count}|{changed}|{total}"

    def _care_value_scores(self, company, rules, fit, partner_ids):
        """({customer id: value-model fields}, {customer id: ProbablyGone signal}) of ``partner_ids`` who bought,
        from ``fit`` (None: no customer gets values, each keeps the simple CLV). One query for their purchases."""
        if not fit or not partner_ids:
            return {}, {}
        ids, x, t_x, tenure, value, _after = self.env["care.clv.model"]._purchase_rows(
            company, rules.today, rules.today, partner_ids,
        )
        horizon, threshold = company.care_value_horizon_days, company.care_alive_threshold_pct
        periods = max(1, round(horizon / 30))  # about monthly
        rate = (1 + company.care_value_discount_pct / 100) ** (horizon / periods / 365) - 1
        alive = fit.bgnbd.p_alive(x, t_x, tenure) * 100
        expected = fit.bgnbd.expected_purchases(company.care_expected_days, x, t_x, tenure)
        per_purchase = fit.gamma_gamma.expected_value(x, value)
        margin = clv_model.discounted_clv(fit.bgnbd, fit.gamma_gamma, x, t_x, tenure, value, horizon, periods, rate) \
            * company.care_gross_margin_pct / 100
        places = rules.decimal_places
        valued, gone = {}, {}
        for partner_id, alive_pct, purchases, worth, clv in zip(ids.astype(int).tolist(), alive.tolist(),
                                                                expected.tolist(), per_purchase.tolist(),
                                                                margin.tolist()):
            alive_pct = round(alive_pct, 1)  # as shown: the signal follows the figure the customer shows
            valued[partner_id] = {"care_alive_pct": alive_pct, "care_expected_purchases": round(purchases, 2),
                                  "care_expected_value": round(worth, places), "care_model_clv": round(clv, places)}
            if alive_pct < threshold:
                gone[partner_id] = segmentation.ProbablyGone(alive_pct, threshold)
        return valued, gone

    def _care_invoice_aggregate_query(self, company, today):
        """Per commercial partner with posted invoices or refunds: its id, then the fields of
        ``segmentation.InvoiceAggregate`` (invoice dates, counts, revenues, R/F/M quintile scores).

        Revenue is untaxed, in company currency (``amount_untaxed_signed``: refunds are negative), summed
        exactly. Quintiles use ``CUME_DIST`` so equal values always get the same score.
        """
        window_start = today - timedelta(days=company.care_window_days)
        half = today - timedelta(days=company.care_window_days // 2)
        return SQL(
            """
            WITH invoiced AS (
                SELECT m.commercial_partner_id AS partner_id,
                       MIN(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS first_date,
                       MAX(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS last_date,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice')::int AS invoice_count,
                       SUM(m.amount_untaxed_signed)::float AS revenue_all,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice'
                                          AND m.invoice_date > %(window_start)s)::int AS frequency,
                       COALESCE(SUM(m.amount_untaxed_signed)
                                FILTER (WHERE m.invoice_date > %(window_start)s), 0)::float AS monetary,
                       COALESCE(SUM(m.amount_untaxed_signed)
                                FILTER (WHERE m.invoice_date > %(window_start)s
                                          AND m.invoice_date <= %(half)s), 0)::float AS revenue_early,
                       COALESCE(SUM(m.amount_untaxed_signed)
                                FILTER (WHERE m.invoice_date > %(half)s), 0)::float AS revenue_late
                  FROM account_move m
                 WHERE m.company_id = %(company_id)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_date <= %(today)s
                   AND m.commercial_partner_id IS NOT NULL
              GROUP BY m.commercial_partner_id
            ),
            ranked AS (
                SELECT invoiced.*,
                       CUME_DIST() OVER (PARTITION BY frequency > 0 ORDER BY last_date) AS r_dist,
                       CUME_DIST() OVER (PARTITION BY frequency > 0 ORDER BY frequency) AS f_dist,
                       CUME_DIST() OVER (PARTITION BY monetary > 0 ORDER BY monetary) AS m_dist
                  FROM invoiced
            )
            -- rounded before CEIL: 5 x 3/5 is 3.0000000000000004 in floating point
            SELECT partner_id, first_date, last_date, invoice_count, revenue_all, frequency, monetary,
                   revenue_early, revenue_late,
                   CASE WHEN frequency > 0 THEN CEIL(ROUND((5 * r_dist)::numeric, 6)) ELSE 1 END::int AS r_score,
                   CASE WHEN frequency > 0 THEN CEIL(ROUND((5 * f_dist)::numeric, 6)) ELSE 1 END::int AS f_score,
                   CASE WHEN monetary > 0 THEN CEIL(ROUND((5 * m_dist)::numeric, 6)) ELSE 1 END::int AS m_score
              FROM ranked
            """,
            window_start=window_start,
            half=half,
            today=today,
            company_id=company.id,
        )

    def _care_segment_rows(self, company, rules, inputs_key):
        """``(partner id, pinned tier id, inputs key, current values, InvoiceAggregate or None)`` of the customers
        to segment in ``company``: commercial partners that are customers, were invoiced, or already carry a
        segment (so stale ones get reset), but not those whose ``care_segment_key`` is still the one their
        aggregate, pin and ``inputs_key`` make: their values are those the formulas would give. One query: the
        invoice aggregate joined to the customers.

        The current values are those of ``CARE_COMPUTED_FIELDS``, a tuple in their order (see
        :meth:`_care_company_value_sql`): tuples, not dicts, for 100,000 customers compared.
        """
        self.env["account.move"].flush_model()
        # the aggregate is joined below: a customer with a row in it was invoiced
        invoiced = Domain.custom(to_sql=lambda model, alias, query: SQL("aggregate.partner_id IS NOT NULL"))
        domain = (Domain("customer_rank", ">", 0) | invoiced | Domain("care_stage", "!=", False)) \
            & (Domain("is_company", "=", True) | Domain("parent_id", "=", False)) \
            & Domain("company_id", "in", [company.id, False])
        query = self._search(domain)
        query.add_join("LEFT JOIN", "aggregate", "aggregate", SQL(
            "aggregate.partner_id = %s", SQL.identifier(self._table, "id"),
        ))
        fnames = ["care_pinned_tier_id", "care_segment_key", *CARE_COMPUTED_FIELDS]
        self.flush_model(fnames)
        pinned, stored_key, *current = [self._care_company_value_sql(fname, company) for fname in fnames]
        aggregate = [SQL.identifier("aggregate", name) for name in segmentation.InvoiceAggregate._fields]
        key = SQL("md5(ROW(%s)::text || %s)", SQL(", ").join([pinned, *aggregate]), inputs_key)
        query.add_where(SQL("%s IS DISTINCT FROM %s", stored_key, key))
        rows = self.env.execute_query(SQL(
            "WITH aggregate AS (%s) %s",
            self._care_invoice_aggregate_query(company, rules.today),
            query.select(SQL.identifier(self._table, "id"), SQL.identifier("aggregate", "partner_id"), pinned, key,
                         *current, *aggregate),
        ))
        width = len(CARE_COMPUTED_FIELDS)
        return [
            (partner_id, pinned_tier_id, key, tuple(values[:width]),
             segmentation.InvoiceAggregate(*values[width:]) if invoiced_id else None)
            for partner_id, invoiced_id, pinned_tier_id, key, *values in rows
        ]

    def _care_company_value_sql(self, fname, company):
        """SQL of the value in ``company`` of the company-dependent segment field ``fname``, as the ORM reads
        it (numbers and flags 0 / False when empty): its JSON value at the company's key, cast. One operator
        per value where the ORM's generic SQL takes three, for 15 fields of every customer; and without its
        check that a tier still exists (a tier's deletion clears it from the partners; an id here is compared,
        not followed)."""
        field = self._fields[fname]
        # the column type the field would have if it were not company-dependent, as the ORM casts to it
        value = SQL("(%s ->> %s)::%s", SQL.identifier(self._table, fname), str(company.id), SQL(field._column_type[1]))
        if field.type in CARE_EMPTY_AS_ZERO:
            return SQL("COALESCE(%s, %s)", value, CARE_EMPTY_AS_ZERO[field.type])
        return value

    def _care_segment_values(self, row, rules, describe, pinned_tier_id, valued=None, gone=None):
        """The segment values an invoice aggregate ``row`` gives (None: never invoiced), typed as
        :meth:`_care_segment_rows` reads them, keyed in the order of ``CARE_COMPUTED_FIELDS``; ``describe``
        words the churn signals. ``valued``: the customer's value-model fields (None: no fit), ``gone`` its
        ProbablyGone signal, if any (see :meth:`_care_value_model`)."""
        if not segmentation.is_invoiced(row):
            computed_tier_id = segmentation.tier_for_score(rules.ladder, 0)
            return {**PROSPECT_VALUES, "care_computed_tier_id": computed_tier_id,
                    "care_tier_id": pinned_tier_id or computed_tier_id}
        score = segmentation.rfm_score(row)
        signals = [*segmentation.churn_signals(row, rules), *([gone] if gone else [])]
        clv = segmentation.lifetime_value(row, rules)
        model = valued or {**NO_MODEL_VALUES, "care_model_clv": clv}
        computed_tier_id = segmentation.tier_for_score(
            rules.ladder, model["care_model_clv"] if rules.tier_basis == "clv" else score,
        )
        values = {
            **model,
            "care_value_at_risk": round(model["care_model_clv"] * (1 - model["care_alive_pct"] / 100)
                                        if valued else clv, rules.decimal_places),
            "care_churn_reason": describe(signals) if signals else None,
            "care_churn_risk": bool(signals),
            "care_clv": clv,
            "care_computed_tier_id": computed_tier_id,
            "care_f_score": row.f_score,
            "care_first_invoice_date": row.first_date,
            "care_frequency": row.frequency,
            "care_last_invoice_date": row.last_date,
            "care_m_score": row.m_score,
            "care_monetary": row.monetary,
            "care_r_score": row.r_score,
            "care_score": score,
            "care_stage": segmentation.lifecycle_stage(row, rules, bool(signals)),
            "care_tier_id": pinned_tier_id or computed_tier_id,
        }
        return {fname: values[fname] for fname in CARE_COMPUTED_FIELDS}

    def _care_signal_describer(self, company):
        """A function wording churn signals as the customer shows them: in the company's language whoever
        recomputes (stored text), amounts in its currency. Sentences are translated once, not per customer."""
        env = self.with_context(lang=company.partner_id.lang or self.env.lang).env
        money = money_formatter(env, company.currency_id)
        revenue_drop = env._(
            "revenue of the last %(days)s days fell %(drop)s%% against the %(days)s days before "
            "(%(early)s to %(late)s)",
        )
        purchase_gap = env._("no purchase for %(recency)s days, more than %(factor)s x the average gap of %(gap)s days")
        probably_gone = env._("the purchase model gives %(alive)s%% chance of still buying, below %(threshold)s%%")

        def word(signal):
            if isinstance(signal, segmentation.ProbablyGone):
                return probably_gone % {"alive": signal.alive_pct, "threshold": signal.threshold_pct}
            if isinstance(signal, segmentation.RevenueDrop):
                return revenue_drop % {"days": signal.days, "drop": signal.drop_pct,
                                       "early": money(signal.early), "late": money(signal.late)}
            return purchase_gap % {"recency": signal.recency, "factor": signal.factor, "gap": signal.average_gap}

        return lambda signals: "; ".join(map(word, signals))

    def _care_write_segments(self, company, changes):
        """Write the ``(partner_id, inputs key, values)`` changes in ``company`` in one UPDATE.

        Company-dependent values are one jsonb column per field, ``{company id: value}``: the statement
        merges this company's values into them for every changed customer at once, from one JSON array of
        rows (the ORM would write each customer apart, their values being all different). Then, as
        ``write()`` does, the cache is invalidated and what depends on the fields is marked to recompute.
        Tier and stage are not tracked in the chatter (one message per customer and night): the segment
        history records their changes, and a Manager's pins and unpins post their own message.
        """
        if not changes:
            return
        partners = self.browse([partner_id for partner_id, _key, _values in changes])
        partners.check_access("write")
        fnames = [*CARE_COMPUTED_FIELDS, "care_segment_key"]
        written = [*fnames, "write_uid", "write_date"]
        self.flush_model(written)  # pending writes of these fields go first, not over the statement's values
        rows = json.dumps([[partner_id, *map(values.get, CARE_COMPUTED_FIELDS), inputs_key]
                           for partner_id, inputs_key, values in changes],
                          default=date.isoformat)  # as the ORM stores company-dependent dates
        key = str(company.id)
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner
               SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
              FROM jsonb_array_elements(%(rows)s::jsonb) AS segment(value)
             WHERE res_partner.id = (segment.value ->> 0)::int
            """,
            assignments=SQL(", ").join(
                SQL("%(column)s = COALESCE(%(column)s, '{}') || jsonb_build_object(%(key)s, segment.value -> %(i)s)",
                    column=SQL.identifier(fname), key=key, i=index)
                for index, fname in enumerate(fnames, start=1)
            ),
            uid=self.env.uid, now=self.env.cr.now(), rows=rows,
        ))
        partners.invalidate_recordset(written, flush=False)
        partners.modified(CARE_COMPUTED_FIELDS)
