from odoo import api, fields, models

from ..tools import insert_rows
from .res_partner import CARE_STAGES


class CareSegmentHistory(models.Model):
    """One change of a customer's tier or lifecycle stage in a company (客户分层变动): what it was, what it
    became, on which day and why. The recompute inserts its rows in one statement; a Manager's pin or unpin
    adds one. Nobody writes them by hand: every group only reads them."""

    _name = "care.segment.history"
    _description = "Customer Segment History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, index=True,
                                 ondelete="cascade")
    date = fields.Date(required=True, readonly=True, index=True)
    tier_before_id = fields.Many2one("care.tier", readonly=True)
    tier_after_id = fields.Many2one("care.tier", readonly=True, index=True)
    stage_before = fields.Selection(CARE_STAGES, readonly=True)
    stage_after = fields.Selection(CARE_STAGES, readonly=True)
    score = fields.Integer(string="RFM Score", readonly=True, help="The RFM score (3–15) after the change.")
    churn_risk = fields.Boolean(string="Churn Signal", readonly=True, help="The churn signal after the change.")
    cause = fields.Selection(
        [("recompute", "Recompute"), ("pin", "Pinned"), ("unpin", "Unpinned")],
        required=True, readonly=True,
        help="Recompute: the nightly (or a Manager's) segmentation; Pinned / Unpinned: a Manager's decision.",
    )
    user_id = fields.Many2one("res.users", string="By", readonly=True, help="Who pinned or unpinned the tier.")
    tier_changed = fields.Boolean(readonly=True, help="The tier changed (else only the stage).")

    _customer_date_idx = models.Index("(company_id, partner_id, date)")

    @api.model
    def _insert_recompute_changes(self, company, date, changes):
        """One row per change of ``changes`` (``[(partner id, tier before, tier after, stage before, stage
        after, RFM score, churn signal)]``, found by the recompute), in one statement."""
        insert_rows(self, [
            {"company_id": company.id, "partner_id": partner_id, "date": date, "cause": "recompute",
             "tier_before_id": tier_before, "tier_after_id": tier_after, "tier_changed": tier_before != tier_after,
             "stage_before": stage_before, "stage_after": stage_after, "score": score, "churn_risk": churn_risk}
            for partner_id, tier_before, tier_after, stage_before, stage_after, score, churn_risk in changes
        ])
        self.env["res.partner"].invalidate_model(["care_segment_history_ids"])

    @api.model
    def _record_decision(self, partners, cause, tiers_before):
        """A Manager pinned or unpinned the tier of ``partners`` (``tiers_before``: {partner: tier})."""
        today = fields.Date.context_today(self)
        # sudo: the history is read-only for every group; the decision itself was checked by the caller
        self.sudo().create([{
            "company_id": self.env.company.id,
            "partner_id": partner.id,
            "date": today,
            "tier_before_id": tiers_before[partner].id,
            "tier_after_id": partner.care_tier_id.id,
            "stage_before": partner.care_stage,
            "stage_after": partner.care_stage,
            "score": partner.care_score,
            "churn_risk": partner.care_churn_risk,
            "cause": cause,
            "user_id": self.env.uid,
            "tier_changed": tiers_before[partner] != partner.care_tier_id,
        } for partner in partners])
