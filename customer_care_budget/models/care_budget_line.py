from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import calendar_periods, format_period, split_amount
from .care_guard_mixin import given_values

# What a Manager types in a line of a draft plan; once the plan is submitted only its notes and warning
# threshold change, and money moves through logged changes.
DRAFT_FIELDS = {
    "activity_type_id", "tier_id", "partner_id", "date_from", "date_to", "amount_original", "warning_threshold",
    "notes",
}
LOCKED_WRITABLE_FIELDS = {"notes", "warning_threshold"}


class CareBudgetLine(models.Model):
    """A budget line (预算明细): an amount for one activity, tier or key account, and period."""

    _name = "care.budget.line"
    _description = "Customer Care Budget Line"
    _inherit = ["care.guard.mixin"]
    _care_positive_fields = ("amount_original",)
    _order = "budget_id, date_from, activity_type_id, tier_id, id"
    _check_company_auto = True
    _rec_names_search = ["activity_type_id", "tier_id", "partner_id"]

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    budget_id = fields.Many2one("care.budget", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="budget_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="budget_id.currency_id")
    state = fields.Selection(related="budget_id.state", string="Budget State")
    activity_type_id = fields.Many2one("care.activity.type", required=True, check_company=True, index=True)
    tier_id = fields.Many2one("care.tier", check_company=True, index=True, help="Leave empty for every tier.")
    partner_id = fields.Many2one(
        "res.partner",
        string="Key Account",
        index="btree_not_null",
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
        help="A named customer this line is reserved for.",
    )
    segment = fields.Char(
        compute="_compute_segment", help="Whom the line is for: its key account, else its tier, else all tiers.",
    )
    date_from = fields.Date(string="Start Date", required=True)
    date_to = fields.Date(string="End Date", required=True)
    period_name = fields.Char(
        string="Period", compute="_compute_period_name",
        help="The month, quarter or year of the line, else its first and last days.",
    )
    amount_original = fields.Monetary(
        string="Planned",
        required=True,
        help="The amount planned before approval; locked once the budget is submitted.",
    )
    amount_planned = fields.Monetary(
        string="Revised",
        compute="_compute_amount_planned",
        store=True,
        help="Planned amount plus transfers and reserve releases since approval.",
    )
    cost_behaviour = fields.Selection(related="activity_type_id.cost_behaviour", store=True, string="Cost Behaviour")
    warning_threshold = fields.Float(
        string="Warning at (%)",
        default=lambda self: self.env.company.care_warning_threshold,
        help="Consumption percentage at which the plan's responsible is warned.",
    )
    notes = fields.Text()
    amount_committed = fields.Monetary(
        string="Committed",
        compute="_compute_consumption",
        help="Approved expenses not yet posted (已承诺), in company currency.",
    )
    amount_actual = fields.Monetary(
        string="Actual",
        compute="_compute_consumption",
        help="Posted expenses, plus vendor bills and journal items booked on the plan's analytic account "
        "with the expense account of this line's activity, dated in the line's period (the analytic share "
        "only). Journal items that come from care expenses count once, through their expense.",
    )
    amount_available = fields.Monetary(
        string="Available",
        compute="_compute_consumption",
        help="Revised amount minus committed minus actual.",
    )
    consumption = fields.Float(
        string="Consumption (%)",
        compute="_compute_consumption",
        help="(Committed + actual) / revised amount (预算执行率).",
    )
    consumption_version = fields.Integer(
        readonly=True,
        required=True,
        default=0,
        copy=False,
        help="Bumped by every approval or budget change that consumes this line, before it checks the "
        "room left: two concurrent transactions on the same line then conflict and one is retried on "
        "fresh data, so they cannot both spend the last of it.",
    )
    warning_sent = fields.Boolean(
        readonly=True,
        copy=False,
        help="The plan's responsible was warned that this line crossed its threshold; cleared when the "
        "consumption falls below it again, so each crossing warns once.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _amount_positive = models.Constraint(
        "CHECK(amount_original > 0)", "The planned amount of a budget line must be positive.",
    )
    _dates_ordered = models.Constraint(
        "CHECK(date_from <= date_to)", "The start date of a budget line must not be after its end date.",
    )
    _warning_threshold_range = models.Constraint(
        "CHECK(warning_threshold > 0 AND warning_threshold <= 100)",
        "The warning threshold must lie between 0 and 100 %.",
    )

    @api.constrains("date_from", "date_to", "budget_id")
    def _check_dates_inside_budget(self):
        for line in self:
            budget = line.budget_id
            if line.date_from < budget.date_from or line.date_to > budget.date_to:
                raise ValidationError(self.env._(
                    "The line %(line)s lies outside the budget period, %(period)s.",
                    line=line.display_name, period=format_period(self.env, budget.date_from, budget.date_to),
                ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("tier_id", "partner_id")
    @api.depends_context("lang")
    def _compute_segment(self):
        for line in self:
            line.segment = line.partner_id.name or line.tier_id.name or self.env._("All tiers")

    @api.depends("date_from", "date_to")
    @api.depends_context("lang")
    def _compute_period_name(self):
        for line in self:
            line.period_name = format_period(self.env, line.date_from, line.date_to) \
                if line.date_from and line.date_to else False

    @api.depends("activity_type_id", "segment", "period_name")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for line in self:
            line.display_name = " / ".join(filter(None, [line.activity_type_id.name, line.segment, line.period_name]))

    @api.depends("amount_original", "budget_id.change_ids.amount")
    def _compute_amount_planned(self):
        moved = defaultdict(float)
        for change in self.budget_id.change_ids:
            moved[change.line_to_id] += change.amount
            moved[change.line_from_id] -= change.amount
        for line in self:
            line.amount_planned = line.amount_original + moved[line]

    def _compute_consumption(self):
        self.env["care.budget.report"]._assign_consumption(self, "budget_line_id")

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        budgets = self.env["care.budget"].browse([given_values(self, vals).get("budget_id") for vals in vals_list])
        budgets._check_state("draft", self.env._("Lines can only be added to a draft budget."))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        self.budget_id._check_state("draft", self.env._("Lines of a submitted budget cannot be deleted."))

    # ------------------------------------------------------------
    # BUSINESS METHODS: what a user may write
    # ------------------------------------------------------------

    def _care_initial_state(self):
        return "draft"

    def _care_writable_fields(self, state):
        return DRAFT_FIELDS if state == "draft" else LOCKED_WRITABLE_FIELDS

    def _care_create_fields(self):
        return DRAFT_FIELDS | {"budget_id"}

    # ------------------------------------------------------------
    # BUSINESS METHODS: consumption
    # ------------------------------------------------------------

    def _available_from_log(self):
        """{line id: available} from the truth: planned + the changes logged − committed − actual."""
        self.env["care.budget.change"].flush_model()
        self.flush_recordset(["amount_original"])
        revised = dict(self.env.execute_query(SQL(
            """
            SELECT l.id, l.amount_original
                   + COALESCE(SUM(c.amount) FILTER (WHERE c.line_to_id = l.id), 0)
                   - COALESCE(SUM(c.amount) FILTER (WHERE c.line_from_id = l.id), 0)
              FROM care_budget_line l
         LEFT JOIN care_budget_change c ON l.id IN (c.line_to_id, c.line_from_id)
             WHERE l.id = ANY(%s)
          GROUP BY l.id
            """,
            self.ids,
        )))
        self.invalidate_recordset(["amount_committed", "amount_actual"])
        return {line.id: float(revised[line.id]) - line.amount_committed - line.amount_actual for line in self}

    def _lock_for_consumption(self):
        """Write the lines' rows before their room is checked. Odoo runs transactions at REPEATABLE
        READ: a mere SELECT ... FOR UPDATE would let a second approval check a stale snapshot, while
        an UPDATE of a row another transaction changed since fails with a serialization error, and
        Odoo retries the whole request on fresh data."""
        if not self:
            return
        self.env.cr.execute(SQL(
            "UPDATE care_budget_line SET consumption_version = consumption_version + 1 WHERE id IN %s",
            tuple(sorted(self.ids)),
        ))
        self.invalidate_recordset(["consumption_version", "amount_committed", "amount_actual", "amount_available",
                                   "consumption"])

    def _update_warning(self):
        """Warn the plan's responsible once each time a line crosses its warning threshold."""
        self.invalidate_recordset(["amount_committed", "amount_actual", "amount_available", "consumption"])
        # sudo: whoever moved the consumption (a requester, an accountant) warns the responsible on a
        # plan they may only read; the flag records that notification, not a change of the plan
        for line in self.sudo():
            crossed = line.consumption >= line.warning_threshold
            if crossed and not line.warning_sent:
                line._send_warning()
            if crossed != line.warning_sent:
                line.warning_sent = crossed

    @api.model
    def _suggest_for_customers(self, partners, on_date):
        """{partner: line} to spend on each customer on ``on_date``: in the approved plans of the
        current company, the customer's key-account line with the most money left, else the line with
        the most money left among those for the customer's tier or for every tier."""
        lines = self.search([
            ("budget_id.state", "=", "approved"),
            ("company_id", "=", self.env.company.id),
            ("date_from", "<=", on_date),
            ("date_to", ">=", on_date),
        ])
        suggestions = {}
        for partner in partners:
            tier = partner.with_company(self.env.company).care_tier_id
            own = lines.filtered(lambda line, partner=partner: line.partner_id == partner)
            shared = lines.filtered(
                lambda line, tier=tier: not line.partner_id and (not line.tier_id or line.tier_id == tier),
            )
            with_room = own.filtered(lambda line: line.amount_available > 0) or shared
            suggestions[partner] = with_room.sorted("amount_available", reverse=True)[:1]
        return suggestions

    def _send_warning(self):
        budget = self.budget_id
        message = self.env._(
            "The budget line %(line)s reached %(consumption)s%% of its %(planned)s (warning at %(threshold)s%%): "
            "%(available)s left.",
            line=self.display_name,
            consumption=round(self.consumption, 1),
            planned=self.currency_id.format(self.amount_planned),
            threshold=round(self.warning_threshold, 1),
            available=self.currency_id.format(self.amount_available),
        )
        budget.message_post(body=message)
        budget.activity_schedule(
            "customer_care_budget.mail_activity_care_budget_warning",
            user_id=budget.user_id.id or self.env.uid,
            note=message,
        )

    # ------------------------------------------------------------
    # ACTIONS: planning helpers
    # ------------------------------------------------------------

    def action_split_by_month(self):
        return self._split(months=1)

    def action_split_by_quarter(self):
        return self._split(months=3)

    def _split(self, months):
        """Replace each line by one line per period, the amount spread evenly (cents conserved)."""
        self.budget_id._check_state("draft", self.env._("Only lines of a draft budget can be split."))
        new_lines = self.browse()
        for line in self:
            periods = calendar_periods(line.date_from, line.date_to, months)
            amounts = split_amount(line.amount_original, [1] * len(periods), line.currency_id)
            new_lines |= self.create([
                dict(line.copy_data()[0], date_from=start, date_to=end, amount_original=amount)
                for (start, end), amount in zip(periods, amounts)
            ])
        self.unlink()
        return new_lines

