from odoo import api, models
from odoo.exceptions import AccessError, UserError

# Context key and value that mark writes made by the approval workflow itself. The value is a Python
# object: a client cannot send it through RPC, so it cannot forge a review or a state.
WORKFLOW = "care_workflow"
WORKFLOW_TOKEN = object()


def workflow(records):
    """``records`` in the approval workflow's own context (see ``WORKFLOW_TOKEN``)."""
    return records.with_context(**{WORKFLOW: WORKFLOW_TOKEN})


def in_workflow(records):
    return records.env.context.get(WORKFLOW) is WORKFLOW_TOKEN


class CareApprovalMixin(models.AbstractModel):
    """What budget plans and expenses share around OCA tier validation:

    - their reviews and their state only change through the workflow's methods (a user with write
      access on ``tier.review`` cannot approve a review by writing it);
    - each reviewer of a pending review has one approval activity, and no one else has.
    """

    _name = "care.approval.mixin"
    _description = "Customer Care Approval"
    _inherit = ["mail.thread", "mail.activity.mixin", "tier.validation"]

    _approval_activity_type = None  # xml id of the mail.activity.type of the model's approvals
    _workflow_fields = {"state"}  # fields only the workflow writes

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_workflow_fields({
                fname: value for fname, value in vals.items() if not (fname == "state" and value == "draft")
            })
        return super().create(vals_list)

    def write(self, vals):
        self._check_workflow_fields(vals)
        return super().write(vals)

    def unlink(self):
        # the ondelete checks of the model still apply; its reviews go with it
        return super(CareApprovalMixin, workflow(self)).unlink()

    def _check_workflow_fields(self, vals):
        forbidden = self._workflow_fields & vals.keys()
        if forbidden and not in_workflow(self):
            raise AccessError(self.env._(
                "%(fields)s only change through the actions of %(model)s (Submit, Approve, Post, Cancel...).",
                fields=", ".join(self._fields[name].get_description(self.env)["string"] for name in sorted(forbidden)),
                model=self._description,
            ))

    # ------------------------------------------------------------
    # OCA TIER VALIDATION: every entry point that writes reviews runs in the workflow
    # ------------------------------------------------------------

    def validate_tier(self):
        return super(CareApprovalMixin, workflow(self)).validate_tier()

    def reject_tier(self):
        return super(CareApprovalMixin, workflow(self)).reject_tier()

    def request_validation(self):
        self._check_in_workflow()
        return super().request_validation()

    def restart_validation(self):
        self._check_in_workflow()
        return super().restart_validation()

    def _check_in_workflow(self):
        # OCA's Request / Restart Validation buttons would let anyone drop or recreate the reviews
        if not in_workflow(self):
            raise AccessError(self.env._("Use Submit or Reset to Draft: they request and restart the approval."))

    def _validate_tier(self, tiers=False):
        return super(CareApprovalMixin, workflow(self))._validate_tier(tiers and workflow(tiers))

    def _rejected_tier(self, tiers=False):
        return super(CareApprovalMixin, workflow(self))._rejected_tier(tiers and workflow(tiers))

    def _update_counter(self, review_counter):
        return super(CareApprovalMixin, workflow(self))._update_counter(review_counter)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_state(self, states, message):
        """Refuse with ``message`` unless every record is in ``states`` (a state or a list of them)."""
        states = [states] if isinstance(states, str) else states
        if any(record[self._state_field] not in states for record in self):
            raise UserError(message)

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
