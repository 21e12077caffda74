from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from ..tools import format_period
from .care_guard_mixin import given_values, in_workflow, record_ids, workflow
from .res_partner import CARE_STAGES

# What a user types in a draft expense. Once it is submitted nothing changes but through its actions:
# what was approved is what gets posted. Everything else (reference, company amount, plan, segment,
# decisions, bills, payment) is set by the application.
DRAFT_FIELDS = {
    "date", "user_id", "partner_id", "care_activity_type_id", "budget_line_id", "amount", "currency_id",
    "purpose", "attendees", "payee_type", "vendor_id", "attachment_ids", "recipient_ids", "person_count",
    "justification",
}
# Lifecycle stages whose expenses always need a Customer Care Manager among the approvers.
MANAGER_STAGES = ("lost", "prospect")
# A Manager's confirmation, and what it was given on: changing that asks for a new one.
CONFIRMATION_BASIS = {
    ("holdout_reason", "holdout_user_id"): {"partner_id", "care_activity_type_id", "date"},
    ("duplicate_reason", "duplicate_user_id"): {"user_id", "partner_id", "currency_id", "amount", "date"},
}
# Context key of a new expense form opened from receipts dropped on the kanban: their attachment ids.
RECEIPTS_KEY = "care_receipt_ids"
# Payment states of the bill, as the expense shows them.
PAYMENT_STATUS = {"paid": "paid", "in_payment": "paid", "partial": "partial"}


