from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .care_guard_mixin import workflow

# What a Manager types in a plan, per state. Lines and KPI targets guard themselves (their own
# allow-lists): the plan only lets their commands through. Amounts never change once submitted; only
# logged changes move them (care.budget.change).
DRAFT_FIELDS = {
    "name", "date_from", "date_to", "user_id", "description", "objective_ids", "line_ids", "analytic_account_id",
    "reserve_amount", "reserve_percent", "holdout_ids",
}
WRITABLE_FIELDS = {
    "draft": DRAFT_FIELDS,
    "to_approve": {"line_ids"},
    "approved": {"name", "user_id", "description", "line_ids"},
}


class CareBudget(models.Model):
    """A customer care budget plan (客户维护预算) for one company and period.

    Approval goes through OCA tier validation (``_state_from`` → ``_state_to``). Once approved the
    planned amounts only move through logged changes: transfers between lines and releases of the
    contingency reserve (see ``care.budget.change``).
    """

    _name = "care.budget"
    _description = "Customer Care Budget"
    _inherit = ["care.approval.mixin"]
    _order = "date_from desc, id desc"
    _check_company_auto = True

    _state_from = ["to_approve"]
    _state_to = ["approved"]
    _cancel_state = "cancel"
    _tier_validation_manual_config = False
    _approval_activity_type = "customer_care_budget.mail_activity_care_budget_approval"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True, readonly=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="Start Date", required=True, tracking=True)
    date_to = fields.Date(string="End Date", required=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Watches the consumption of this plan and is warned when a line crosses its threshold.",
    )
    description = fields.Html(string="Objectives", help="What this plan wants to achieve, in words.")
    objective_ids = fields.One2many("care.budget.objective", "budget_id", string="KPI Targets", copy=True)
    line_ids = fields.One2many("care.budget.line", "budget_id", string="Lines", copy=True)
    holdout_ids = fields.One2many(
        "care.budget.holdout", "budget_id", string="Holdouts", copy=True,
        help="Shares of customers the plan leaves unserved at random, as the control group of its evaluations.",
    )
    change_ids = fields.One2many("care.budget.change", "budget_id", string="Changes")
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        check_company=True,
        copy=False,
        domain=lambda self: [
            ("root_plan_id", "=", self.env.ref("customer_care_budget.analytic_plan_customer_care").id),
        ],
        tracking=True,
        help="Analytic account the plan's spending is booked on; created in the Customer Care analytic "
        "plan on approval unless one is chosen.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("done", "Done"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        copy=False,
        tracking=True,
        index=True,
    )
    requested_by_id = fields.Many2one("res.users", copy=False, readonly=True)
    reserve_amount = fields.Monetary(
        string="Contingency Reserve",
        tracking=True,
        help="Money kept aside for the unexpected (预留应急资金); only released into lines by a Manager, "
        "with a reason.",
    )
    reserve_percent = fields.Float(
        string="Reserve (%)",
        compute="_compute_reserve_percent",
        inverse="_inverse_reserve_percent",
        help="The reserve as a percentage of the planned lines; setting it sets the reserve amount.",
    )
    amount_planned = fields.Monetary(
        string="Planned",
        compute="_compute_amounts",
        store=True,
        help="Sum of the lines' planned amounts, transfers and releases included.",
    )
    reserve_released = fields.Monetary(
        compute="_compute_amounts",
        store=True,
    )
    reserve_unallocated = fields.Monetary(
        string="Unallocated Reserve",
        compute="_compute_amounts",
        store=True,
        help="Reserve not yet released into lines.",
    )
    amount_total = fields.Monetary(
        string="Total Budget",
        compute="_compute_amounts",
        store=True,
        help="Planned lines plus the unallocated reserve: transfers and releases never change it.",
    )
    evaluation_ids = fields.One2many("care.evaluation", "budget_id", string="Evaluations")
    evaluation_count = fields.Integer(compute="_compute_evaluation_count")
    source_evaluation_id = fields.Many2one(
        "care.evaluation",
        string="Planned From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The evaluation of the previous plan this plan was made from (Plan Next Period).",
    )
    line_count = fields.Integer(compute="_compute_line_count")
    expense_count = fields.Integer(compute="_compute_expense_count")
    amount_committed = fields.Monetary(
        string="Committed",
        compute="_compute_consumption",
        help="Approved expenses not yet posted, on all lines.",
    )
    amount_actual = fields.Monetary(
        string="Actual",
        compute="_compute_consumption",
        help="Posted expenses and journal items booked on the plan's analytic account, on all lines.",
    )
    amount_available = fields.Monetary(
        string="Available",
        compute="_compute_consumption",
        help="Planned lines minus committed minus actual (the unallocated reserve is not included).",
    )
    consumption = fields.Float(string="Consumption (%)", compute="_compute_consumption")

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _dates_ordered = models.Constraint(
        "CHECK(date_from <= date_to)", "The start date of a budget must not be after its end date.",
    )
    _reserve_positive = models.Constraint(
        "CHECK(reserve_amount >= 0)", "The contingency reserve cannot be negative.",
    )

    @api.constrains("analytic_account_id", "state")
    def _check_analytic_account(self):
        plan = self.env.ref("customer_care_budget.analytic_plan_customer_care")
        for budget in self.filtered("analytic_account_id"):
            # sudo: the clash may be with a plan of a company the user does not see
            twin = self.sudo().search([
                ("id", "!=", budget.id), ("analytic_account_id", "=", budget.analytic_account_id.id),
                ("state", "!=", "cancel"),
            ], limit=1)
            if twin and budget.state != "cancel":
                raise ValidationError(self.env._(
                    "%(budget)s and %(other)s cannot share the analytic account %(account)s: its journal items "
                    "would count twice.",
                    budget=budget.name, other=twin.name, account=budget.analytic_account_id.display_name,
                ))
            if budget.analytic_account_id.root_plan_id != plan:
                raise ValidationError(self.env._(
                    "The analytic account of %(budget)s must belong to the %(plan)s analytic plan: its journal "
                    "items are what the budget counts.",
                    budget=budget.name, plan=plan.name,
                ))

    @api.constrains("reserve_amount", "line_ids")
    def _check_reserve(self):
        for budget in self:
            if budget.reserve_amount > budget.amount_planned + budget.reserve_released:
                raise ValidationError(self.env._(
                    "The contingency reserve (%(reserve)s) of %(budget)s cannot exceed the planned lines "
                    "(%(planned)s).",
                    reserve=budget.currency_id.format(budget.reserve_amount),
                    budget=budget.name,
                    planned=budget.currency_id.format(budget.amount_planned - budget.reserve_released),
                ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("reserve_amount", "amount_planned")
    def _compute_reserve_percent(self):
        for budget in self:
            base = budget.amount_planned - budget.reserve_released
            budget.reserve_percent = 100 * budget.reserve_amount / base if base else 0.0

    def _inverse_reserve_percent(self):
        for budget in self:
            base = budget.amount_planned - budget.reserve_released
            budget.reserve_amount = budget.currency_id.round(base * budget.reserve_percent / 100)

    @api.depends("line_ids.amount_planned", "reserve_amount", "change_ids.amount", "change_ids.change_type")
    def _compute_amounts(self):
        for budget in self:
            released = sum(budget.change_ids.filtered(lambda change: change.change_type == "release").mapped("amount"))
            budget.amount_planned = sum(budget.line_ids.mapped("amount_planned"))
            budget.reserve_released = released
            budget.reserve_unallocated = budget.reserve_amount - released
            budget.amount_total = budget.amount_planned + budget.reserve_unallocated

    def _compute_line_count(self):
        counts = dict(self.env["care.budget.line"]._read_group(
            [("budget_id", "in", self.ids)], ["budget_id"], ["__count"],
        ))
        for budget in self:
            budget.line_count = counts.get(budget, 0)

    def _compute_evaluation_count(self):
        counts = dict(self.env["care.evaluation"]._read_group(
            [("budget_id", "in", self.ids)], ["budget_id"], ["__count"],
        ))
        for budget in self:
            budget.evaluation_count = counts.get(budget, 0)

    def _compute_expense_count(self):
        counts = dict(self.env["care.expense"]._read_group(
            [("budget_id", "in", self.ids)], ["budget_id"], ["__count"],
        ))
        for budget in self:
            budget.expense_count = counts.get(budget, 0)

    def _compute_consumption(self):
        self.env["care.budget.report"]._assign_consumption(self, "budget_id")

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        if any(budget.state not in ("draft", "cancel") for budget in self):
            raise UserError(self.env._("Only draft or cancelled budgets can be deleted; cancel it first."))
        self.evaluation_ids._check_draft()  # a confirmed evaluation is kept, with its plan

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_submit(self):
        self._check_can_submit()
        workflow(self).write({"state": "to_approve", "requested_by_id": self.env.uid})
        self._request_approval()

    def action_cancel(self):
        self._check_state(("draft", "to_approve", "approved"), self.env._("This budget cannot be cancelled."))
        spent = self.filtered(lambda budget: budget.amount_committed or budget.amount_actual)
        if spent:
            raise UserError(self.env._(
                "%(budget)s has approved or posted spending: close it instead of cancelling it.",
                budget=spent[0].name,
            ))
        self.activity_unlink([self._approval_activity_type])
        workflow(self).with_context(skip_validation_check=True).write({"state": "cancel"})

    def action_done(self):
        self._check_state("approved", self.env._("Only an approved budget can be closed."))
        workflow(self).write({"state": "done"})

    def action_open_change(self):
        self.ensure_one()
        self._check_state("approved", self.env._("Amounts can only be moved on an approved budget."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Move Budget"),
            "res_model": "care.budget.change",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_budget_id": self.id,
                "default_change_type": self.env.context.get("change_type", "transfer"),
            },
        }

    def action_view_expenses(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_expense_action_all")
        action["domain"] = [("budget_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_evaluate(self):
        """A new evaluation of the plan over its period, computed and opened."""
        self.ensure_one()
        evaluation = self.env["care.evaluation"].create({"budget_id": self.id})
        evaluation.action_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": "care.evaluation",
            "res_id": evaluation.id,
            "view_mode": "form",
        }

    def action_view_evaluations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_evaluation_action")
        action["domain"] = [("budget_id", "=", self.id)]
        action["context"] = {"default_budget_id": self.id}
        return action

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.care_budget_line_action")
        action["domain"] = [("budget_id", "=", self.id)]
        action["context"] = {"default_budget_id": self.id}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _care_writable_fields(self, state):
        return WRITABLE_FIELDS.get(state, set())

    def _care_create_fields(self):
        return DRAFT_FIELDS | {"company_id"}

    def _care_requester(self):
        return self.requested_by_id

    def _check_can_submit(self):
        self._check_state("draft", self.env._("Only a draft budget can be submitted."))
        for budget in self:
            if not budget.objective_ids:
                raise UserError(self.env._("Add at least one KPI target to %(budget)s before submitting it.",
                                           budget=budget.name))
            if not budget.line_ids:
                raise UserError(self.env._("Add budget lines to %(budget)s before submitting it.", budget=budget.name))
            budget.line_ids._check_dates_inside_budget()

    def _check_evaluable(self):
        for budget in self:
            if budget.state not in ("approved", "done"):
                raise UserError(self.env._(
                    "Only an approved or closed plan can be evaluated; %(budget)s is %(state)s.",
                    budget=budget.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[budget.state],
                ))

    def _approval_activity_note(self):
        return self.env._("Please review the budget %(budget)s.", budget=self.name)

    def _do_approve(self):
        # need_validation has no dependencies in base_tier_validation: drop the value cached at submission
        self.invalidate_recordset(["need_validation"])
        for budget in self.filtered(lambda budget: budget.state == "to_approve"):
            workflow(budget).write({
                "state": "approved",
                "analytic_account_id": (budget.analytic_account_id or budget._create_analytic_account()).id,
            })
            budget._pick_holdouts()
        self._sync_approval_activities()

    def _pick_holdouts(self):
        """Pick the holdout customers of an approved plan, and say whom in its chatter."""
        self.ensure_one()
        if not self.holdout_ids:
            return
        self.holdout_ids._pick()
        self.message_post(body=self.env._(
            "Holdouts picked at random: %(holdouts)s.",
            holdouts=", ".join(
                self.env._("%(holdout)s: %(count)s customers (seed %(seed)s)", holdout=holdout.display_name,
                           count=holdout.customer_count, seed=holdout.seed)
                for holdout in self.holdout_ids
            ),
        ))

    def _lock_reserve(self):
        """Write the plans' rows before their reserve is checked, so that two concurrent releases cannot
        both take its last money (the reasoning of ``care.budget.line._lock_for_consumption``)."""
        if self:
            self.env.cr.execute(SQL(
                "UPDATE care_budget SET reserve_amount = reserve_amount WHERE id IN %s", tuple(sorted(self.ids)),
            ))

    def _reserve_left(self):
        """The reserve not yet released, from the change log: reserve − the releases logged."""
        self.ensure_one()
        self.env["care.budget.change"].flush_model()
        self.flush_recordset(["reserve_amount"])
        (left,) = self.env.execute_query(SQL(
            """
            SELECT b.reserve_amount - COALESCE(SUM(c.amount) FILTER (WHERE c.change_type = 'release'), 0)
              FROM care_budget b
         LEFT JOIN care_budget_change c ON c.budget_id = b.id
             WHERE b.id = %s
          GROUP BY b.id
            """,
            self.id,
        ))[0]
        return float(left or 0.0)

    def _create_analytic_account(self):
        self.ensure_one()
        # sudo: the approving Care Manager need not hold accounting rights to open the plan's account
        return self.env["account.analytic.account"].sudo().create({
            "name": self.name,
            "plan_id": self.env.ref("customer_care_budget.analytic_plan_customer_care").id,
            "company_id": self.company_id.id,
        })
