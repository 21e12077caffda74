from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import split_amount


class CareBudgetAllocate(models.TransientModel):
    """Allocate by tier: spread an amount for one activity over tiers.

    Each tier gets amount × (tier weight × size) / Σ (weight × size), rounded to the cent with the cents
    conserved, where a tier's size is its number of customers or, weighting by CLV, their total discounted
    CLV; one budget line per tier that gets money.
    """

    _name = "care.budget.allocate"
    _description = "Allocate a Customer Care Budget by Tier"

    budget_id = fields.Many2one("care.budget", required=True)
    currency_id = fields.Many2one(related="budget_id.currency_id")
    activity_type_id = fields.Many2one("care.activity.type", required=True)
    amount = fields.Monetary(required=True)
    date_from = fields.Date(string="Start Date", compute="_compute_dates", store=True, readonly=False, required=True,
                            precompute=True)
    date_to = fields.Date(string="End Date", compute="_compute_dates", store=True, readonly=False, required=True,
                            precompute=True)
    weight_by = fields.Selection(
        [("customers", "Customers"), ("clv", "Total CLV")],
        default="customers", required=True,
        help="Customers: each tier's share is its weight x its number of customers. Total CLV: its weight x the "
        "total discounted CLV of its customers, so the tiers worth most get most.",
    )
    tier_ids = fields.Many2many(
        "care.tier", string="Tiers", compute="_compute_tier_ids", store=True, readonly=False,
        help="The tiers to allocate to: by default those the activity allows.",
    )
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    @api.depends("budget_id")
    def _compute_dates(self):
        for wizard in self:
            wizard.date_from = wizard.budget_id.date_from
            wizard.date_to = wizard.budget_id.date_to

    @api.depends("activity_type_id", "budget_id")
    def _compute_tier_ids(self):
        for wizard in self:
            ladder = self.env["care.tier"]._get_ladder(wizard.budget_id.company_id or self.env.company)
            allowed = wizard.activity_type_id.tier_ids
            wizard.tier_ids = ladder & allowed if allowed else ladder

    @api.depends("tier_ids", "amount", "weight_by")
    def _compute_preview(self):
        for wizard in self:
            money = wizard.currency_id.format
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td>"
                       "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>") % (
                    tier.name, customers, money(clv), tier.allocation_weight, money(amount),
                )
                for tier, customers, clv, amount in wizard._allocation(raise_if_empty=False)
            )
            wizard.preview = Markup(
                "<table class='table table-sm'><thead><tr><th>%s</th><th class='text-end'>%s</th>"
                "<th class='text-end'>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead>"
                "<tbody>%s</tbody></table>"
            ) % (self.env._("Tier"), self.env._("Customers"), self.env._("Total CLV"), self.env._("Weight"),
                 self.env._("Amount"), rows)

    def _allocation(self, raise_if_empty=True):
        """[(tier, customers, their total CLV, amount)] for the tiers that get money."""
        self.ensure_one()
        company = self.budget_id.company_id or self.env.company
        totals = self.tier_ids._customer_totals(company)
        size = 1 if self.weight_by == "clv" else 0  # index in the totals
        tiers = self.tier_ids.filtered(lambda tier: totals.get(tier, (0, 0.0))[size] > 0 and tier.allocation_weight > 0)
        if not tiers or self.currency_id.compare_amounts(self.amount, 0) <= 0:
            if raise_if_empty:
                raise UserError(self.env._(
                    "Nothing to allocate: give a positive amount and tiers with customers (and, weighting by CLV, "
                    "a positive total CLV) and a weight."
                ))
            return []
        amounts = split_amount(self.amount, [tier.allocation_weight * totals[tier][size] for tier in tiers],
                               self.currency_id)
        return [(tier, *totals[tier], amount) for tier, amount in zip(tiers, amounts)]

    def action_allocate(self):
        self._create_lines()
        return {"type": "ir.actions.act_window_close"}

    def _create_lines(self):
        self.ensure_one()
        return self.env["care.budget.line"].create([
            {
                "budget_id": self.budget_id.id,
                "activity_type_id": self.activity_type_id.id,
                "tier_id": tier.id,
                "date_from": self.date_from,
                "date_to": self.date_to,
                "amount_original": amount,
            }
            for tier, _customers, _clv, amount in self._allocation()
        ])