class CareExpense(models.Model):
    """A customer care expense (客户维护费用): money spent on one customer for one activity.

    draft → submitted → approved → posted (a vendor bill), plus rejected and cancelled. Policy rules
    (``_policy_*``) run on submission and again on approval; the budget line is locked and checked
    when the last approval lands (:meth:`_do_approve`).
    """

    _name = "care.expense"
    _description = "Customer Care Expense"
    _inherit = ["care.approval.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    _state_from = ["submitted"]
    _state_to = ["approved"]
    _cancel_state = "cancelled"
    _tier_validation_manual_config = False
    _approval_activity_type = "customer_care_budget.mail_activity_care_expense_approval"
    _rejected_state = "rejected"
    _care_positive_fields = ("amount",)

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(
        string="Reference", compute="_compute_name", store=True, readonly=True, copy=False, index="trigram",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True, readonly=True,
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("posted", "Posted"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        copy=False,
        tracking=True,
        index=True,
    )
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Requester",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        index=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
    )
    customer_tier_id = fields.Many2one(
        "care.tier",
        compute="_compute_customer_segment",
        store=True,
        copy=False,
        index=True,
        help="The customer's tier, frozen when the expense is submitted: evaluations see the segment the "
        "money was spent on, whatever the customer became later.",
    )
    customer_stage = fields.Selection(
        CARE_STAGES,
        compute="_compute_customer_segment",
        store=True,
        copy=False,
        help="The customer's lifecycle stage, frozen when the expense is submitted.",
    )
    care_activity_type_id = fields.Many2one("care.activity.type", string="Activity", required=True, check_company=True)
    budget_line_id = fields.Many2one(
        "care.budget.line",
        compute="_compute_budget_line_id",
        store=True,
        readonly=False,
        check_company=True,
        index=True,
        tracking=True,
        domain="[('budget_id.state', '=', 'approved'), ('company_id', '=', company_id)]",
        help="Matched automatically: in the approved plan whose period holds the date, the line of this "
        "activity for this customer, else for the customer's tier, else for every tier. A Manager may "
        "choose another line of the same plan.",
    )
    budget_id = fields.Many2one(related="budget_line_id.budget_id", store=True, index=True, string="Budget")
    budget_user_id = fields.Many2one(
        related="budget_line_id.budget_id.user_id", string="Budget Responsible",
        help="Approves over-budget overrides.",
    )
    purpose = fields.Text(required=True, help="What the money is for (用途明确).")
    attendees = fields.Char(help="Who took part, on both sides.")
    recipient_ids = fields.Many2many(
        "res.partner", "care_expense_recipient_rel", "expense_id", "partner_id", string="Recipients",
        domain="['|', ('commercial_partner_id', '=', partner_id), ('user_ids.share', '=', False)]",
        help="Who receives the gift or attends (受礼人): contacts of the customer, and the company's own people. "
        "Each gets a row of the gifts & hospitality register.",
    )
    person_count = fields.Integer(
        string="Persons", compute="_compute_person_count", store=True, readonly=False, precompute=True,
        help="How many persons the expense is for, on both sides (at least its recipients): the value per person "
        "divides by it.",
    )
    amount_per_person = fields.Monetary(
        string="Value per Person", currency_field="company_currency_id", compute="_compute_amount_per_person",
        store=True, help="Amount in company currency / persons: what each recipient received.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        domain="[('active', '=', True)]",
    )
    amount = fields.Monetary(required=True, tracking=True)
    amount_company = fields.Monetary(
        string="Amount in Company Currency",
        currency_field="company_currency_id",
        compute="_compute_amount_company",
        store=True,
        help="The amount converted at the rate of the expense date: every budget figure uses it.",
    )
    attachment_ids = fields.One2many(
        "ir.attachment", "res_id", domain=[("res_model", "=", "care.expense")], string="Receipts",
    )
    receipt_count = fields.Integer(compute="_compute_receipt_count")
    payee_type = fields.Selection(
        [("employee", "Employee (reimbursement)"), ("vendor", "Vendor")],
        string="Paid to",
        required=True,
        default="employee",
        help="Employee: the requester paid and is reimbursed. Vendor: the supplier is paid directly.",
    )
    vendor_id = fields.Many2one("res.partner", check_company=True)
    payee_id = fields.Many2one("res.partner", compute="_compute_payee_id")
    move_id = fields.Many2one("account.move", string="Vendor Bill", readonly=True, copy=False, index="btree_not_null")
    reversal_move_id = fields.Many2one("account.move", string="Credit Note", readonly=True, copy=False)
    payment_status = fields.Selection(
        [("not_paid", "Not Paid"), ("partial", "Partially Paid"), ("paid", "Paid")],
        compute="_compute_payment_status",
        store=True,
        help="Follows the payment of the vendor bill in accounting.",
    )
    budget_available = fields.Monetary(
        string="Available on Line",
        related="budget_line_id.amount_available",
        currency_field="company_currency_id",
    )
    override_reason = fields.Text(
        string="Over-Budget Reason",
        readonly=True,
        copy=False,
        tracking=True,
        help="Set by a Manager who lets this expense go over its budget line; shown in the reports.",
    )
    override_user_id = fields.Many2one("res.users", string="Override By", readonly=True, copy=False)
    duplicate_reason = fields.Text(
        readonly=True,
        copy=False,
        tracking=True,
        help="Why a Manager accepted an expense that looks like another one (same requester, customer "
        "and amount within a day).",
    )
    duplicate_user_id = fields.Many2one("res.users", string="Duplicate Confirmed By", readonly=True, copy=False)
    holdout_id = fields.Many2one(
        "care.budget.holdout",
        string="Held Out By",
        compute="_compute_holdout_id",
        help="The holdout of a running plan that keeps this customer unserved (by this activity) as the control "
        "group of its evaluations: a Manager must confirm an expense on it with a reason.",
    )
    holdout_reason = fields.Text(
        readonly=True,
        copy=False,
        tracking=True,
        help="Why a Manager let care money reach a customer a plan holds out as its control group.",
    )
    holdout_user_id = fields.Many2one("res.users", string="Holdout Confirmed By", readonly=True, copy=False)
    justification = fields.Text(
        string="Policy Justification",
        tracking=True,
        help="Why the expense is right although a spending rule warns about it: required to submit it then, and "
        "read by every reviewer.",
    )
    policy_warning = fields.Text(
        string="Policy Warnings",
        readonly=True,
        copy=False,
        help="What the spending rules that only warn found when the expense was submitted, with the numbers: the "
        "justification answers them.",
    )
    warned_rule_ids = fields.Many2many(
        "care.expense.rule", "care_expense_warned_rule_rel", "expense_id", "rule_id", string="Warned By",
        readonly=True, copy=False,
        help="The spending rules that warned when the expense was submitted: its justification answers them.",
    )
    date_submitted = fields.Date(
        string="Submitted On", readonly=True, copy=False, help="When the expense was last submitted.",
    )
    official_recipient = fields.Boolean(
        string="Public Official Recipient",
        compute="_compute_official_recipient",
        store=True,
        copy=False,
        index=True,
        help="A recipient is a public official or sensitive (as the contact's flag or the settings' tags say), "
        "frozen at submission: the expense then needs the compliance approval level.",
    )
    shared_receipt = fields.Boolean(
        string="Receipt Used Elsewhere",
        compute="_compute_shared_receipt",
        search="_search_shared_receipt",
        help="A receipt of this expense has the same content as a receipt of another submitted, approved or posted "
        "expense of the company.",
    )
    twin_id = fields.Many2one(
        "care.expense",
        string="Possible Duplicate",
        compute="_compute_twin_id",
        help="A submitted, approved or posted expense of the same requester for the same customer and amount, "
        "dated within a day of this one.",
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _amount_positive = models.Constraint("CHECK(amount > 0)", "The amount of an expense must be positive.")
    _person_count_positive = models.Constraint(
        "CHECK(person_count >= 1)", "An expense is for at least one person.",
    )

    @api.constrains("recipient_ids", "person_count", "partner_id")
    def _check_recipients(self):
        for expense in self:
            strangers = expense.recipient_ids.filtered(
                lambda person, expense=expense: person.commercial_partner_id != expense.partner_id.commercial_partner_id
                and not person.sudo().user_ids.filtered(lambda user: not user.share)  # sudo: users of other partners
            )
            if strangers:
                raise ValidationError(self.env._(
                    "The recipients of %(expense)s must be contacts of %(customer)s or our own people, not "
                    "%(strangers)s.",
                    expense=expense.name, customer=expense.partner_id.name,
                    strangers=", ".join(strangers.mapped("name")),
                ))
            if expense.person_count < len(expense.recipient_ids):
                raise ValidationError(self.env._(
                    "%(expense)s names %(recipients)s recipients for %(persons)s persons: count every recipient.",
                    expense=expense.name, recipients=len(expense.recipient_ids), persons=expense.person_count,
                ))

    @api.constrains("currency_id")
    def _check_currency_active(self):
        for expense in self.filtered(lambda exp: not exp.currency_id.active):
            raise ValidationError(self.env._(
                "The currency %(currency)s is not active: expenses are recorded in active currencies only.",
                currency=expense.currency_id.name,
            ))

    @api.constrains("payee_type", "vendor_id")
    def _check_vendor(self):
        if any(expense.payee_type == "vendor" and not expense.vendor_id for expense in self):
            raise ValidationError(self.env._("Choose the vendor to pay."))

    @api.constrains("budget_line_id", "date", "partner_id", "care_activity_type_id")
    def _check_budget_line(self):
        """The line of an expense is the matched one; a Manager may pick another line of the plan
        that covers the date."""
        is_manager = self.env.user.has_group("customer_care_budget.group_care_manager")
        drafts = self.filtered(lambda exp: exp.budget_line_id and exp.state == "draft")
        candidates = drafts._candidate_lines()
        for expense in drafts:
            line, match = expense.budget_line_id, expense._match_budget_line(candidates)
            if line == match:
                continue
            budget = line.budget_id
            if not is_manager:
                raise ValidationError(self.env._(
                    "Only a Customer Care Manager can book %(expense)s on another line than %(match)s.",
                    expense=expense.display_name, match=match.display_name or self.env._("the matched line"),
                ))
            if budget.state != "approved" or (match and budget != match.budget_id):
                raise ValidationError(self.env._(
                    "The line %(line)s belongs to %(budget)s: choose a line of the approved plan covering %(date)s.",
                    line=line.display_name, budget=budget.name, date=format_date(self.env, expense.date),
                ))
            if not line.date_from <= expense.date <= line.date_to:
                raise ValidationError(self.env._(
                    "The line %(line)s runs %(period)s: it cannot hold an expense of %(date)s.",
                    line=line.display_name, period=format_period(self.env, line.date_from, line.date_to),
                    date=format_date(self.env, expense.date),
                ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("company_id")
    def _compute_name(self):
        for expense in self.filtered(lambda exp: not exp.name):
            if not isinstance(expense.id, int):  # an unsaved form: its number is drawn when it is saved
                expense.name = self.env._("New Expense")
                continue
            expense.name = self.env["ir.sequence"].with_company(expense.company_id).next_by_code(
                "care.expense", sequence_date=expense.date,
            ) or "/"

    @api.depends("partner_id", "company_id")
    def _compute_customer_segment(self):
        # a draft shows the customer's segment of today (submission copies it again); the others keep theirs
        for expense in self.filtered(lambda exp: exp.state == "draft"):
            expense.customer_tier_id, expense.customer_stage = expense._customer_segment()

    @api.depends("date", "partner_id", "care_activity_type_id", "company_id")
    def _compute_budget_line_id(self):
        drafts = self.filtered(lambda exp: exp.state == "draft")
        candidates = drafts._candidate_lines()
        for expense in drafts:
            expense.budget_line_id = expense._match_budget_line(candidates)

    @api.depends("amount", "currency_id", "date", "company_id")
    def _compute_amount_company(self):
        for expense in self:
            expense.amount_company = expense.currency_id._convert(
                expense.amount, expense.company_currency_id, expense.company_id,
                expense.date or fields.Date.context_today(expense),
            ) if expense.currency_id else 0.0

    def _compute_receipt_count(self):
        counts = dict(self.env["ir.attachment"]._read_group(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)], ["res_id"], ["__count"],
        ))
        for expense in self:
            expense.receipt_count = counts.get(expense.id, 0)

    @api.depends("payee_type", "user_id", "vendor_id")
    def _compute_payee_id(self):
        for expense in self:
            expense.payee_id = expense.vendor_id if expense.payee_type == "vendor" else expense.user_id.partner_id

    @api.depends("move_id.payment_state")
    def _compute_payment_status(self):
        for expense in self:
            expense.payment_status = PAYMENT_STATUS.get(expense.move_id.payment_state, "not_paid")

    @api.depends("recipient_ids")
    def _compute_person_count(self):
        for expense in self:
            expense.person_count = max(len(expense.recipient_ids), expense.person_count or 1)

    @api.depends("amount_company", "person_count")
    def _compute_amount_per_person(self):
        for expense in self:
            expense.amount_per_person = expense.amount_company / max(expense.person_count, 1)

    @api.depends("partner_id", "care_activity_type_id", "date", "company_id")
    def _compute_holdout_id(self):
        for expense in self:
            expense.holdout_id = expense._find_holdout()

    @api.depends("recipient_ids", "recipient_ids.care_public_official", "recipient_ids.category_id", "company_id")
    def _compute_official_recipient(self):
        # a draft follows its recipients; submission freezes the flag (see _copy_customer_segment)
        for expense in self:
            expense.official_recipient = expense._has_official_recipient() if expense.state == "draft" \
                else expense._origin.official_recipient

    def _compute_shared_receipt(self):
        shared = {mine for mine, _other in self._receipt_pairs(self._origin.ids)}
        for expense in self:
            expense.shared_receipt = expense._origin.id in shared

    def _search_shared_receipt(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        shared = {mine for mine, _other in self._receipt_pairs()}
        return Domain("id", "in" if (operator == "=") == value else "not in", list(shared))

    def _receipt_pairs(self, among=None):
        """(expense id, other expense id) pairs where a receipt of the first (``among`` these, if given) has the
        same content (checksum, as the Expenses app compares them) as a receipt of the other, a submitted,
        approved or posted expense of the same company, whoever filed it. One query over the receipts."""
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "checksum"])
        self.flush_model(["state", "company_id"])
        return self.env.execute_query(SQL(
            """
            SELECT DISTINCT mine.res_id, other.res_id
              FROM ir_attachment mine
              JOIN care_expense mine_expense ON mine_expense.id = mine.res_id
              JOIN ir_attachment other ON other.checksum = mine.checksum AND other.res_model = mine.res_model
                                      AND other.res_id != mine.res_id
              JOIN care_expense other_expense ON other_expense.id = other.res_id
                                             AND other_expense.company_id = mine_expense.company_id
                                             AND other_expense.state IN ('submitted', 'approved', 'posted')
             WHERE mine.res_model = %s AND mine.checksum IS NOT NULL %s
            """,
            self._name, SQL("AND mine.res_id = ANY(%s)", list(among)) if among is not None else SQL(),
        ))

    @api.depends("user_id", "partner_id", "currency_id", "amount", "date")
    def _compute_twin_id(self):
        for expense in self:
            expense.twin_id = expense._find_twin()

    @api.depends("name", "partner_id")
    def _compute_display_name(self):
        for expense in self:
            expense.display_name = " - ".join(filter(None, [expense.name, expense.partner_id.name]))

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_requester(given_values(self, vals))
        expenses = super().create(vals_list)
        if self.env.context.get(RECEIPTS_KEY) and len(expenses) == 1:
            receipts = self._unfiled_uploads(self.env.context[RECEIPTS_KEY])
            receipts.write({"res_model": self._name, "res_id": expenses.id})
        return expenses

    def write(self, vals):
        if not self._care_guard_bypassed():
            # the record rule lets a plan's responsible read its expenses, not edit someone else's
            self._check_requester_or_manager(self.env._("edit"))
            self._check_requester(vals)
        res = super().write(vals)
        stale = {fname: False for confirmation, basis in CONFIRMATION_BASIS.items() if not basis.isdisjoint(vals)
                 for fname in confirmation}
        if stale and not in_workflow(self):
            workflow(self.filtered(lambda expense: any(expense[fname] for fname in stale))).write(stale)
        return res

    def init(self):
        res = super().init()
        # One row per customer allowance and per recipient an approval checks (see _lock_policy_rows). A
        # plain table: nothing reads it but that lock, and it needs no ORM fields, access or views.
        self.env.cr.execute(SQL("""
            CREATE TABLE IF NOT EXISTS care_expense_policy_lock (
                key varchar PRIMARY KEY,
                version integer NOT NULL DEFAULT 0
            )
        """))
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        if any(expense.state not in ("draft", "cancelled") or expense.move_id for expense in self):
            raise UserError(self.env._(
                "Only draft expenses, or cancelled ones never posted, can be deleted: cancel the others."
            ))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_submit(self):
        self._check_requester_or_manager(self.env._("submit"))
        self._check_state(("draft",), self.env._("Only draft expenses can be submitted."))
        self._copy_customer_segment()
        self._check_policy()
        workflow(self).write({"state": "submitted", "date_submitted": fields.Date.context_today(self)})
        for expense in self.filtered("policy_warning"):
            expense.message_post(body=self.env._(
                "Submitted although spending rules warn: %(warnings)s. Justification: %(justification)s",
                warnings=expense.policy_warning, justification=expense.justification,
            ))
        self._request_approval()

    def action_post(self):
        """Post approved expenses as vendor bills (one per expense) in the Customer Care journal."""
        self._check_can_post()
        # in the workflow: only an expense's posting links journal items to it
        moves = workflow(self.env["account.move"]).create([expense._prepare_bill_vals() for expense in self])
        moves.action_post()
        for expense, move in zip(self, moves):
            expense.attachment_ids.copy({"res_model": "account.move", "res_id": move.id})
            workflow(expense).write({"state": "posted", "move_id": move.id})
            expense.message_post(body=self.env._("Posted as %(bill)s.", bill=move._get_html_link()))
        return True

    def action_reset_to_draft(self):
        res = super().action_reset_to_draft()
        self._copy_customer_segment()  # a draft shows its customer's segment of today
        return res

    def action_post_selected(self):
        """Post the expenses selected in a list, each exactly as its own Post button would."""
        return self._run_each(lambda expense: expense.action_post(), lambda count, total: self.env._(
            "%(count)s of %(total)s posted", count=count, total=total))

    def action_cancel(self):
        """Cancel: a posted expense's bill is reversed by a credit note, never deleted."""
        for expense in self:
            expense._check_can_cancel()
        posted = self.filtered(lambda exp: exp.state == "posted")
        posted._reverse_bills()
        lines = self.filtered(lambda exp: exp.state in ("approved", "posted")).budget_line_id
        self.activity_unlink([self._approval_activity_type])
        workflow(self).with_context(skip_validation_check=True).write({"state": "cancelled"})
        lines._update_warning()

    def create_document_from_attachment(self, attachment_ids):
        """Receipts dropped on the kanban: a new expense form that keeps them when it is saved. Called by
        Odoo's upload drop zone as ``(ids, attachment_ids)`` with empty ids, like the account and sale ones."""
        attachment_ids = record_ids(attachment_ids)
        receipts = self._unfiled_uploads(attachment_ids)
        if not receipts or len(receipts) != len(set(attachment_ids)):
            raise UserError(self.env._("Only files you just uploaded, attached to nothing yet, become receipts."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Expense"),
            "res_model": self._name,
            "views": [(False, "form")],
            "target": "current",
            "context": {RECEIPTS_KEY: receipts.ids},
        }

    def _unfiled_uploads(self, attachment_ids):
        """Of ``attachment_ids``, the user's own uploads attached to no record yet: the only files a new
        expense takes from the context (anything else could be someone's document)."""
        attachments = self.env["ir.attachment"].browse(record_ids(attachment_ids)).exists()._filtered_access("read")
        return attachments.filtered(lambda att: not (att.res_model or att.res_id or att.res_field)
                                    and att.create_uid == self.env.user)

    def action_view_move(self):
        self.ensure_one()
        return self.move_id._get_records_action() if self.move_id else False

    def action_override_budget(self):
        self.ensure_one()
        return self._open_reason_wizard("override")

    def action_confirm_duplicate(self):
        self.ensure_one()
        return self._open_reason_wizard("duplicate")

    def action_confirm_holdout(self):
        self.ensure_one()
        return self._open_reason_wizard("holdout")

    # ------------------------------------------------------------
    # APPROVAL (OCA tier validation)
    # ------------------------------------------------------------

    def evaluate_tier(self, tier):
        # Policy: expenses for lost or prospect customers need a Manager's approval, whatever the
        # amount: the Manager tiers apply to them even when their domain would not.
        manager_group = self.env.ref("customer_care_budget.group_care_manager")
        return super().evaluate_tier(tier) or (
            self.customer_stage in MANAGER_STAGES and tier.review_type == "group"
            and tier.reviewer_group_id == manager_group
        )

    def _approval_activity_note(self):
        return self.env._(
            "Please review the expense %(expense)s of %(amount)s for %(customer)s.",
            expense=self.name, amount=self.currency_id.format(self.amount), customer=self.partner_id.name,
        )

    def _request_new_reviews(self):
        """Add reviews for tiers that apply since submission (an over-budget override)."""
        self.ensure_one()
        definitions = self.env["tier.definition"].search(
            Domain("model", "=", self._name) & Domain("company_id", "in", [False, self.company_id.id]),
            order="sequence",
        )
        new = definitions.filtered(lambda tier: tier not in self.review_ids.definition_id and self.evaluate_tier(tier))
        sequence = max(self.review_ids.mapped("sequence"), default=0)
        submitter = self.review_ids[:1].requested_by or self.env.user
        reviews = workflow(self.env["tier.review"]).create([
            dict(self._prepare_tier_review_vals(tier, sequence + rank), requested_by=submitter.id)
            for rank, tier in enumerate(new, 1)
        ])
        workflow(reviews)._update_review_status()
        self._notify_review_requested(reviews)
        self._sync_approval_activities()

    # ------------------------------------------------------------
    # BUSINESS METHODS: guards
    # ------------------------------------------------------------

    def _care_writable_fields(self, state):
        return DRAFT_FIELDS if state == "draft" else set()

    def _care_create_fields(self):
        return DRAFT_FIELDS | {"company_id"}

    def _care_requester(self):
        return self.user_id

    def _check_requester(self, vals):
        """Expenses are recorded in one's own name; a Manager may record them for someone else."""
        if vals.get("user_id", self.env.uid) != self.env.uid and not self._care_guard_bypassed() \
                and not self.env.user.has_group("customer_care_budget.group_care_manager"):
            raise AccessError(self.env._("Only a Customer Care Manager records expenses in someone else's name."))

    def _check_can_review(self):
        res = super()._check_can_review()
        user = self.env.user
        for expense in self:
            # the amount levels need different people; the plan responsible's override review is apart
            levels = expense.review_ids.filtered(lambda rev: rev.review_type == "group")
            mine = expense.review_ids.filtered(
                lambda rev: rev.status in ("waiting", "pending") and user in rev.reviewer_ids
            ).sorted("sequence")[:1]
            if mine.review_type == "group" and user in levels.done_by:
                raise UserError(self.env._(
                    "You already approved a level of %(expense)s: the next level needs a second reviewer.",
                    expense=expense.name,
                ))
        return res

    def _check_manager_decision(self, decision):
        """Overrides and duplicate confirmations belong to a Manager other than the requester."""
        self.ensure_one()
        if not self.env.user.has_group("customer_care_budget.group_care_manager"):
            raise AccessError(self.env._("Only a Customer Care Manager can %(decision)s.", decision=decision))
        if self.env.user == self.user_id:
            raise UserError(self.env._("You cannot %(decision)s on your own expense.", decision=decision))

    def _reset_values(self):
        # a decision taken on what was submitted does not carry over to what the requester changes next
        return {"override_reason": False, "override_user_id": False, "duplicate_reason": False,
                "duplicate_user_id": False, "holdout_reason": False, "holdout_user_id": False,
                "policy_warning": False, "warned_rule_ids": [Command.clear()], "date_submitted": False}

    def _check_can_post(self):
        if not self.env.user.has_group("customer_care_budget.group_care_accountant"):
            raise AccessError(self.env._("Only Customer Care Accountants can post expenses."))
        self._check_state(("approved",), self.env._("Only approved expenses can be posted."))
        for expense in self:
            approvers = expense.review_ids.done_by
            if self.env.user == expense.user_id or self.env.user in approvers:
                raise UserError(self.env._(
                    "You requested or approved %(expense)s: another Accountant must post it (segregation of "
                    "duties).",
                    expense=expense.name,
                ))
            if not expense.company_id.care_expense_journal_id:
                raise UserError(self.env._(
                    "Choose the journal for customer care expenses in Settings before posting."
                ))

    def _check_can_cancel(self):
        self.ensure_one()
        user = self.env.user
        if self.state == "cancelled":
            raise UserError(self.env._("%(expense)s is already cancelled.", expense=self.name))
        if self.state == "posted":
            if not user.has_group("customer_care_budget.group_care_accountant"):
                raise AccessError(self.env._("Only a Customer Care Accountant can cancel a posted expense."))
            if self.payment_status != "not_paid":
                raise UserError(self.env._(
                    "The bill of %(expense)s is already paid: undo the payment before cancelling the expense.",
                    expense=self.name,
                ))
        elif self.state == "approved":
            if not (user.has_group("customer_care_budget.group_care_manager")
                    or user.has_group("customer_care_budget.group_care_accountant")):
                raise AccessError(self.env._("Only a Manager or an Accountant can cancel an approved expense."))
        else:
            self._check_requester_or_manager(self.env._("cancel"))

    # ------------------------------------------------------------
    # BUSINESS METHODS: policy (费用使用规范), one rule per method
    # ------------------------------------------------------------

    def _check_policy(self):
        """Refuse, with one error listing everything the expenses break with the numbers: the fixed rules, the
        spending rules that block, those that warn on a draft without a justification, and those that warn
        at approval but did not at submission (no reviewer read them). On submission, write on each expense
        the warnings its justification answers, for its reviewers."""
        errors, submitted_warnings = [], {}
        for expense in self:
            blocks, warned = expense._policy_findings()
            if expense.state == "draft":
                if warned and not (expense.justification or "").strip():
                    blocks += [self.env._("%(warning)s. This rule only warns: give a justification to submit.",
                                          warning=warning) for _rule, warning in warned]
                submitted_warnings[expense] = warned
            else:
                blocks += [self.env._(
                    "%(warning)s. This warning is new since the submission: reset the expense to draft to justify it.",
                    warning=warning) for rule, warning in warned if rule not in expense.warned_rule_ids]
            errors += [f"{expense.name}: {error}" for error in blocks]
        if errors:
            raise ValidationError("\n".join(errors))
        for expense, warned in submitted_warnings.items():
            workflow(expense).write({
                "policy_warning": "\n".join(warning for _rule, warning in warned) or False,
                "warned_rule_ids": [Command.set([rule.id for rule, _warning in warned])],
            })

    def _policy_findings(self):
        """(blocks, warnings) of the expense: the fixed rules always block (their words); each spending rule
        (``care.expense.rule``) blocks or warns as it is set (warnings as (rule, words))."""
        self.ensure_one()
        blocks, warnings = self._policy_errors(), []
        for rule in self.env["care.expense.rule"]._applicable(self):
            if violation := rule._violation(self):
                if rule.severity == "block":
                    blocks.append(violation)
                else:
                    warnings.append((rule, violation))
        return blocks, warnings

    def _policy_errors(self):
        self.ensure_one()
        rules = (
            self._policy_amount_positive,
            self._policy_date,
            self._policy_receipt,
            self._policy_max_per_event,
            self._policy_tier_allowed,
            self._policy_annual_allowance,
            self._policy_duplicate,
            self._policy_holdout,
        )
        return [error for rule in rules if (error := rule())]

    def _policy_amount_positive(self):
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            return self.env._("the amount must be positive.")
        return None

    def _policy_date(self):
        today = fields.Date.context_today(self)
        if self.date > today:
            return self.env._("the date %(date)s is in the future.", date=format_date(self.env, self.date))
        if not self.budget_line_id:
            return self.env._(
                "no approved budget plan has a line for %(activity)s on %(date)s.",
                activity=self.care_activity_type_id.name, date=format_date(self.env, self.date),
            )
        if self.budget_id.state != "approved":
            return self.env._("the budget plan %(budget)s is no longer approved.", budget=self.budget_id.name)
        return None

    def _policy_receipt(self):
        threshold = self.care_activity_type_id.receipt_required_above
        if not self.attachment_ids and self.company_currency_id.compare_amounts(self.amount_company, threshold) > 0:
            return self.env._(
                "%(activity)s expenses above %(threshold)s need a receipt: attach one (amount %(amount)s).",
                activity=self.care_activity_type_id.name,
                threshold=self.company_currency_id.format(threshold),
                amount=self.company_currency_id.format(self.amount_company),
            )
        return None

    def _policy_max_per_event(self):
        maximum = self.care_activity_type_id.max_amount_per_event
        if maximum and self.company_currency_id.compare_amounts(self.amount_company, maximum) > 0:
            return self.env._(
                "%(amount)s exceeds the maximum of %(maximum)s per %(activity)s event.",
                amount=self.company_currency_id.format(self.amount_company),
                maximum=self.company_currency_id.format(maximum),
                activity=self.care_activity_type_id.name,
            )
        return None

    def _policy_tier_allowed(self):
        allowed = self.care_activity_type_id.tier_ids
        tier = self._customer_segment()[0]
        if allowed and tier not in allowed:
            return self.env._(
                "%(activity)s is not allowed for %(tier)s customers (only %(allowed)s).",
                activity=self.care_activity_type_id.name,
                tier=tier.name or self.env._("unclassified"),
                allowed=", ".join(allowed.mapped("name")),
            )
        return None

    def _policy_annual_allowance(self):
        allowance = self._annual_allowance()
        if not allowance or not self.budget_id:
            return None
        # sudo: the allowance counts everyone's spending on the customer, not only what the user may read
        spent = self.env["care.expense"].sudo()._read_group(
            [
                ("partner_id", "=", self.partner_id.id),
                ("budget_id", "=", self.budget_id.id),
                ("state", "in", ("approved", "posted")),
                ("id", "!=", self.id),
            ],
            [],
            ["amount_company:sum"],
        )[0][0]
        if self.company_currency_id.compare_amounts(spent + self.amount_company, allowance) > 0:
            return self.env._(
                "%(customer)s's allowance of %(allowance)s for %(budget)s would be exceeded: %(spent)s already "
                "approved or posted, plus %(amount)s.",
                customer=self.partner_id.name,
                allowance=self.company_currency_id.format(allowance),
                budget=self.budget_id.name,
                spent=self.company_currency_id.format(spent),
                amount=self.company_currency_id.format(self.amount_company),
            )
        return None

    def _policy_duplicate(self):
        if self.duplicate_reason:
            return None
        twin = self._find_twin()
        if twin:
            return self.env._(
                "it looks like a duplicate of %(twin)s (same requester, customer and amount %(amount)s within a "
                "day): a Manager must confirm it with a reason.",
                twin=twin.name, amount=self.currency_id.format(self.amount),
            )
        return None

    def _receipt_twins(self):
        """The other expenses sharing a receipt with this one (see :meth:`_receipt_pairs`): of two drafts, the first
        one submitted passes. sudo: other requesters' expenses, of which only the names show."""
        self.ensure_one()
        return self.sudo().browse(sorted({other for _mine, other in self._receipt_pairs(self._origin.ids)}))

    def _policy_holdout(self):
        if self.holdout_reason:
            return None
        holdout = self._find_holdout()
        if holdout:
            return self.env._(
                "%(customer)s is held out of %(budget)s (%(holdout)s) as the control group of its evaluations: a "
                "Manager must confirm the expense with a reason.",
                customer=self.partner_id.commercial_partner_id.name, budget=holdout.budget_id.name,
                holdout=holdout.display_name,
            )
        return None

    # ------------------------------------------------------------
    # BUSINESS METHODS: budget control
    # ------------------------------------------------------------

    def _customer_segment(self):
        """(tier, stage) of the customer: as copied at submission, else the current ones."""
        self.ensure_one()
        if self.state != "draft":
            return self.customer_tier_id, self.customer_stage
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        return partner.care_tier_id, partner.care_stage

    def _copy_customer_segment(self):
        """Write each expense's customer segment of today (see :meth:`_customer_segment`) on it, and whether a
        recipient is a public official today."""
        for expense in self:
            tier, stage = expense._customer_segment()
            workflow(expense).write({
                "customer_tier_id": tier.id, "customer_stage": stage,
                "official_recipient": expense._has_official_recipient(),
            })

    def _has_official_recipient(self):
        self.ensure_one()
        return any(self.recipient_ids.with_company(self.company_id).mapped("care_is_official"))

    def _customer_contacts(self):
        """The recipients who are contacts of the customer (the others are our own people)."""
        self.ensure_one()
        return self.recipient_ids.filtered(
            lambda person: person.commercial_partner_id == self.partner_id.commercial_partner_id
        )

    def _find_twin(self):
        """Drafts are not spending yet: of two twins, the first one submitted passes."""
        self.ensure_one()
        if not (self.date and self.partner_id and self.amount):
            return self.browse()
        return self.search([
            ("id", "!=", self._origin.id),
            ("user_id", "=", self.user_id.id),
            ("partner_id", "=", self.partner_id.id),
            ("currency_id", "=", self.currency_id.id),
            ("amount", "=", self.amount),
            ("date", ">=", self.date - timedelta(days=1)),
            ("date", "<=", self.date + timedelta(days=1)),
            ("state", "in", ("submitted", "approved", "posted")),
        ], limit=1)

    def _find_holdout(self):
        """The first holdout of a plan running on the expense's date that holds its customer out of its activity."""
        self.ensure_one()
        if not (self.partner_id and self.date):
            return self.env["care.budget.holdout"]
        return self.env["care.budget.holdout"]._covering(
            self.partner_id.commercial_partner_id, self.care_activity_type_id, self.date, self.company_id,
        )[:1]

    def _annual_allowance(self):
        partner = self.partner_id.with_company(self.company_id)
        return partner.care_annual_allowance or self._customer_segment()[0].annual_allowance

    def _candidate_lines(self):
        """The lines of approved plans that could hold any of these expenses (one search for all)."""
        dated = self.filtered("date")
        if not dated:
            return self.env["care.budget.line"]
        return self.env["care.budget.line"].search([
            ("budget_id.state", "=", "approved"),
            ("company_id", "in", dated.company_id.ids),
            ("activity_type_id", "in", dated.care_activity_type_id.ids),
            ("date_from", "<=", max(dated.mapped("date"))),
            ("date_to", ">=", min(dated.mapped("date"))),
        ])

    def _match_budget_line(self, candidates=None):
        """The line for this activity and customer, else for the customer's tier, else for all tiers,
        in an approved plan whose line period holds the date (among ``candidates``, if given)."""
        self.ensure_one()
        if not (self.date and self.care_activity_type_id and self.partner_id):
            return self.env["care.budget.line"]
        lines = (self._candidate_lines() if candidates is None else candidates).filtered(
            lambda line: line.company_id == self.company_id and line.activity_type_id == self.care_activity_type_id
            and line.date_from <= self.date <= line.date_to
        )
        customer = self.partner_id.commercial_partner_id
        tier = self._customer_segment()[0]
        return (
            lines.filtered(lambda line: line.partner_id == customer)[:1]
            or lines.filtered(lambda line: not line.partner_id and tier and line.tier_id == tier)[:1]
            or lines.filtered(lambda line: not line.partner_id and not line.tier_id)[:1]
        )

    def _do_approve(self):
        """The last approval: policy again, then the budget line, locked first so that concurrent
        approvals of the same line cannot both spend its last money."""
        # need_validation has no dependencies: drop the value cached before the reviews existed, or
        # writing the state would request a second round of reviews
        self.invalidate_recordset(["need_validation"])
        self._lock_policy_rows()
        self._check_policy()
        lines = self.budget_line_id
        lines._lock_for_consumption()
        self._check_budget_room()
        workflow(self).write({"state": "approved"})
        self._sync_approval_activities()
        lines._update_warning()

    def _lock_policy_rows(self):
        """Write the lock rows of what an approval checks against other expenses before checking it: each
        customer (its allowance, its spending against its margin) and each recipient (their yearly value and
        events). As with the lines (see ``care.budget.line._lock_for_consumption``), two approvals touching the
        same row then conflict, and the later one is retried on data that holds the other. Sorted: concurrent
        approvals lock in one order."""
        keys = sorted(
            {f"customer-{expense.partner_id.commercial_partner_id.id}" for expense in self}
            | {f"recipient-{person.id}" for expense in self for person in expense._customer_contacts()}
        )
        if not keys:
            return
        self.env.cr.execute(SQL(
            """
            INSERT INTO care_expense_policy_lock (key, version) SELECT key, 1 FROM unnest(%s::varchar[]) AS key
            ON CONFLICT (key) DO UPDATE SET version = care_expense_policy_lock.version + 1
            """,
            keys,
        ))

    def _check_budget_room(self):
        for line in self.budget_line_id:
            expenses = self.filtered(lambda exp, line=line: exp.budget_line_id == line)
            amount = sum(expenses.mapped("amount_company"))
            shortfall = amount - line.amount_available
            if line.currency_id.compare_amounts(shortfall, 0) > 0 and not all(expenses.mapped("override_reason")):
                raise UserError(self.env._(
                    "%(expenses)s (%(amount)s) would overspend the budget line %(line)s by %(shortfall)s: only "
                    "%(available)s is available of %(planned)s. Release reserve into the line, or have a "
                    "Manager approve it with an over-budget override.",
                    expenses=", ".join(expenses.mapped("name")),
                    amount=line.currency_id.format(amount),
                    line=line.display_name,
                    shortfall=line.currency_id.format(shortfall),
                    available=line.currency_id.format(line.amount_available),
                    planned=line.currency_id.format(line.amount_planned),
                ))

    def _grant_override(self, reason):
        """A Manager lets the expense go over its line; the plan's responsible then approves too."""
        self._check_manager_decision(self.env._("override the budget"))
        self._check_state(("submitted",), self.env._("Only a submitted expense can get a budget override."))
        if not self.budget_user_id or self.budget_user_id == self.user_id:
            raise UserError(self.env._(
                "The plan %(budget)s needs a responsible other than the requester to approve an override.",
                budget=self.budget_id.name,
            ))
        workflow(self).with_context(skip_validation_check=True).write({
            "override_reason": reason, "override_user_id": self.env.uid,
        })
        self.message_post(body=self.env._("Over-budget override by %(user)s: %(reason)s",
                                          user=self.env.user.name, reason=reason))
        self._request_new_reviews()

    def _confirm_duplicate(self, reason):
        self._check_manager_decision(self.env._("confirm a possible duplicate"))
        self._check_state(("draft", "submitted"), self.env._("Only an expense not yet approved can be confirmed."))
        workflow(self).with_context(skip_validation_check=True).write({
            "duplicate_reason": reason, "duplicate_user_id": self.env.uid,
        })
        self.message_post(body=self.env._("Confirmed as no duplicate by %(user)s: %(reason)s",
                                          user=self.env.user.name, reason=reason))

    def _confirm_holdout(self, reason):
        self._check_manager_decision(self.env._("confirm care for a held-out customer"))
        self._check_state(("draft", "submitted"), self.env._("Only an expense not yet approved can be confirmed."))
        workflow(self).with_context(skip_validation_check=True).write({
            "holdout_reason": reason, "holdout_user_id": self.env.uid,
        })
        self.message_post(body=self.env._(
            "Care for a customer held out by %(holdout)s confirmed by %(user)s: %(reason)s",
            holdout=self._find_holdout().display_name or "-", user=self.env.user.name, reason=reason,
        ))

    # ------------------------------------------------------------
    # BUSINESS METHODS: accounting
    # ------------------------------------------------------------

    def _prepare_bill_vals(self):
        self.ensure_one()
        journal = self.company_id.care_expense_journal_id
        activity = self.care_activity_type_id.with_company(self.company_id)
        account = activity.expense_account_id or journal.default_account_id
        if not account:
            raise UserError(self.env._(
                "Set the expense account of %(activity)s (or a default account on %(journal)s) before posting.",
                activity=self.care_activity_type_id.name, journal=journal.name,
            ))
        return {
            "move_type": "in_invoice",
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "partner_id": self.payee_id.id,
            "invoice_date": self.date,
            "ref": self.name,
            "currency_id": self.currency_id.id,
            # the rate the budget used: the bill's balance is exactly the amount the budget counts
            **({"invoice_currency_rate": self.amount / self.amount_company}
               if self.currency_id != self.company_currency_id else {}),
            "invoice_line_ids": [Command.create({
                "name": f"{self.name} - {self.care_activity_type_id.name} - {self.partner_id.name}",
                "account_id": account.id,
                "quantity": 1,
                "price_unit": self.amount,
                "tax_ids": [Command.clear()],
                "analytic_distribution": {str(self.budget_id.analytic_account_id.id): 100},
                "care_expense_id": self.id,
                "care_partner_id": self.partner_id.id,
            })],
        }

    def _reverse_bills(self):
        """Credit notes through Odoo's reversal, dated today or the first date the lock dates allow."""
        today = fields.Date.context_today(self)
        for expense in self:
            bill = expense.move_id
            date = bill._get_accounting_date(today, bill._affect_tax_report())
            reversal = workflow(bill)._reverse_moves([{
                "ref": self.env._("Reversal of: %(bill)s, %(expense)s cancelled", bill=bill.name, expense=expense.name),
                "date": date,
                "invoice_date": date,
            }], cancel=True)
            workflow(expense).write({"reversal_move_id": reversal.id})
            expense.message_post(body=self.env._("Bill reversed by %(credit_note)s.",
                                                 credit_note=reversal._get_html_link()))
