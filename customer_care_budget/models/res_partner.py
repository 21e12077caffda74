from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, split_every

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
    "care_churn_reason", "care_annual_allowance", "care_segment_history_ids",
}
# The segment field a Customer Care Manager may write (account managers record size and need, which are
# no segment fields); every other one comes from the recompute, the pin wizard or Unpin.
CARE_MANAGER_FIELDS = {"care_annual_allowance"}
CARE_GROUPS = "customer_care_budget.group_care_user,customer_care_budget.group_care_accountant"
# Segment fields the recompute derives (the pin and the allowance are a Manager's decisions, the history its log).
CARE_COMPUTED_FIELDS = sorted(CARE_SEGMENT_FIELDS - {
    "care_pinned_tier_id", "care_pin_reason", "care_annual_allowance", "care_segment_history_ids",
})
CARE_FLOAT_FIELDS = {"care_monetary", "care_clv"}
WRITE_BATCH_SIZE = 1000


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
    care_churn_risk = fields.Boolean(
        string="Churn Risk",
        company_dependent=True,
        help="On when revenue of the last half of the window fell by the at-risk percentage against "
        "the half before, or when the days since the last purchase exceed the average gap between "
        "purchases times the gap factor.",
        groups=CARE_GROUPS,
    )
    care_churn_reason = fields.Char(string="Churn Signal", company_dependent=True, groups=CARE_GROUPS)
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
    care_currency_id = fields.Many2one("res.currency", compute="_compute_care_currency_id")
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
        return super().write(vals)

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
            raise AccessError(self.env._("Only a Customer Care Manager can set a customer's care allowance."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_care_recompute(self):
        """Recompute the segments of the selected companies (all their customers: quintiles need all)."""
        self._check_care_manager()
        for company in self.env.companies:
            self._care_recompute_company(company)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Customer segments recomputed."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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
        customers = self.commercial_partner_id.filtered(  # one open retention action per customer is enough
            lambda customer: retention not in customer.activity_ids.activity_type_id
        )
        lines = self.env["care.budget.line"]._suggest_for_customers(customers, fields.Date.context_today(self))
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
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Retention activities scheduled for %(count)s customers.", count=len(customers)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

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
    def _care_recompute_company(self, company):
        """Recompute tier, stage, RFM, CLV and churn signal of every customer of ``company``.

        A few queries in all: one aggregate over the posted invoices, one read of the current values;
        then only the values that changed are written, in batches.
        """
        partners = self.with_company(company)
        today = fields.Date.context_today(partners)
        rows = {row["partner_id"]: row for row in partners._care_invoice_aggregates(company, today)}
        ladder = self.env["care.tier"].with_company(company)._get_ladder(company)
        changes, history = [], []
        for partner_id, current in partners._care_current_segments(company, list(rows)).items():
            target = partners._care_segment_values(rows.get(partner_id), company, today, ladder)
            target["care_tier_id"] = current["care_pinned_tier_id"] or target["care_computed_tier_id"]
            changed = {
                fname: value for fname, value in target.items()
                if not partners._care_same_value(fname, value, current[fname])
            }
            if changed:
                changes.append((partner_id, changed))
                history.append((partner_id, current, changed))
        partners._care_write_segments(changes)
        self.env["care.segment.history"]._insert_recompute_changes(company, today, history)
        return len(changes)

    def _care_invoice_aggregates(self, company, today):
        """Per commercial partner: invoice dates, counts, revenues and R/F/M quintile scores.

        Revenue is untaxed, in company currency (``amount_untaxed_signed``: refunds are negative).
        Quintiles use ``CUME_DIST`` so equal values always get the same score.
        """
        window_start = today - timedelta(days=company.care_window_days)
        half = today - timedelta(days=company.care_window_days // 2)
        query = SQL(
            """
            WITH invoiced AS (
                SELECT m.commercial_partner_id AS partner_id,
                       MIN(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS first_date,
                       MAX(m.invoice_date) FILTER (WHERE m.move_type = 'out_invoice') AS last_date,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice') AS invoice_count,
                       SUM(m.amount_untaxed_signed)::float AS revenue_all,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice'
                                          AND m.invoice_date > %(window_start)s) AS frequency,
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
            SELECT ranked.*,
                   CASE WHEN frequency > 0 THEN CEIL(ROUND((5 * r_dist)::numeric, 6)) ELSE 1 END AS r_score,
                   CASE WHEN frequency > 0 THEN CEIL(ROUND((5 * f_dist)::numeric, 6)) ELSE 1 END AS f_score,
                   CASE WHEN monetary > 0 THEN CEIL(ROUND((5 * m_dist)::numeric, 6)) ELSE 1 END AS m_score
              FROM ranked
            """,
            window_start=window_start,
            half=half,
            today=today,
            company_id=company.id,
        )
        self.env["account.move"].flush_model()
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    def _care_current_segments(self, company, invoiced_ids):
        """Current segment values in ``company`` of the customers to segment: commercial partners that
        are customers, were invoiced, or already carry a segment (so stale ones get reset)."""
        domain = (
            Domain("customer_rank", ">", 0) | Domain("id", "in", invoiced_ids) | Domain("care_stage", "!=", False)
        ) & (Domain("is_company", "=", True) | Domain("parent_id", "=", False))
        domain &= Domain("company_id", "in", [company.id, False])
        query = self._search(domain)
        fnames = [*CARE_COMPUTED_FIELDS, "care_pinned_tier_id"]
        columns = [self._field_to_sql(self._table, fname, query) for fname in fnames]
        return {
            partner_id: dict(zip(fnames, values))
            for partner_id, *values in self.env.execute_query(query.select(SQL.identifier(self._table, "id"), *columns))
        }

    def _care_segment_values(self, row, company, today, ladder):
        """The segment a customer's invoice aggregate ``row`` (None: never invoiced) gives."""
        if not row or not row["last_date"]:
            values = dict.fromkeys(CARE_COMPUTED_FIELDS, False)
            values.update(care_stage="prospect", care_frequency=0, care_monetary=0.0, care_clv=0.0,
                          care_r_score=0, care_f_score=0, care_m_score=0, care_score=0)
            values["care_computed_tier_id"] = ladder._pick_for_score(0).id
            return values
        score = int(row["r_score"] + row["f_score"] + row["m_score"])
        reasons = self._care_churn_reasons(row, company, today)
        return {
            "care_computed_tier_id": ladder._pick_for_score(score).id,
            "care_stage": self._care_stage(row, company, today, bool(reasons)),
            "care_first_invoice_date": row["first_date"],
            "care_last_invoice_date": row["last_date"],
            "care_frequency": row["frequency"],
            "care_monetary": company.currency_id.round(row["monetary"]),
            "care_r_score": int(row["r_score"]),
            "care_f_score": int(row["f_score"]),
            "care_m_score": int(row["m_score"]),
            "care_score": score,
            "care_clv": company.currency_id.round(self._care_clv(row, company, today)),
            "care_churn_risk": bool(reasons),
            "care_churn_reason": "; ".join(reasons) or False,
        }

    @api.model
    def _care_stage(self, row, company, today, churn_risk):
        recency = (today - row["last_date"]).days
        if recency > company.care_lost_days:
            return "lost"
        if recency > company.care_dormant_days:
            return "dormant"
        if (today - row["first_date"]).days <= company.care_new_days:
            return "new"
        return "at_risk" if churn_risk else "active"

    @api.model
    def _care_churn_reasons(self, row, company, today):
        """The churn signals (互动频率降低、购买金额减少) that are on, in words.

        Stored text: always in the company's language, whoever recomputes."""
        company_env = self.with_context(lang=company.partner_id.lang or self.env.lang).env
        reasons = []
        early, late = row["revenue_early"], row["revenue_late"]
        if early > 0 and late <= early * (1 - company.care_at_risk_drop_pct / 100):
            reasons.append(company_env._(
                "revenue of the last %(days)s days fell %(drop)s%% against the %(days)s days before "
                "(%(early)s to %(late)s)",
                days=company.care_window_days // 2,
                drop=round(100 * (early - late) / early),
                early=company.currency_id.format(early),
                late=company.currency_id.format(late),
            ))
        if row["invoice_count"] >= 2:
            average_gap = (row["last_date"] - row["first_date"]).days / (row["invoice_count"] - 1)
            recency = (today - row["last_date"]).days
            if recency > average_gap * company.care_gap_factor:
                reasons.append(company_env._(
                    "no purchase for %(recency)s days, more than %(factor)s x the average gap of %(gap)s days",
                    recency=recency,
                    factor=company.care_gap_factor,
                    gap=round(average_gap, 1),
                ))
        return reasons

    @api.model
    def _care_clv(self, row, company, today):
        years = max((today - row["first_date"]).days / 365.25, 1.0)
        yearly_revenue = row["revenue_all"] / years
        return max(yearly_revenue, 0.0) * company.care_gross_margin_pct / 100 * company.care_relationship_years

    @api.model
    def _care_same_value(self, fname, new, old):
        if fname in CARE_FLOAT_FIELDS:
            return float_compare(new or 0.0, old or 0.0, precision_digits=2) == 0
        return (new or False) == (old or False)

    def _care_write_segments(self, changes):
        """Write ``(partner_id, values)`` changes, grouping equal values into one write.

        Tier and stage are not tracked in the chatter (one message per customer and night): the segment
        history records their changes, and a Manager's pins and unpins post their own message.
        """
        for batch in split_every(WRITE_BATCH_SIZE, changes):
            # sudo: write access to the whole batch is checked once here, not once per write below
            batch_partners = self.browse([partner_id for partner_id, _values in batch])
            batch_partners.check_access("write")
            batch_partners = batch_partners.sudo()
            groups = {}
            for partner_id, values in batch:
                groups.setdefault(tuple(sorted(values.items())), []).append(partner_id)
            for items, partner_ids in groups.items():
                # one prefetch for the batch: what write() reads of each partner is read once for all
                batch_partners.browse(partner_ids).with_prefetch(batch_partners._prefetch_ids).write(dict(items))
            self.env.flush_all()
