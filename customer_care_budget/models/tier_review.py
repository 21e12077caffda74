from odoo import api, models
from odoo.exceptions import AccessError

from .care_approval_mixin import in_workflow

CARE_MODELS = ("care.budget", "care.expense")


class TierReview(models.Model):
    _inherit = "tier.review"

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("model") in CARE_MODELS for vals in vals_list):
            self._check_care_workflow()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("model") in CARE_MODELS or any(review.model in CARE_MODELS for review in self):
            self._check_care_workflow()
        return super().write(vals)

    def unlink(self):
        if any(review.model in CARE_MODELS for review in self):
            self._check_care_workflow()
        return super().unlink()

    def _check_care_workflow(self):
        # base_tier_validation lets every internal user write reviews: for Customer Care records,
        # only their approval workflow may, or a requester could approve their own review
        if not in_workflow(self) and not self.env.su:
            raise AccessError(self.env._(
                "Reviews of Customer Care budgets and expenses only change by approving or rejecting them."
            ))
