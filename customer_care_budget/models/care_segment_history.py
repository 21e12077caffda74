from odoo import api, fields, models
from odoo.tools import SQL

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
        """One row per customer of ``changes`` (``[(partner_id, before, after)]``, the segment values read
        and written by the recompute) whose tier or stage changed, in one INSERT."""
        rows = [
            (partner_id, before["care_tier_id"], after.get("care_tier_id", before["care_tier_id"]),
             before["care_stage"], after.get("care_stage", before["care_stage"]),
             after.get("care_score", before["care_score"]), after.get("care_churn_risk", before["care_churn_risk"]))
            for partner_id, before, after in changes
            if "care_tier_id" in after or "care_stage" in after
        ]
        if not rows:
            return
        columns = list(zip(*rows))
        self.env.cr.execute(SQL(
            """
            INSERT INTO care_segment_history (company_id, partner_id, date, tier_before_id, tier_after_id,
                                              stage_before, stage_after, score, churn_risk, cause, tier_changed,
                                              create_uid, create_date, write_uid, write_date)
                 SELECT %(company)s, partner_id, %(date)s, tier_before, tier_after, stage_before, stage_after,
                        score, churn_risk, 'recompute', tier_before IS DISTINCT FROM tier_after,
                        %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                   FROM unnest(%(partners)s::int[], %(tiers_before)s::int[], %(tiers_after)s::int[],
                               %(stages_before)s::varchar[], %(stages_after)s::varchar[], %(scores)s::int[],
                               %(risks)s::bool[])
                        AS changes (partner_id, tier_before, tier_after, stage_before, stage_after, score, churn_risk)
            """,
            company=company.id, date=date, uid=self.env.uid,
            partners=list(columns[0]), tiers_before=[tier or None for tier in columns[1]],
            tiers_after=[tier or None for tier in columns[2]], stages_before=[stage or None for stage in columns[3]],
            stages_after=[stage or None for stage in columns[4]], scores=[score or 0 for score in columns[5]],
            risks=[bool(risk) for risk in columns[6]],
        ))
        self.invalidate_model()

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
