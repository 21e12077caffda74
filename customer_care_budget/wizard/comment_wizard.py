from odoo import models
from odoo.exceptions import AccessError

from ..models.care_guard_mixin import workflow
from ..models.tier_review import CARE_MODELS


class CommentWizard(models.TransientModel):
    _inherit = "comment.wizard"

    def add_comment(self):
        if self.res_model not in CARE_MODELS:
            return super().add_comment()
        record = self.env[self.res_model].browse(self.res_id)
        sequences = record._get_sequences_to_approve(self.env.user)
        if not self.review_ids or any(
            review not in record.review_ids or review.sequence not in sequences for review in self.review_ids
        ):
            raise AccessError(self.env._("You can only comment the reviews waiting for you on this record."))
        return super(CommentWizard, workflow(self)).add_comment()
