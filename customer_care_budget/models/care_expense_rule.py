from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

# What each kind of rule measures, and the parameter it is measured against.
RULE_KINDS = [
    ("per_person", "Value per person per event"),
    ("recipient_year", "Value per recipient per calendar year"),
    ("recipient_frequency", "Events per recipient per period"),
    ("recipients_named", "Every person named"),
    ("max_age", "Maximum age at submission"),
    ("receipt", "Receipt required above"),
    ("receipt_reused", "Same receipt used twice"),
    ("margin_share", "Share of the customer's trailing margin"),
]
PARAMETERS = {
    "per_person": ("amount_limit",),
    "recipient_year": ("amount_limit",),
    "recipient_frequency": ("max_count", "period_days"),
    "recipients_named": (),
    "max_age": ("max_age_days",),
    "receipt": (),  # a limit of 0 asks every expense for a receipt
    "receipt_reused": (),
    "margin_share": ("max_share_pct",),
}


class CareExpenseRule(models.Model):
    """A spending policy rule (费用合规规则), as data: what it measures, its limit, the activities and the
    recipients it applies to, and whether breaking it only **warns** (the requester submits with a
    justification every reviewer reads) or **blocks** (refused, with the numbers).

    Each kind is checked by one method, ``_check_<kind>(expense)``, returning what is wrong in words or
    ``None``; :meth:`care.expense._check_policy` runs every applicable rule and lists all it finds at once.
    """

    _name = "care.expense.rule"
    _description = "Customer Care Spending Rule"
    _inherit = ["mail.thread", "care.guard.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to apply in every company.")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    kind = fields.Selection(RULE_KINDS, string="Measures", required=True, tracking=True)
    severity = fields.Selection(
        [("warn", "Warn"), ("block", "Block")],
        required=True,
        default="block",
        tracking=True,
        help="Warn: the requester may submit with a justification, which every reviewer sees. Block: the expense "
        "is refused with the numbers.",
    )
    activity_type_id = fields.Many2one(
        "care.activity.type", string="Activity", check_company=True, tracking=True,
        help="Leave empty for every activity. A recipient's yearly value and events count this activity only.",
    )
    scope = fields.Selection(
        [("all", "Every recipient"), ("officials", "Public officials only")],
        string="Recipients",
        required=True,
        default="all",
        tracking=True,
        help="Public officials only: the rule weighs the recipients flagged as public officials (or tagged as "
        "the settings say), usually with a stricter limit than the rule for everyone.",
    )
    amount_limit = fields.Monetary(
        string="Limit", tracking=True,
        help="In company currency: the value per person, the yearly value per recipient, or the amount above "
        "which a receipt is required.",
    )
    max_count = fields.Integer(string="Events", tracking=True, help="Most events a recipient may have in the period.")
    period_days = fields.Integer(string="Period (days)", tracking=True, help="The period events are counted over.")
    max_age_days = fields.Integer(
        string="Maximum Age (days)", tracking=True, help="Most days between an expense's date and its submission.",
    )
    max_share_pct = fields.Float(
        string="Share of Margin (%)", tracking=True,
        help="Most care spending on a customer over the segmentation window up to the expense's date, as a share "
        "of the gross margin its posted invoices earned in that window (margin % in Settings).",
    )
    limit_display = fields.Char(string="Rule Limit", compute="_compute_limit_display")
    description = fields.Text(translate=True, help="Why the rule exists, for requesters and reviewers.")

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _limits_not_negative = models.Constraint(
        "CHECK(COALESCE(amount_limit, 0) >= 0 AND COALESCE(max_count, 0) >= 0 AND COALESCE(period_days, 0) >= 0 "
        "AND COALESCE(max_age_days, 0) >= 0 AND COALESCE(max_share_pct, 0) >= 0)",
        "The limits of a spending rule cannot be negative.",
    )

    @api.constrains("kind", "amount_limit", "max_count", "period_days", "max_age_days", "max_share_pct")
    def _check_parameters(self):
        for rule in self:
            # a zero count or cap would refuse everything: that is an inactive rule, not a limit
            missing = [fname for fname in PARAMETERS[rule.kind] if rule[fname] <= 0]
            if missing:
                raise ValidationError(self.env._(
                    "The rule %(rule)s (%(kind)s) needs %(fields)s above zero.",
                    rule=rule.name, kind=rule._kind_label(),
                    fields=", ".join(rule._fields[fname].get_description(self.env)["string"] for fname in missing),
                ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    @api.depends("kind", "amount_limit", "max_count", "period_days", "max_age_days", "max_share_pct", "currency_id")
    def _compute_limit_display(self):
        for rule in self:
            money = rule.currency_id.format(rule.amount_limit) if rule.currency_id else rule.amount_limit
            rule.limit_display = {
                "per_person": self.env._("%(limit)s per person", limit=money),
                "recipient_year": self.env._("%(limit)s per recipient and year", limit=money),
                "recipient_frequency": self.env._(
                    "%(count)s events per %(days)s days", count=rule.max_count, days=rule.period_days,
                ),
                "recipients_named": self.env._("persons = recipients"),
                "max_age": self.env._("%(days)s days", days=rule.max_age_days),
                "receipt": self.env._("above %(limit)s", limit=money),
                "receipt_reused": self.env._("by content"),
                "margin_share": self.env._("%(share)s %% of the trailing margin", share=rule.max_share_pct),
            }.get(rule.kind, "")

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _applicable(self, expense):
        """The active rules of the expense's company and activity (sudo: requesters apply rules they may not
        read), in their order."""
        return self.sudo().search([
            ("company_id", "in", [False, expense.company_id.id]),
            ("activity_type_id", "in", [False, expense.care_activity_type_id.id]),
        ]).with_env(self.env)

    def _violation(self, expense):
        """What ``expense`` breaks of this rule, in words with the numbers and the rule's name, or None."""
        self.ensure_one()
        found = getattr(self, f"_check_{self.kind}")(expense)
        return found and f"{found} ({self.name})"

    def _kind_label(self):
        return dict(self._fields["kind"]._description_selection(self.env))[self.kind]

    def _recipients(self, expense):
        """The customer's contacts among the expense's recipients that this rule weighs."""
        recipients = expense._customer_contacts()
        if self.scope == "officials":
            recipients = recipients.with_company(expense.company_id).filtered("care_is_official")
        return recipients

    def _received(self, expense, recipients, date_from, date_to, aggregate):
        """{recipient: ``aggregate``} of what the register holds for them between the dates (see
        :meth:`_received_domain`). sudo: a cap counts what everyone gave."""
        return dict(self.env["care.expense"].sudo()._read_group(
            self._received_domain(expense, recipients, date_from, date_to), ["recipient_ids"], [aggregate],
        ))

    def _received_domain(self, expense, recipients, date_from, date_to):
        """The approved and posted expenses naming ``recipients`` (the register's rows), ``expense`` left out,
        dated between the dates, of the rule's activity if it has one."""
        domain = [
            ("recipient_ids", "in", recipients.ids),
            ("company_id", "=", expense.company_id.id),
            ("state", "in", ("approved", "posted")),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
            ("id", "!=", expense._origin.id),
        ]
        if self.activity_type_id:
            domain.append(("care_activity_type_id", "=", self.activity_type_id.id))
        return domain

    def _money(self, expense, amount):
        return expense.company_currency_id.format(amount)

    def _check_per_person(self, expense):
        if self.scope == "officials" and not self._recipients(expense):
            return None
        if expense.company_currency_id.compare_amounts(expense.amount_per_person, self.amount_limit) > 0:
            return self.env._(
                "%(value)s per person (%(amount)s for %(persons)s) is above the limit of %(limit)s per person",
                value=self._money(expense, expense.amount_per_person),
                amount=self._money(expense, expense.amount_company), persons=expense.person_count,
                limit=self._money(expense, self.amount_limit),
            )
        return None

    def _check_recipient_year(self, expense):
        recipients = self._recipients(expense)
        if not recipients:
            return None
        year_start, year_end = expense.date.replace(month=1, day=1), expense.date.replace(month=12, day=31)
        before = self._received(expense, recipients, year_start, year_end, "amount_per_person:sum")
        over = []
        for recipient in recipients:
            received = before.get(recipient, 0.0)
            if expense.company_currency_id.compare_amounts(received + expense.amount_per_person, self.amount_limit) > 0:
                over.append(self.env._(
                    "%(recipient)s would receive %(total)s in %(year)s (%(before)s already, %(now)s now)",
                    recipient=recipient.name, total=self._money(expense, received + expense.amount_per_person),
                    year=expense.date.year, before=self._money(expense, received),
                    now=self._money(expense, expense.amount_per_person),
                ))
        if over:
            return self.env._(
                "%(over)s: above the yearly limit of %(limit)s per recipient",
                over="; ".join(over), limit=self._money(expense, self.amount_limit),
            )
        return None

    def _check_recipient_frequency(self, expense):
        """Every window of ``period_days`` days holding the expense's date, before or after it (an expense may
        be dated before events already approved), may hold at most ``max_count`` events of a recipient."""
        recipients = self._recipients(expense)
        if not recipients:
            return None
        reach = timedelta(days=self.period_days - 1)
        rows = self.env["care.expense"].sudo()._read_group(  # sudo: a frequency counts what everyone gave
            self._received_domain(expense, recipients, expense.date - reach, expense.date + reach),
            ["recipient_ids", "date:day"], ["__count"],
        )
        over = []
        for recipient in recipients:
            days = {day: count for person, day, count in rows if person == recipient}
            count, start = max(  # the fullest window, the earliest of equals
                ((1 + sum(n for day, n in days.items() if start <= day <= start + reach), start)
                 for start in (expense.date - timedelta(days=back) for back in range(self.period_days))),
                key=lambda window: (window[0], -window[1].toordinal()),
            )
            if count > self.max_count:
                over.append(self.env._(
                    "%(recipient)s would have %(count)s events from %(date_from)s to %(date_to)s",
                    recipient=recipient.name, count=count, date_from=format_date(self.env, start),
                    date_to=format_date(self.env, start + reach),
                ))
        if over:
            return self.env._(
                "%(over)s: at most %(limit)s per %(days)s days",
                over="; ".join(over), limit=self.max_count, days=self.period_days,
            )
        return None

    def _check_recipients_named(self, expense):
        if not expense.recipient_ids:
            return self.env._("it names no recipient: name who receives or attends")
        if expense.person_count > len(expense.recipient_ids):
            return self.env._(
                "it counts %(persons)s persons but names %(recipients)s: name every person",
                persons=expense.person_count, recipients=len(expense.recipient_ids),
            )
        return None

    def _check_max_age(self, expense):
        submitted = expense.date_submitted or fields.Date.context_today(expense)
        age = (submitted - expense.date).days
        if age > self.max_age_days:
            return self.env._(
                "submitted %(age)s days after its date %(date)s: at most %(limit)s days",
                age=age, date=format_date(self.env, expense.date), limit=self.max_age_days,
            )
        return None

    def _check_receipt(self, expense):
        if not expense.attachment_ids and \
                expense.company_currency_id.compare_amounts(expense.amount_company, self.amount_limit) > 0:
            return self.env._(
                "no receipt for %(amount)s: a receipt is required above %(limit)s",
                amount=self._money(expense, expense.amount_company), limit=self._money(expense, self.amount_limit),
            )
        return None

    def _check_receipt_reused(self, expense):
        if expense.duplicate_reason:
            return None
        others = expense._receipt_twins()
        if others:
            return self.env._(
                "its receipt is the same file as that of %(others)s (by content, whoever filed it); a Manager may "
                "confirm it is no duplicate, with a reason",
                others=", ".join(others.mapped("name")),
            )
        return None

    def _check_margin_share(self, expense):
        customer = expense.partner_id.commercial_partner_id
        figures = customer._care_trailing_figures(expense.company_id, expense.date, expense._origin)
        margin, spent = figures[customer.id]
        total = spent + expense.amount_company
        limit = margin * self.max_share_pct / 100
        if expense.company_currency_id.compare_amounts(total, limit) > 0:
            return self.env._(
                "care spending on %(customer)s would reach %(total)s (%(spent)s already, %(amount)s now) against a "
                "trailing gross margin of %(margin)s: at most %(share)s %% of it, %(limit)s",
                customer=customer.name, total=self._money(expense, total), spent=self._money(expense, spent),
                amount=self._money(expense, expense.amount_company), margin=self._money(expense, margin),
                share=self.max_share_pct, limit=self._money(expense, limit),
            )
        return None
