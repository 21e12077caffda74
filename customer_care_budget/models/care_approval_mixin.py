from odoo import models


class CareApprovalMixin(models.AbstractModel):
    """What budget plans and expenses share around OCA tier validation: each reviewer of a
    pending review has one approval activity, and no one else has."""

    _name = "care.approval.mixin"
    _description = "Customer Care Approval"
    _inherit = ["mail.thread", "mail.activity.mixin", "tier.validation"]

    _approval_activity_type = None  # xml id of the mail.activity.type of the model's approvals

    def _approval_activity_note(self):
        return self.env._("Please review %(record)s.", record=self.display_name)

    def _sync_approval_activities(self):
        """Schedule an activity for each reviewer now expected to act; close the others: done for
        the user who just acted, dropped for reviewers whose turn passed."""
        activity_type = self.env.ref(self._approval_activity_type)
        for record in self:
            activities = record.activity_ids.filtered(lambda act: act.activity_type_id == activity_type)
            expected = self.env["res.users"]
            if record[self._state_field] in self._state_from:
                expected = record.review_ids.filtered(lambda review: review.status == "pending").reviewer_ids
            missing = expected - activities.user_id
            finished = activities.filtered(lambda act, expected=expected: act.user_id not in expected)
            mine = finished.filtered(lambda act: act.user_id == self.env.user)
            mine.action_feedback()
            (finished - mine).unlink()
            for reviewer in missing:
                record.activity_schedule(
                    self._approval_activity_type, user_id=reviewer.id, note=record._approval_activity_note(),
                )
