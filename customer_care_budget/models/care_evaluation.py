from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .. import incrementality
from ..tools import format_period, insert_rows, safe_ratio, without_jit
from .care_evaluation_metrics import EvaluationSettings
from .care_guard_mixin import in_workflow, workflow

RAW_ZERO = dict.fromkeys([
    "spend_actual", "spend_committed", "customers_served", "revenue", "revenue_before", "served_bought_before",
    "served_retained", "control_bought_before", "control_retained", "csat_sum", "csat_count", "csat_sum_before",
    "csat_count_before", "promoters", "detractors", "nps_count", "promoters_before", "detractors_before",
    "nps_count_before",
], 0)
# the evaluation's lists of its result rows, which Compute rewrites in SQL
RESULT_LISTS = ["result_ids", "line_result_ids", "tier_result_ids", "activity_result_ids", "customer_result_ids"]
FEEDBACK_RAW = [key for key in RAW_ZERO if key.startswith(("csat", "promoters", "detractors", "nps"))]
# what the results are computed from: changing one discards them
INPUT_FIELDS = {
    "budget_id", "date_from", "date_to", "gross_margin_pct", "relationship_years", "roi_increase_pct", "roi_keep_pct",
    "roi_stop_pct", "retention_lift_keep", "min_customers",
}


