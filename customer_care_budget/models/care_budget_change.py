from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .care_guard_mixin import given_values

# What a Manager gives when moving money; a change is never edited afterwards.
INPUT_FIELDS = {"budget_id", "change_type", "line_from_id", "line_to_id", "amount", "reason"}


class CareBudgetChange(models.Model):
    """A logged change of an approved budget: a transfer between two of its lines, or a release of
    its contingency reserve into a line. Lines and reserve derive their amounts from these records,
    which are never edited nor deleted."""

    _name = "care.budget.change"
    _description = "Customer Care Budget Change"
    _inherit = ["care.guard.mixin"]
    _care_positive_fields = ("amount",)
    _order = "id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    budget_id = fields.Many2one("care.budget", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="budget_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="budget_id.currency_id")
    change_type = fields.Selection(
        [("transfer", "Transfer"), ("release", "Release Reserve")],
        required=True,
        default="transfer",
        help="Transfer: move an amount from one line to another (the total is unchanged). "
        "Release reserve: move an amount from the contingency reserve into a line.",
    )
    line_from_id = fields.Many2one(
        "care.budget.line", string="From Line", check_company=True, domain="[('budget_id', '=', budget_id)]",
    )
    line_to_id = fields.Many2one(
        "care.budget.line", string="To Line", required=True, check_company=True,
        domain="[('budget_id', '=', budget_id)]",
    )
    amount = fields.Monetary(required=True)
    reason = fields.Text(required=True, help="Why the money moves; logged in the budget's chatter.")
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _amount_positive = models.Constraint("CHECK(amount > 0)", "The amount moved must be positive.")

    @api.constrains("change_type", "line_from_id", "line_to_id", "amount", "reason")
    def _check_change(self):
        for change in self:
            budget = change.budget_id
            if not (change.reason or "").strip():
                raise ValidationError(self.env._("Give the reason for moving budget."))
            if (change.line_from_id | change.line_to_id).budget_id != budget:
                raise ValidationError(self.env._("Money can only move between lines of the same budget."))
            if change.change_type == "transfer" and (
                not change.line_from_id or change.line_from_id == change.line_to_id
            ):
                raise ValidationError(self.env._("A transfer needs two different lines."))

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.user.has_group("customer_care_budget.group_care_manager"):
            raise AccessError(self.env._("Only a Customer Care Manager can move budget."))
        vals_list = [given_values(self, vals) for vals in vals_list]  # the wizard's budget and type come as defaults
        budgets = self.env["care.budget"].browse([vals.get("budget_id") for vals in vals_list])
        budgets._check_state("approved", self.env._("Amounts can only be moved on an approved budget."))
        lines = self.env["care.budget.line"]
        for vals in vals_list:
            if vals.get("change_type") == "release":
                vals["line_from_id"] = False
            lines |= lines.browse(filter(None, [vals.get("line_from_id"), vals.get("line_to_id")]))
        lines._lock_for_consumption()
        budgets.filtered(lambda budget: any(
            vals.get("change_type") == "release" and vals.get("budget_id") == budget.id for vals in vals_list
        ))._lock_reserve()
        changes = self.browse()
        for vals in vals_list:  # one by one: each change is checked against the log the previous ones wrote
            self._check_available(vals)
            changes |= super().create([vals])
            changes.flush_model()
        for change in changes:
            change.budget_id.message_post(body=change._describe())
        lines._update_warning()
        return changes

    def write(self, vals):
        if not self._care_guard_bypassed():
            raise AccessError(self.env._("Budget changes are a log: they cannot be edited."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_logged(self):
        raise UserError(self.env._("Budget changes are a log: they cannot be deleted."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_save(self):
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _care_writable_fields(self, state):
        return set()

    def _care_create_fields(self):
        return INPUT_FIELDS

    @api.model
    def _check_available(self, vals):
        """Neither the source line's available amount nor the reserve may go below zero: both from the
        change log and the spending as they are now, under the locks ``create`` took."""
        budget = self.env["care.budget"].browse(vals["budget_id"])
        currency, amount = budget.currency_id, vals.get("amount", 0.0)
        if vals.get("change_type", "transfer") == "transfer":
            source = self.env["care.budget.line"].browse(vals.get("line_from_id"))
            left = source._available_from_log()[source.id] if source else 0.0
            if source and currency.compare_amounts(amount, left) > 0:
                raise ValidationError(self.env._(
                    "The line %(line)s has only %(left)s left to transfer (committed and actual spending stay).",
                    line=source.display_name, left=currency.format(left),
                ))
        elif currency.compare_amounts(amount, left := budget._reserve_left()) > 0:
            raise ValidationError(self.env._(
                "Only %(left)s of the contingency reserve is left to release.", left=currency.format(left),
            ))

    def _describe(self):
        amount = self.currency_id.format(self.amount)
        if self.change_type == "transfer":
            return self.env._(
                "Transferred %(amount)s from %(origin)s to %(target)s: %(reason)s",
                amount=amount, origin=self.line_from_id.display_name, target=self.line_to_id.display_name,
                reason=self.reason,
            )
        return self.env._(
            "Released %(amount)s of the contingency reserve to %(target)s: %(reason)s",
            amount=amount, target=self.line_to_id.display_name, reason=self.reason,
        )
