from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    care_window_days = fields.Integer(related="company_id.care_window_days", readonly=False)
    care_new_days = fields.Integer(related="company_id.care_new_days", readonly=False)
    care_at_risk_drop_pct = fields.Float(related="company_id.care_at_risk_drop_pct", readonly=False)
    care_gap_factor = fields.Float(related="company_id.care_gap_factor", readonly=False)
    care_dormant_days = fields.Integer(related="company_id.care_dormant_days", readonly=False)
    care_lost_days = fields.Integer(related="company_id.care_lost_days", readonly=False)
    care_gross_margin_pct = fields.Float(related="company_id.care_gross_margin_pct", readonly=False)
    care_relationship_years = fields.Float(related="company_id.care_relationship_years", readonly=False)
    care_value_horizon_days = fields.Integer(related="company_id.care_value_horizon_days", readonly=False)
    care_value_discount_pct = fields.Float(related="company_id.care_value_discount_pct", readonly=False)
    care_expected_days = fields.Integer(related="company_id.care_expected_days", readonly=False)
    care_alive_threshold_pct = fields.Float(related="company_id.care_alive_threshold_pct", readonly=False)
    care_tier_basis = fields.Selection(related="company_id.care_tier_basis", readonly=False)
    care_allowance_clv_pct = fields.Float(related="company_id.care_allowance_clv_pct", readonly=False)
    care_value_model_status = fields.Char(related="company_id.care_value_model_status")
    care_warning_threshold = fields.Float(related="company_id.care_warning_threshold", readonly=False)
    care_expense_journal_id = fields.Many2one(related="company_id.care_expense_journal_id", readonly=False)
    care_roi_increase_pct = fields.Float(related="company_id.care_roi_increase_pct", readonly=False)
    care_roi_keep_pct = fields.Float(related="company_id.care_roi_keep_pct", readonly=False)
    care_roi_stop_pct = fields.Float(related="company_id.care_roi_stop_pct", readonly=False)
    care_retention_lift_keep = fields.Float(related="company_id.care_retention_lift_keep", readonly=False)
    care_evaluation_min_customers = fields.Integer(
        related="company_id.care_evaluation_min_customers", readonly=False,
    )
    care_official_category_ids = fields.Many2many(
        related="company_id.care_official_category_ids", readonly=False,
    )
    care_factor_increase_pct = fields.Float(related="company_id.care_factor_increase_pct", readonly=False)
    care_factor_keep_pct = fields.Float(related="company_id.care_factor_keep_pct", readonly=False)
    care_factor_reduce_pct = fields.Float(related="company_id.care_factor_reduce_pct", readonly=False)

    @api.constrains(
        "care_roi_increase_pct", "care_roi_keep_pct", "care_roi_stop_pct", "care_factor_increase_pct",
        "care_factor_keep_pct", "care_factor_reduce_pct",
    )
    def _check_care_evaluation_settings(self):
        # checked here, once all the values are saved: the company receives them one field at a time
        for settings in self:
            self.env["care.evaluation"]._check_thresholds(
                settings.care_roi_increase_pct, settings.care_roi_keep_pct, settings.care_roi_stop_pct,
            )
            self.env["care.budget.next"]._check_factors(
                settings.care_factor_increase_pct, settings.care_factor_keep_pct, settings.care_factor_reduce_pct,
            )

    def action_care_recompute(self):
        return self.env["res.partner"].action_care_recompute()
