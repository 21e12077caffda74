from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .care_guard_mixin import given_values

CSAT_SCORES = [(str(score), str(score)) for score in range(1, 6)]
NPS_SCORES = [(str(score), str(score)) for score in range(11)]


class CareFeedback(models.Model):
    """Customer feedback (客户反馈): a satisfaction score, a recommendation score, a complaint.

    NPS categories follow Bain's definition: 9-10 promoter, 7-8 passive, 0-6 detractor; the NPS of a
    set of answers is the share of promoters minus the share of detractors, in points.
    """

    _name = "care.feedback"
    _description = "Customer Feedback"
    _inherit = ["care.guard.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True, readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, tracking=True)
    user_id = fields.Many2one(
        "res.users", string="Recorded By", required=True, default=lambda self: self.env.user, index=True,
        domain="[('share', '=', False)]",
    )
    channel = fields.Selection(
        [
            ("visit", "Visit"),
            ("phone", "Phone"),
            ("email", "Email"),
            ("survey", "Survey"),
            ("complaint", "Complaint"),
        ],
        required=True,
        default="survey",
    )
    csat = fields.Selection(
        CSAT_SCORES,
        string="CSAT",
        help="Customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied).",
    )
    nps = fields.Selection(
        NPS_SCORES,
        string="NPS Score",
        help="How likely the customer is to recommend us, 0 (not at all) to 10 (extremely likely).",
    )
    nps_category = fields.Selection(
        [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")],
        string="NPS Category",
        compute="_compute_nps_category",
        store=True,
        help="Promoter: 9-10. Passive: 7-8. Detractor: 0-6.",
    )
    is_complaint = fields.Boolean(string="Complaint", tracking=True)
    complaint_state = fields.Selection(
        [("open", "Open"), ("in_progress", "In Progress"), ("resolved", "Resolved")],
        string="Complaint Status",
        tracking=True,
    )
    comment = fields.Text()
    expense_id = fields.Many2one(
        "care.expense", string="Care Expense", check_company=True, index="btree_not_null",
        help="The care expense this feedback answers, if any.",
    )
    care_activity_type_id = fields.Many2one(
        "care.activity.type", string="Care Activity", check_company=True,
        compute="_compute_activity_type_id", store=True, readonly=False,
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        if any(feedback.date > today for feedback in self):
            raise ValidationError(self.env._("Feedback cannot be dated in the future."))

    @api.constrains("expense_id", "partner_id")
    def _check_expense_customer(self):
        for feedback in self.filtered("expense_id"):
            feedback.expense_id.check_access("read")
            if feedback.expense_id.partner_id.commercial_partner_id != feedback.partner_id.commercial_partner_id:
                raise ValidationError(self.env._(
                    "The expense %(expense)s was spent on another customer.", expense=feedback.expense_id.name,
                ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("nps")
    def _compute_nps_category(self):
        for feedback in self:
            feedback.nps_category = _nps_category(feedback.nps)

    @api.depends("expense_id")
    def _compute_activity_type_id(self):
        for feedback in self.filtered("expense_id"):
            feedback.care_activity_type_id = feedback.expense_id.care_activity_type_id

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            given = given_values(self, vals)  # the context's defaults are values the client sends too
            self._check_scores(given)
            self._check_author(given)
            vals.update({fname: given[fname] for fname in ("csat", "nps") if given.get(fname) not in (None, False)})
            if vals.get("is_complaint") or vals.get("channel") == "complaint":
                vals.setdefault("is_complaint", True)
                vals.setdefault("complaint_state", "open")
        return super().create(vals_list)

    def write(self, vals):
        self._check_scores(vals)
        self._check_author(vals)
        if vals.get("is_complaint"):
            self.filtered(lambda feedback: not feedback.complaint_state).complaint_state = "open"
        return super().write(vals)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _care_writable_fields(self, state):
        # the activity follows the expense but may be recorded without one; the NPS category is derived
        return super()._care_writable_fields(state) | {"care_activity_type_id"}

    @api.model
    def _check_scores(self, vals):
        """Refuse out-of-range scores in words before the ORM meets an unknown selection value."""
        for fname, scores in (("csat", CSAT_SCORES), ("nps", NPS_SCORES)):
            if vals.get(fname) is None or vals.get(fname) is False:  # not 0: a score of 0 is checked
                continue
            vals[fname] = str(vals[fname])
            if vals[fname] not in dict(scores):
                raise ValidationError(
                    self.env._("CSAT must be a whole number from 1 to 5.") if fname == "csat"
                    else self.env._("The NPS score must be a whole number from 0 to 10.")
                )


    @api.model
    def _check_author(self, vals):
        """Feedback is recorded in one's own name; a Manager may record it for someone else."""
        if vals.get("user_id", self.env.uid) != self.env.uid and not self.env.user.has_group(
            "customer_care_budget.group_care_manager"
        ):
            raise AccessError(self.env._("Only a Customer Care Manager records feedback in someone else's name."))


def _nps_category(score):
    if score in (None, False):
        return False
    score = int(score)
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