class CareEvaluation(models.Model):
    """An effect evaluation (效果评估) of an approved plan over a period.

    **Compute** gathers the raw figures of the period with a few aggregate queries (``_gather``) and
    stores one result row per budget line, customer tier, activity type and customer served, the plan's
    totals on the evaluation itself, and how far each KPI target of the plan got. The formulas are those
    of ``care.evaluation.metrics``. **Confirm** freezes it: nothing recomputes any more, whatever is
    invoiced or spent later.
    """

    _name = "care.evaluation"
    _description = "Customer Care Evaluation"
    _inherit = ["care.guard.mixin", "care.evaluation.metrics", "mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(
        compute="_compute_name", search="_search_name",
        help="The plan and the evaluated period, in the reader's language.",
    )
    # no check_company: the evaluation's company is the plan's, so a new evaluation (no company yet) can pick
    # any plan the user's companies allow
    budget_id = fields.Many2one(
        "care.budget",
        required=True,
        index=True,
        tracking=True,
        domain="[('state', 'in', ('approved', 'done'))]",
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="budget_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="Start Date", compute="_compute_period", store=True, readonly=False, precompute=True, required=True,
        tracking=True,
    )
    date_to = fields.Date(
        string="End Date", compute="_compute_period", store=True, readonly=False, precompute=True, required=True,
        tracking=True,
    )
    period_days = fields.Integer(compute="_compute_period_days", help="Days of the evaluated period.")
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed")], default="draft", required=True, copy=False,
        tracking=True, index=True,
    )
    computed_on = fields.Datetime(
        readonly=True, copy=False, help="When the results were last computed; confirmed results stay as they were.",
    )
    gross_margin_pct = fields.Float(
        string="Gross Margin (%)",
        compute="_compute_from_company", store=True, readonly=False, precompute=True,
        help="Share of revenue that is margin, for ROI and CLV (from Settings when the evaluation is created).",
    )
    relationship_years = fields.Float(
        string="Expected Relationship (years)",
        compute="_compute_from_company", store=True, readonly=False, precompute=True,
        help="Years a customer is expected to stay, for the CLV change (from Settings).",
    )
    roi_increase_pct = fields.Float(
        string="Increase at ROI (%)", compute="_compute_from_company", store=True, readonly=False, precompute=True,
        help="Recommend an increase at this ROI, when served customers were retained no worse than the others.",
    )
    roi_keep_pct = fields.Float(
        string="Keep at ROI (%)", compute="_compute_from_company", store=True, readonly=False, precompute=True,
        help="Recommend keeping a line at this ROI.",
    )
    roi_stop_pct = fields.Float(
        string="Stop below ROI (%)", compute="_compute_from_company", store=True, readonly=False, precompute=True,
        help="Recommend stopping a line below this ROI (reducing between it and the keep ROI).",
    )
    retention_lift_keep = fields.Float(
        string="Keep at Retention Lift (points)", compute="_compute_from_company", store=True, readonly=False,
        precompute=True,
        help="Keep a line below the keep ROI when its served customers were retained this many points better.",
    )
    min_customers = fields.Integer(
        string="Evidence from (customers)", compute="_compute_min_customers", store=True, readonly=False,
        precompute=True,
        help="Fewest served customers matched and control customers before the incremental figures count as "
        "evidence (from Settings); below it a line is kept and measured.",
    )
    control_source = fields.Selection(
        [("matched", "Matched Customers Not Served"), ("holdout", "Holdout")], string="Control Group",
        readonly=True,
        help="Who the served customers are compared with: the customers the plan did not serve, matched by "
        "stratum, or the customers the plan held out at random when it was approved.",
    )
    cuped_theta = fields.Float(
        string="CUPED θ", readonly=True, digits=(16, 4),
        help="cov(revenue before, revenue) / var(revenue before) over the customers served and the control "
        "customers: how much of a customer's revenue its revenue of the period before predicts.",
    )
    result_ids = fields.One2many("care.evaluation.result", "evaluation_id", string="Results")
    line_result_ids = fields.One2many(
        "care.evaluation.result", "evaluation_id", string="Budget Lines", domain=[("kind", "=", "line")],
    )
    tier_result_ids = fields.One2many(
        "care.evaluation.result", "evaluation_id", string="Tiers", domain=[("kind", "=", "tier")],
    )
    activity_result_ids = fields.One2many(
        "care.evaluation.result", "evaluation_id", string="Activity Results", domain=[("kind", "=", "activity")],
    )
    customer_result_ids = fields.One2many(
        "care.evaluation.result", "evaluation_id", string="Customers", domain=[("kind", "=", "customer")],
    )
    objective_result_ids = fields.One2many("care.evaluation.objective", "evaluation_id", string="KPI Targets")
    # the whole company's customers, for the plan's KPI targets
    customers_active = fields.Integer(
        string="Active Customers", readonly=True, help="Customers of the company who bought in the period.",
    )
    revenue_all = fields.Monetary(
        string="Company Revenue", readonly=True,
        help="Posted invoices minus refunds of all customers in the period, untaxed.",
    )
    revenue_all_before = fields.Monetary(string="Company Revenue Before", readonly=True)
    revenue_growth_all = fields.Float(
        string="Revenue Growth (%)", readonly=True, help="(Company revenue − before) / before.",
    )
    retention_all = fields.Float(
        string="Retention Rate (%)", readonly=True,
        help="Of all customers who bought in the period before, the share who bought in the period.",
    )
    csat_all = fields.Float(string="CSAT (all customers)", readonly=True,
                            help="Average satisfaction of all feedback in the period.")
    nps_all = fields.Float(string="NPS (all customers)", readonly=True, help="NPS of all feedback in the period.")

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _dates_ordered = models.Constraint(
        "CHECK(date_from <= date_to)", "The start date of an evaluation must not be after its end date.",
    )
    _margin_range = models.Constraint(
        "CHECK(gross_margin_pct >= 0 AND gross_margin_pct <= 100 AND relationship_years > 0)",
        "The gross margin must lie between 0 and 100 % and the relationship years must be positive.",
    )
    _min_customers = models.Constraint(
        "CHECK(min_customers >= 2)",
        "An evaluation needs at least 2 customers on each side before its figures count as evidence "
        "(a spread takes two).",
    )

    @api.constrains("budget_id", "date_from", "date_to")
    def _check_period(self):
        for evaluation in self:
            budget = evaluation.budget_id
            if evaluation.date_from < budget.date_from or evaluation.date_to > budget.date_to:
                raise ValidationError(self.env._(
                    "The evaluated period, %(period)s, lies outside the plan %(budget)s (%(budget_period)s).",
                    period=format_period(self.env, evaluation.date_from, evaluation.date_to), budget=budget.name,
                    budget_period=format_period(self.env, budget.date_from, budget.date_to),
                ))

    @api.constrains("roi_increase_pct", "roi_keep_pct", "roi_stop_pct")
    def _check_recommendation_thresholds(self):
        for evaluation in self:
            self._check_thresholds(evaluation.roi_increase_pct, evaluation.roi_keep_pct, evaluation.roi_stop_pct)

    @api.model
    def _check_thresholds(self, increase, keep, stop):
        if not stop <= keep <= increase:
            raise ValidationError(self.env._(
                "The ROI thresholds must rise from stop (%(stop)s%%) to keep (%(keep)s%%) to increase "
                "(%(increase)s%%).",
                stop=stop, keep=keep, increase=increase,
            ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("budget_id.name", "date_from", "date_to")
    @api.depends_context("lang")
    def _compute_name(self):
        for evaluation in self:
            if not (evaluation.budget_id and evaluation.date_from and evaluation.date_to):
                evaluation.name = self.env._("New Evaluation")
                continue
            evaluation.name = self.env._(
                "%(budget)s, %(period)s",
                budget=evaluation.budget_id.name,
                period=format_period(self.env, evaluation.date_from, evaluation.date_to),
            )

    def _search_name(self, operator, value):
        """Text searches match the plan's name; exact names (an import, a many2one typed in full) are
        compared with the names as the user reads them."""
        if operator in ("in", "not in"):
            # a name is "<plan>, <period>" (or "<plan>，<period>"): the plans are the text before a comma
            plans = {name[:index] for name in value if isinstance(name, str)
                     for index, char in enumerate(name) if char in ",，"}
            named = self.search([("budget_id.name", "in", list(plans))]).filtered(lambda ev: ev.name in value)
            return [("id", operator, named.ids)]
        return [("budget_id.name", operator, value)]

    @api.depends("budget_id")
    def _compute_period(self):
        """The plan's period, or its period so far while it runs: months to come have no effect yet."""
        today = fields.Date.context_today(self)
        for evaluation in self:
            budget = evaluation.budget_id
            evaluation.date_from = budget.date_from
            evaluation.date_to = min(budget.date_to, today) if budget.date_from and budget.date_from <= today \
                else budget.date_to

    @api.depends("date_from", "date_to")
    def _compute_period_days(self):
        for evaluation in self:
            if evaluation.date_from and evaluation.date_to:
                evaluation.period_days = (evaluation.date_to - evaluation.date_from).days + 1
            else:
                evaluation.period_days = 0

    @api.depends("budget_id")
    def _compute_from_company(self):
        for evaluation in self:
            company = evaluation.budget_id.company_id or self.env.company
            evaluation.gross_margin_pct = company.care_gross_margin_pct
            evaluation.relationship_years = company.care_relationship_years
            evaluation.roi_increase_pct = company.care_roi_increase_pct
            evaluation.roi_keep_pct = company.care_roi_keep_pct
            evaluation.roi_stop_pct = company.care_roi_stop_pct
            evaluation.retention_lift_keep = company.care_retention_lift_keep

    # its own compute: a new field, computed on an upgrade for the evaluations already there, must not rewrite
    # the other settings of confirmed ones
    @api.depends("budget_id")
    def _compute_min_customers(self):
        for evaluation in self:
            company = evaluation.budget_id.company_id or self.env.company
            evaluation.min_customers = company.care_evaluation_min_customers

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        evaluations = super().create(vals_list)
        evaluations.budget_id._check_evaluable()
        return evaluations

    def write(self, vals):
        if not self._care_guard_bypassed():
            self._check_draft()
        res = super().write(vals)
        if "budget_id" in vals:
            self.budget_id._check_evaluable()
        if not in_workflow(self) and vals.keys() & INPUT_FIELDS:
            workflow(self)._clear_results()  # figures of other inputs must not be confirmed
        return res

    def copy_data(self, default=None):
        vals_list = super().copy_data(default)
        for vals in vals_list:  # a copy starts without results: Compute makes them
            for fname in self._result_fields():
                vals.pop(fname, None)
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        self._check_draft()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_compute(self):
        self.check_access("write")
        self._check_draft()
        self.budget_id._check_evaluable()
        for evaluation in self:
            evaluation._store_results(evaluation._gather())
        return True

    def action_confirm(self):
        self._check_draft()
        if not all(self.mapped("computed_on")):
            raise UserError(self.env._("Compute the evaluation before confirming it."))
        workflow(self).write({"state": "confirmed"})
        for evaluation in self:
            evaluation._announce_to_plan()
        return True

    def action_plan_next(self):
        self.ensure_one()
        if self.state != "confirmed":
            raise UserError(self.env._(
                "Confirm the evaluation before planning from it: its figures could still change.",
            ))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan the Next Period"),
            "res_model": "care.budget.next",
            "view_mode": "form",
            "target": "new",
            "context": {"default_evaluation_id": self.id},
        }

    def action_view_results(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_evaluation_result_action")
        action["domain"] = [("evaluation_id", "=", self.id)]
        action["display_name"] = self.name
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS: checks
    # ------------------------------------------------------------

    def _check_draft(self):
        if any(evaluation.state != "draft" for evaluation in self):
            raise UserError(self.env._(
                "A confirmed evaluation is frozen: it can neither change, be recomputed nor be deleted. "
                "Create a new evaluation instead.",
            ))

    def _care_writable_fields(self, state):
        # results come from Compute alone: nobody types an ROI in; a confirmed evaluation is frozen
        return INPUT_FIELDS if state == "draft" else set()

    def _care_create_fields(self):
        return INPUT_FIELDS

    def _result_fields(self):
        return self.env["care.evaluation.metrics"]._metric_fields() | {
            "state", "computed_on", "customers_active", "revenue_all", "revenue_all_before", "revenue_growth_all",
            "retention_all", "csat_all", "nps_all", "control_source", "cuped_theta",
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS: gathering the raw figures
    # ------------------------------------------------------------

    def _gather(self):
        """The raw figures of the period, keyed by ``(kind, key)``: ``('line', line id)``, ``('tier', tier
        id or 0)``, ``('activity', activity id)``, ``('customer', partner id)``, ``('plan', 0)``; and
        ``'company'``: the figures of all the company's customers; ``'customers'``: the rows of
        :meth:`_customer_query`, for the incremental figures. Five aggregate queries, whatever the size of
        the plan."""
        self.ensure_one()
        self.env["care.budget.report"]._flush_sources()
        for model in ("account.move", "care.feedback", "res.partner"):
            self.env[model].flush_model()
        # raw SQL reads the whole company's invoices and expenses: evaluating is a Manager's job, who
        # sees all of them (the access rules of care.evaluation say who may)
        with without_jit(self.env.cr):
            return self._gather_figures()

    def _gather_figures(self):
        """The queries of :meth:`_gather`, sources flushed."""
        ctes = self._period_ctes()
        line_tiers = {line.id: line.tier_id.id for line in self._evaluated_lines()}
        # every evaluated line gets a row, spent on or not
        raw = {key: dict(RAW_ZERO) for key in [("plan", 0)] + [("line", line_id) for line_id in line_tiers]}
        for kind, key, committed, actual in self.env.execute_query(SQL("%s %s", ctes, self._spend_query())):
            raw.setdefault((kind, key), dict(RAW_ZERO)).update(spend_committed=committed, spend_actual=actual)
        for kind, key, *figures in self.env.execute_query(SQL("%s %s", ctes, self._served_query())):
            raw.setdefault((kind, key), dict(RAW_ZERO)).update(zip(
                ["customers_served", "revenue", "revenue_before", "served_bought_before", "served_retained",
                 *FEEDBACK_RAW], figures,
            ))
        control = {
            tier_id or 0: (bought_before, retained)
            for tier_id, bought_before, retained in self.env.execute_query(SQL("%s %s", ctes, self._control_query()))
        }
        control_all = tuple(map(sum, zip(*control.values()))) or (0, 0)
        for (kind, key), figures in raw.items():
            # the control group: customers of the same tier the plan did not serve (see the metrics)
            tier_id = key if kind == "tier" else (line_tiers[key] or None) if kind == "line" else None
            bought_before, retained = control.get(tier_id, (0, 0)) if tier_id is not None else control_all
            figures.update(control_bought_before=bought_before, control_retained=retained)
        raw["customers"] = self.env.execute_query(SQL("%s %s", ctes, self._customer_query()))
        (company_row,) = self.env.execute_query(SQL("%s %s", ctes, self._company_query()))
        raw["company"] = dict(zip(
            ["customers_active", "revenue", "revenue_before", "bought_before", "retained", *FEEDBACK_RAW], company_row,
        ))
        return raw

    def _incrementality(self, rows):
        """(control source, CUPED θ, ``{(kind, key): Incrementality}``) of the served customers of each group,
        from the rows of :meth:`_customer_query` (formulas: ``incrementality``). The control group is the
        customers the plan did not serve; with holdouts, the customers held out of what the group is: of its
        activity (lines, activities) or of every activity (plan, tiers, customers)."""
        line_activities = {line.id: line.activity_type_id.id for line in self._evaluated_lines()}
        holdout = any(row[-1] for row in rows)
        customers = [incrementality.Customer(*row[1:7]) for row in rows]
        pool = [customer for customer, row in zip(customers, rows) if row[7] is not None or not holdout or row[-1]]
        cuts, theta = incrementality.revenue_cuts(pool), incrementality.cuped_theta(pool)
        served_in, controls = defaultdict(list), defaultdict(list)
        for (key, customer), row in zip(incrementality.stratified(customers, cuts), rows):
            partner_id, tier_id, line_ids, activity_ids, held_out_of = row[0], row[1], row[7], row[8], row[-1]
            if line_ids is None:
                scopes = held_out_of if holdout else [0]
                # held out of every activity (0): the control of each one too, counted once
                for scope in [0] if 0 in scopes else scopes:
                    controls[scope].append((key, customer))
                continue
            for group in [("plan", 0), ("tier", tier_id or 0), ("customer", partner_id),
                          *(("line", line_id) for line_id in line_ids),
                          *(("activity", activity_id) for activity_id in activity_ids)]:
                served_in[group].append((key, customer))
        strata = {}

        def control_of(scope):
            if scope not in strata:
                strata[scope] = incrementality.ControlStrata(controls[scope] + (controls[0] if scope else []), theta)
            return strata[scope]

        def scope_of(kind, key):
            if not holdout:
                return 0
            return key if kind == "activity" else line_activities.get(key, 0) if kind == "line" else 0

        return "holdout" if holdout else "matched", theta, {
            group: incrementality.incrementality(served, theta, control_of(scope_of(*group)))
            for group, served in served_in.items()
        }

    def _evaluated_lines(self):
        """The plan's lines whose period meets the evaluated one."""
        return self.budget_id.line_ids.filtered(
            lambda line: line.date_from <= self.date_to and line.date_to >= self.date_from
        )

    def _period_ctes(self):
        """The common table expressions of the evaluation's queries:

        - ``served_expense``: approved and posted care expenses of the evaluated lines in the period;
          customers are commercial partners throughout (a contact's expense serves its company);
        - ``start_segment``: each customer's tier and lifecycle stage at the start of the period, from the
          segment history (those after its last change up to that day, else those before its first later
          change, else those of today), for served and not-served customers alike: those who bought in
          either period, were served, or carry a segment in the company;
        - ``customer_tier``: the served customers and their tier at the start of the period;
        - ``sales``: per customer, revenue and whether it bought (a posted invoice), in the period and in
          the period before;
        - ``opinions``: per customer, CSAT sums and counts, promoters and detractors, in both periods.
        """
        before_from = self.date_from - timedelta(days=self.period_days)
        return SQL(
            """
            WITH served_expense AS MATERIALIZED (
                SELECT e.id, e.date, p.commercial_partner_id AS partner_id, e.budget_line_id, l.activity_type_id
                  FROM care_expense e
                  JOIN care_budget_line l ON l.id = e.budget_line_id
                  JOIN res_partner p ON p.id = e.partner_id
                 WHERE e.budget_line_id = ANY(%(lines)s) AND e.state IN ('approved', 'posted')
                   AND e.date BETWEEN %(date_from)s AND %(date_to)s
            ), sales AS MATERIALIZED (
                SELECT m.commercial_partner_id AS partner_id,
                       COALESCE(SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date >= %(date_from)s), 0)
                           AS revenue,
                       COALESCE(SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date < %(date_from)s), 0)
                           AS revenue_before,
                       COALESCE(BOOL_OR(m.move_type = 'out_invoice' AND m.invoice_date >= %(date_from)s), FALSE)
                           AS bought,
                       COALESCE(BOOL_OR(m.move_type = 'out_invoice' AND m.invoice_date < %(date_from)s), FALSE)
                           AS bought_before
                  FROM account_move m
                 WHERE m.company_id = %(company_id)s AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_date BETWEEN %(before_from)s AND %(date_to)s
              GROUP BY m.commercial_partner_id
            ), opinions AS MATERIALIZED (
                SELECT p.commercial_partner_id AS partner_id,
                       SUM(f.csat::int) FILTER (WHERE f.date >= %(date_from)s) AS csat_sum,
                       COUNT(f.csat) FILTER (WHERE f.date >= %(date_from)s) AS csat_count,
                       SUM(f.csat::int) FILTER (WHERE f.date < %(date_from)s) AS csat_sum_before,
                       COUNT(f.csat) FILTER (WHERE f.date < %(date_from)s) AS csat_count_before,
                       COUNT(*) FILTER (WHERE f.date >= %(date_from)s AND f.nps_category = 'promoter') AS promoters,
                       COUNT(*) FILTER (WHERE f.date >= %(date_from)s AND f.nps_category = 'detractor') AS detractors,
                       COUNT(f.nps) FILTER (WHERE f.date >= %(date_from)s) AS nps_count,
                       COUNT(*) FILTER (WHERE f.date < %(date_from)s AND f.nps_category = 'promoter')
                           AS promoters_before,
                       COUNT(*) FILTER (WHERE f.date < %(date_from)s AND f.nps_category = 'detractor')
                           AS detractors_before,
                       COUNT(f.nps) FILTER (WHERE f.date < %(date_from)s) AS nps_count_before
                  FROM care_feedback f
                  JOIN res_partner p ON p.id = f.partner_id
                 WHERE f.company_id = %(company_id)s AND f.date BETWEEN %(before_from)s AND %(date_to)s
              GROUP BY p.commercial_partner_id
            ), start_segment AS MATERIALIZED (
                SELECT c.partner_id,
                       CASE WHEN earlier.found THEN earlier.tier_id
                            WHEN later.found THEN later.tier_id
                            ELSE (p.care_tier_id ->> %(company_key)s)::int END AS tier_id,
                       CASE WHEN earlier.found THEN earlier.stage
                            WHEN later.found THEN later.stage
                            ELSE p.care_stage ->> %(company_key)s END AS stage
                  FROM (SELECT partner_id FROM sales UNION SELECT partner_id FROM served_expense
                        UNION SELECT id FROM res_partner WHERE care_stage ->> %(company_key)s IS NOT NULL) c
                  JOIN res_partner p ON p.id = c.partner_id
             LEFT JOIN LATERAL (
                        SELECT TRUE AS found, h.tier_after_id AS tier_id, h.stage_after AS stage
                          FROM care_segment_history h
                         WHERE h.company_id = %(company_id)s AND h.partner_id = c.partner_id
                           AND h.date <= %(date_from)s
                      ORDER BY h.date DESC, h.id DESC LIMIT 1
                       ) earlier ON TRUE
             LEFT JOIN LATERAL (
                        SELECT TRUE AS found, h.tier_before_id AS tier_id, h.stage_before AS stage
                          FROM care_segment_history h
                         WHERE h.company_id = %(company_id)s AND h.partner_id = c.partner_id
                           AND h.date > %(date_from)s
                      ORDER BY h.date, h.id LIMIT 1
                       ) later ON TRUE
            ), customer_tier AS MATERIALIZED (
                SELECT DISTINCT st.partner_id, st.tier_id
                  FROM start_segment st JOIN served_expense e ON e.partner_id = st.partner_id
            )
            """,
            lines=self._evaluated_lines().ids,
            date_from=self.date_from,
            date_to=self.date_to,
            before_from=before_from,
            company_id=self.company_id.id,
            company_key=str(self.company_id.id),
        )

    def _spend_query(self):
        """Committed and actual spending per line, tier (of the customer, else of the line), activity and
        customer, and for the plan: the Budget Analysis rows of the lines dated in the period."""
        lines = SQL("SELECT unnest(%s::int[])", self._evaluated_lines().ids)
        return SQL(
            """
            , spend AS (
                SELECT r.budget_line_id, r.activity_type_id, r.amount_committed, r.amount_actual,
                       customer.id AS customer_id,
                       CASE WHEN ct.partner_id IS NOT NULL THEN ct.tier_id
                            ELSE COALESCE((customer.care_tier_id ->> %(company_key)s)::int, r.tier_id) END AS tier_id
                  FROM (%(rows)s) r
             LEFT JOIN res_partner p ON p.id = r.partner_id
             LEFT JOIN res_partner customer ON customer.id = p.commercial_partner_id
             LEFT JOIN customer_tier ct ON ct.partner_id = customer.id
                 WHERE r.source != 'plan' AND r.date BETWEEN %(date_from)s AND %(date_to)s
            ), keyed AS (
                SELECT 'line' AS kind, budget_line_id AS key, amount_committed, amount_actual FROM spend
                UNION ALL SELECT 'tier', COALESCE(tier_id, 0), amount_committed, amount_actual FROM spend
                UNION ALL SELECT 'activity', activity_type_id, amount_committed, amount_actual FROM spend
                UNION ALL SELECT 'plan', 0, amount_committed, amount_actual FROM spend
                UNION ALL SELECT 'customer', customer_id, amount_committed, amount_actual FROM spend
                                                                                    WHERE customer_id IS NOT NULL
            )
            SELECT kind, key, SUM(amount_committed)::float, SUM(amount_actual)::float FROM keyed GROUP BY kind, key
            """,
            rows=self.env["care.budget.report"]._rows_query(lines),
            company_key=str(self.company_id.id),
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def _served_query(self):
        """Per line, tier, activity, customer and for the plan: the distinct customers served, their
        revenue, how many bought before and were retained, and their feedback."""
        return SQL(
            """
            , keyed AS (
                SELECT 'line' AS kind, budget_line_id AS key, partner_id FROM served_expense
                UNION SELECT 'activity', activity_type_id, partner_id FROM served_expense
                UNION SELECT 'tier', COALESCE(tier_id, 0), partner_id FROM customer_tier
                UNION SELECT 'plan', 0, partner_id FROM customer_tier
                UNION SELECT 'customer', partner_id, partner_id FROM customer_tier
            )
            SELECT k.kind, k.key, COUNT(*),
                   COALESCE(SUM(s.revenue), 0)::float, COALESCE(SUM(s.revenue_before), 0)::float,
                   COUNT(*) FILTER (WHERE s.bought_before), COUNT(*) FILTER (WHERE s.bought_before AND s.bought),
                   %(feedback)s
              FROM keyed k
         LEFT JOIN sales s ON s.partner_id = k.partner_id
         LEFT JOIN opinions o ON o.partner_id = k.partner_id
          GROUP BY k.kind, k.key
            """,
            feedback=_feedback_sums(),
        )

    def _control_query(self):
        """Per tier at the start of the period: customers not served by the plan who bought before, and who
        bought again."""
        return SQL(
            """
            SELECT st.tier_id, COUNT(*), COUNT(*) FILTER (WHERE s.bought)
              FROM sales s
              JOIN start_segment st ON st.partner_id = s.partner_id
             WHERE s.bought_before AND NOT EXISTS (SELECT 1 FROM customer_tier ct WHERE ct.partner_id = s.partner_id)
          GROUP BY 1
            """,
        )

    def _customer_query(self):
        """Per customer of ``start_segment``: its tier and stage at the start of the period, its revenue and
        whether it bought in the period before and in the period, the lines and activities that served it
        (NULL: not served), and the activities the plan's holdouts hold it out of (0: all of them)."""
        held_out = self.env["care.budget.holdout"]._fields["partner_ids"]
        return SQL(
            """
            , served AS (
                SELECT partner_id, ARRAY_AGG(DISTINCT budget_line_id) AS line_ids,
                       ARRAY_AGG(DISTINCT activity_type_id) AS activity_ids
                  FROM served_expense GROUP BY partner_id
            )
            SELECT ss.partner_id, ss.tier_id, ss.stage, COALESCE(s.revenue_before, 0)::float,
                   COALESCE(s.revenue, 0)::float, COALESCE(s.bought_before, FALSE), COALESCE(s.bought, FALSE),
                   sv.line_ids, sv.activity_ids,
                   ARRAY(SELECT COALESCE(h.activity_type_id, 0)
                           FROM %(relation)s rel JOIN care_budget_holdout h ON h.id = rel.%(holdout)s
                          WHERE h.budget_id = %(budget_id)s AND rel.%(partner)s = ss.partner_id) AS held_out_of
              FROM start_segment ss
         LEFT JOIN sales s ON s.partner_id = ss.partner_id
         LEFT JOIN served sv ON sv.partner_id = ss.partner_id
            """,
            relation=SQL.identifier(held_out.relation), holdout=SQL.identifier(held_out.column1),
            partner=SQL.identifier(held_out.column2), budget_id=self.budget_id.id,
        )

    def _company_query(self):
        """The figures of all the company's customers: active, revenue, retention, feedback."""
        return SQL(
            """
            SELECT (SELECT COUNT(*) FILTER (WHERE bought) FROM sales),
                   (SELECT COALESCE(SUM(revenue), 0)::float FROM sales),
                   (SELECT COALESCE(SUM(revenue_before), 0)::float FROM sales),
                   (SELECT COUNT(*) FILTER (WHERE bought_before) FROM sales),
                   (SELECT COUNT(*) FILTER (WHERE bought_before AND bought) FROM sales),
                   %(feedback)s
              FROM opinions o
            """,
            feedback=_feedback_sums(),
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS: storing the results
    # ------------------------------------------------------------

    def _clear_results(self):
        # result rows go in one statement: nothing refers to them, and only Compute (here) deletes them
        results = self.env["care.evaluation.result"]
        results.flush_model()
        self.env.cr.execute(SQL("DELETE FROM care_evaluation_result WHERE evaluation_id = ANY(%s)", self.ids))
        results.invalidate_model()
        self.invalidate_recordset(RESULT_LISTS)
        self.objective_result_ids.unlink()
        self.write({"computed_on": False})

    def _store_results(self, raw):
        """Write the figures of the ``raw`` groups: the result rows in one statement, whatever their number."""
        self.ensure_one()
        company = raw.pop("company")
        source, theta, by_group = self._incrementality(raw.pop("customers"))
        for key, figures in by_group.items():
            raw.setdefault(key, dict(RAW_ZERO))["incrementality"] = figures
        results = self.env["care.evaluation.result"]
        evaluation = workflow(self)
        evaluation._clear_results()
        plan = raw.pop(("plan", 0), dict(RAW_ZERO))
        # what every row shares, read once: thousands of rows (one per customer served)
        settings = EvaluationSettings.of(self)
        reasons = results._recommendation_reasons()
        common = {"evaluation_id": self.id, "company_id": self.company_id.id, "currency_id": self.currency_id.id}
        insert_rows(results, [
            {**common, "kind": kind, results._key_field(kind): key or None,
             **results._derive_metrics(figures, settings, reasons)}
            for (kind, key), figures in sorted(raw.items(), key=lambda item: (item[0][0], item[0][1]))
        ])
        self.invalidate_recordset(RESULT_LISTS)
        evaluation.write({
            **self._derive_metrics(plan, settings, reasons),
            "control_source": source,
            "cuped_theta": theta,
            "computed_on": fields.Datetime.now(),
            "customers_active": company["customers_active"],
            "revenue_all": company["revenue"],
            "revenue_all_before": company["revenue_before"],
            "revenue_growth_all": 100 * safe_ratio(company["revenue"] - company["revenue_before"],
                                               company["revenue_before"]),
            "retention_all": 100 * safe_ratio(company["retained"], company["bought_before"]),
            "csat_all": safe_ratio(company["csat_sum"], company["csat_count"]),
            "nps_all": 100 * safe_ratio(company["promoters"] - company["detractors"], company["nps_count"]),
        })
        workflow(self.env["care.evaluation.objective"]).create([
            {"evaluation_id": self.id, "objective_id": objective.id, "achieved": self._achieved(objective.kpi)}
            for objective in self.budget_id.objective_ids
        ])

    def _achieved(self, kpi):
        """What a KPI of the plan's targets reached: the whole company's customers, except the CLV growth,
        which is that of the customers served."""
        return {
            "retention_rate": self.retention_all,
            "csat": self.csat_all,
            "nps": self.nps_all,
            "clv_growth": self.revenue_uplift_pct,  # CLV is proportional to yearly revenue
            "revenue_growth": self.revenue_growth_all,
            "active_customers": self.customers_active,
        }[kpi]

    def _announce_to_plan(self):
        counts = defaultdict(int)
        for result in self.line_result_ids:
            counts[result.recommendation] += 1
        labels = dict(self._fields["recommendation"]._description_selection(self.env))
        message = self.env._(
            "Evaluation %(evaluation)s confirmed: incremental ROI %(roi)s%% (90%% interval %(low)s%% to %(high)s%%, "
            "%(evidence)s; raw ROI %(raw)s%%), incremental retention %(lift)s points; lines to %(counts)s.",
            evaluation=self.name, roi=round(self.incremental_roi, 1), low=round(self.incremental_roi_low, 1),
            high=round(self.incremental_roi_high, 1), raw=round(self.roi, 1),
            evidence=dict(self._fields["evidence"]._description_selection(self.env)).get(self.evidence, "-").lower(),
            lift=round(self.incremental_retention, 1),
            counts=", ".join(f"{labels[key].lower()}: {count}" for key, count in sorted(counts.items())) or "-",
        )
        self.budget_id.message_post(body=message)
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(self.budget_id.user_id or self.env.user).id,
            summary=self.env._("Plan the next period"),
            note=self.env._("Start the next plan from this evaluation (Plan Next Period)."),
        )


def _feedback_sums():
    return SQL(", ").join(SQL("COALESCE(SUM(%s), 0)::int", SQL.identifier("o", column)) for column in FEEDBACK_RAW)
