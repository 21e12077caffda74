import secrets

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from .. import incrementality
from .care_guard_mixin import workflow

# What a Manager sets on a holdout of a draft plan; the pick is made when the plan is approved.
DRAFT_FIELDS = {"tier_id", "activity_type_id", "share_pct"}


class CareBudgetHoldout(models.Model):
    """A holdout group of a plan (对照组): a share of the customers of a tier (or of all tiers) that the plan
    does not serve (with an activity: does not serve with it), picked at random when the plan is approved,
    with the seed recorded. Evaluations of the plan compare its served customers with them."""

    _name = "care.budget.holdout"
    _description = "Customer Care Holdout Group"
    _inherit = ["care.budget.draft.part"]
    _order = "budget_id, id"
    _check_company_auto = True

    budget_id = fields.Many2one("care.budget", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="budget_id.company_id", store=True, index=True)
    tier_id = fields.Many2one(
        "care.tier", check_company=True,
        help="Hold out customers of this tier (their tier when the plan is approved); empty: of every tier.",
    )
    activity_type_id = fields.Many2one(
        "care.activity.type", string="Activity",
        help="Hold them out of this activity only; empty: out of every activity of the plan.",
    )
    share_pct = fields.Float(
        string="Share (%)", required=True, default=10.0,
        help="Share of the tier's customers held out, picked at random when the plan is approved.",
    )
    seed = fields.Integer(readonly=True, copy=False, help="The random seed of the pick: the same seed and "
                          "customers pick the same holdout.")
    partner_ids = fields.Many2many(
        "res.partner", string="Customers Held Out", readonly=True, copy=False,
        help="The customers picked when the plan was approved: no retention activity nor care expense "
        "(unless a Manager confirms one with a reason) reaches them during the plan.",
    )
    customer_count = fields.Integer(string="Held Out", compute="_compute_customer_count")

    _share_range = models.Constraint(
        "CHECK(share_pct > 0 AND share_pct < 100)",
        "A holdout takes more than 0 % and less than 100 % of the customers.",
    )

    @api.depends("partner_ids")
    def _compute_customer_count(self):
        for holdout in self:
            holdout.customer_count = len(holdout.partner_ids)

    @api.depends("tier_id", "activity_type_id", "share_pct")
    def _compute_display_name(self):
        for holdout in self:
            holdout.display_name = self.env._(
                "%(share)s%% of %(tier)s%(activity)s", share=holdout.share_pct,
                tier=holdout.tier_id.name or self.env._("all tiers"),
                activity=f" · {holdout.activity_type_id.name}" if holdout.activity_type_id else "",
            )

    @api.constrains("budget_id", "tier_id", "activity_type_id")
    def _check_one_per_scope(self):
        for holdout in self:
            if len(holdout.budget_id.holdout_ids.filtered(
                    lambda other, holdout=holdout: (other.tier_id, other.activity_type_id)
                    == (holdout.tier_id, holdout.activity_type_id))) > 1:
                raise ValidationError(self.env._(
                    "%(budget)s holds out %(scope)s twice: one holdout per tier and activity.",
                    budget=holdout.budget_id.name, scope=holdout.display_name,
                ))

    def _draft_fields(self):
        return DRAFT_FIELDS

    def _locked_message(self):
        return self.env._("The holdouts of a submitted budget are locked.")

    def _pick(self):
        """Pick each holdout's customers with a new recorded seed (see ``incrementality.pick_holdout``): the
        commercial customers of the company with a segment, of the holdout's tier if it has one."""
        for holdout in self:
            company = holdout.company_id
            domain = Domain("care_stage", "!=", False) & Domain("company_id", "in", [company.id, False]) \
                & (Domain("is_company", "=", True) | Domain("parent_id", "=", False))
            if holdout.tier_id:
                domain &= Domain("care_tier_id", "=", holdout.tier_id.id)
            candidates = self.env["res.partner"].with_company(company).search(domain).ids
            seed = secrets.randbelow(2**31)
            workflow(holdout).write({
                "seed": seed,
                "partner_ids": [fields.Command.set(incrementality.pick_holdout(candidates, holdout.share_pct, seed))],
            })

    @api.model
    def _covering(self, partner, activity, on_date, company):
        """The holdouts of approved plans of ``company`` running on ``on_date`` that hold ``partner`` (a
        commercial partner) out of ``activity`` (None: of any activity)."""
        domain = Domain("budget_id.state", "=", "approved") & Domain("company_id", "=", company.id) \
            & Domain("budget_id.date_from", "<=", on_date) & Domain("budget_id.date_to", ">=", on_date) \
            & Domain("partner_ids", "in", partner.ids)
        if activity:
            domain &= Domain("activity_type_id", "in", [activity.id, False])
        return self.search(domain)
