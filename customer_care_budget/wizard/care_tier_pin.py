from odoo import fields, models

from ..models.care_guard_mixin import workflow


class CareTierPin(models.TransientModel):
    """Pin a tier on customers: recomputation keeps it until a Manager unpins it."""

    _name = "care.tier.pin"
    _description = "Pin Customer Care Tier"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    tier_id = fields.Many2one("care.tier", required=True)
    reason = fields.Char(required=True, help="Why this tier overrides the computed one; logged in the chatter.")

    def action_pin(self):
        self.ensure_one()
        partners = self.partner_ids.commercial_partner_id
        partners._check_care_manager()
        tiers_before = {partner: partner.care_tier_id for partner in partners}
        workflow(partners).write({
            "care_tier_id": self.tier_id.id,
            "care_pinned_tier_id": self.tier_id.id,
            "care_pin_reason": self.reason,
        })
        for partner in partners:
            partner.message_post(body=self.env._(
                "Care tier pinned to %(tier)s: %(reason)s", tier=self.tier_id.name, reason=self.reason,
            ))
        self.env["care.segment.history"]._record_decision(partners, "pin", tiers_before)
        return {"type": "ir.actions.act_window_close"}
