from odoo import models
from odoo.exceptions import AccessError, UserError

from .care_guard_mixin import workflow


class CareApprovalMixin(models.AbstractModel):
    """The approval flow budget plans and expenses share around OCA tier validation:

    submit (:meth:`_request_approval`) → reviews → :meth:`_validate_tier` → :meth:`_do_approve`, or
    :meth:`reject_tier` (a reason) → :meth:`_do_reject`; :meth:`action_reset_to_draft` withdraws.
    Reviews and states only change through these steps (a user with write access on ``tier.review``
    cannot approve a review by writing it), nobody reviews what they requested, and each reviewer of a
    pending review has one approval activity, and no one else has.

    A model sets the OCA states, ``_approval_activity_type``, ``_rejected_state``, and implements
    :meth:`_care_requester`, :meth:`_do_approve` and the guards it adds.
    """

    _name = "care.approval.mixin"
    _description = "Customer Care Approval"
    _inherit = ["care.guard.mixin", "mail.thread", "mail.activity.mixin", "tier.validation"]

    _approval_activity_type = None  # xml id of the mail.activity.type of the model's approvals
    _rejected_state = "draft"  # where a rejected record goes

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    def unlink(self):
        # the ondelete checks of the model still apply; its reviews go with it
        return super(CareApprovalMixin, workflow(self)).unlink()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_reset_to_draft(self):
        """Withdraw a record waiting for approval (or take a rejected one back): its reviews go."""
        self._check_requester_or_manager(self.env._("reset"))
        rejected = [self._rejected_state] if self._rejected_state != "draft" else []
        self._check_state(
            [*self._state_from, *rejected],
            self.env._("Only a record waiting for approval or rejected goes back to draft."),
        )
        workflow(self).restart_validation()
        self.activity_unlink([self._approval_activity_type])
        workflow(self).with_context(skip_validation_check=True).write(
            {self._state_field: "draft", **self._reset_values()}
        )

    def reject_tier(self):
        """Rejecting asks for the reason (the wizard then calls :meth:`_reject`)."""
        self.ensure_one()
        self._check_can_review()
        return self._open_reason_wizard("reject")

    def action_approve_selected(self):
        """Approve the records selected in a list, each exactly as its own Approve button would."""
        return self._run_each(lambda record: record._approve_as_reviewer(), lambda count, total: self.env._(
            "%(count)s of %(total)s approved", count=count, total=total))

    def action_reject_selected(self):
        """Reject the records selected in a list with one reason (asked first), each as one at a time."""
        return self._open_reason_wizard("reject")

    def _open_reason_wizard(self, reason_type):
        wizard = self.env["care.approval.reason"]
        return {
            "type": "ir.actions.act_window",
            "name": dict(wizard._fields["reason_type"]._description_selection(self.env))[reason_type],
            "res_model": wizard._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": self._name, "default_res_ids": self.ids, "default_reason_type": reason_type,
            },
        }

    # ------------------------------------------------------------
    # OCA TIER VALIDATION: every entry point that writes reviews runs in the workflow
    # ------------------------------------------------------------

    def validate_tier(self):
        return super(CareApprovalMixin, workflow(self)).validate_tier()

    def request_validation(self):
        self._check_in_workflow()
        return super().request_validation()

    def restart_validation(self):
        self._check_in_workflow()
        return super().restart_validation()

    def _check_in_workflow(self):
        # OCA's Request / Restart Validation buttons would let anyone drop or recreate the reviews
        if not self._care_guard_bypassed():
            raise AccessError(self.env._("Use Submit or Reset to Draft: they request and restart the approval."))

    def _validate_tier(self, tiers=False):
        # the hook of every approval path: the button, and OCA's comment wizard when tiers ask for one
        self._check_can_review()
        res = super(CareApprovalMixin, workflow(self))._validate_tier(tiers and workflow(tiers))
        if self.validation_status == "validated":
            self._do_approve()
        else:
            workflow(self.review_ids)._update_review_status()  # the next level's reviews become pending
            self._sync_approval_activities()
        return res

    def _rejected_tier(self, tiers=False):
        self._check_can_review()
        res = super(CareApprovalMixin, workflow(self))._rejected_tier(tiers and workflow(tiers))
        if self.validation_status == "rejected":
            self._do_reject()
        return res

    def _update_counter(self, review_counter):
        return super(CareApprovalMixin, workflow(self))._update_counter(review_counter)

    def _add_tier_validation_buttons(self, node, params):
        # Submit and Reset to Draft request and restart the approval: OCA's own buttons would only refuse
        new_node = super()._add_tier_validation_buttons(node, params)
        for button in new_node.xpath("//button[@name='request_validation' or @name='restart_validation']"):
            button.getparent().remove(button)
        return new_node

    # ------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------

    def _care_requester(self):
        """The user who asked for the approval."""
        raise NotImplementedError

    def _do_approve(self):
        """The last approval: the model's checks, then its approved state."""
        raise NotImplementedError

    def _reset_values(self):
        """What else goes back when the record returns to draft."""
        return {}

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _request_approval(self):
        """After the submitted state is written: ask the reviews, or approve when no tier applies."""
        # need_validation has no dependencies in base_tier_validation: drop any value cached as draft
        self.invalidate_recordset(["need_validation"])
        for record in self:
            if record.need_validation:
                workflow(record).request_validation()
                record._sync_approval_activities()
            else:
                record._do_approve()

    def _reject(self, reason):
        """Reject with a reason (the review's comment): the record goes back to its requester."""
        self.ensure_one()
        self._check_can_review()
        reviews = self.review_ids.filtered(
            lambda rev: rev.status in ("waiting", "pending") and self.env.user in rev.reviewer_ids
        )
        workflow(reviews).write({"comment": reason})
        self._rejected_tier(reviews)
        self._update_counter({"review_deleted": True})

    def _do_reject(self):
        """Back to the requester with the reason in the chatter and an activity to act on it."""
        workflow(self).with_context(skip_validation_check=True).write({self._state_field: self._rejected_state})
        self._sync_approval_activities()
        for record in self:
            reason = ", ".join(filter(None, record.review_ids.filtered(
                lambda rev: rev.status == "rejected").mapped("comment"))) or "-"
            note = self.env._("Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
            record.message_post(body=note)
            record.activity_schedule(
                "mail.mail_activity_data_todo", user_id=record._care_requester().id or self.env.uid,
                summary=self.env._("%(record)s rejected", record=record.display_name), note=note,
            )

    def _approve_as_reviewer(self):
        """The user's approval of one record, refused unless it counts: a review asking for a comment is
        approved from the record's form (OCA's comment wizard), and a review not yet the user's turn
        approves nothing."""
        self.ensure_one()
        self._check_can_review()
        if self.has_comment:
            raise UserError(self.env._("%(record)s asks for a comment: approve it from its form.",
                                       record=self.display_name))
        self.validate_tier()
        if self.env.user not in self.review_ids.filtered(lambda rev: rev.status == "approved").done_by:
            raise UserError(self.env._("%(record)s waits for an earlier level first.", record=self.display_name))

    def _run_each(self, step, summary):
        """Run ``step`` on each record apart, through all its guards: a refused record is rolled back alone
        (a savepoint) and listed with its reason; the others go through. ``summary(count, total)`` titles
        the notification returned. Only refusals (UserError and its kinds) are caught: a serialization
        conflict still retries the whole request."""
        refused = []
        for record in self:
            try:
                with self.env.cr.savepoint():
                    step(record)
            except UserError as error:  # AccessError, ValidationError... included
                refused.append((record, error.args[0]))
        title = summary(len(self) - len(refused), len(self))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": " ".join([self.env._("Refused:")] + ["%s"] * len(refused)) if refused else "",
                "links": [{"label": f"{record.display_name}: {reason}", "url": f"/odoo/{record._name}/{record.id}"}
                          for record, reason in refused],
                "type": "warning" if refused else "success",
                "sticky": bool(refused),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _check_state(self, states, message):
        """Refuse with ``message`` unless every record is in ``states`` (a state or a list of them)."""
        states = [states] if isinstance(states, str) else states
        if any(record[self._state_field] not in states for record in self):
            raise UserError(message)

    def _check_requester_or_manager(self, action):
        if self.env.user.has_group("customer_care_budget.group_care_manager"):
            return
        if any(record._care_requester() != self.env.user for record in self):
            raise AccessError(self.env._(
                "Only the requester or a Customer Care Manager can %(action)s %(record)s.",
                action=action, record=self[:1].display_name,
            ))

    def _check_can_review(self):
        """Nobody approves what they asked for, Accountants never approve (segregation of duties), and
        only the reviewers of a review waiting for them act on it."""
        user = self.env.user
        for record in self:
            if user == record._care_requester() or user in record.review_ids.requested_by:
                raise UserError(self.env._(
                    "You cannot approve or reject %(record)s: you asked for its approval.",
                    record=record.display_name,
                ))
            if user.has_group("customer_care_budget.group_care_accountant"):
                raise UserError(self.env._(
                    "Accountants post expenses and cannot approve them (segregation of duties)."
                ))
            if user not in record.review_ids.filtered(lambda rev: rev.status in ("waiting", "pending")).reviewer_ids:
                raise UserError(self.env._("You are not a reviewer of %(record)s.", record=record.display_name))

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
            # sudo: the workflow, not the user, keeps the other reviewers' activities, and a reviewer may only
            # read the record (a Compliance Officer approving a public official's expense)
            (finished - mine).sudo().unlink()
            for reviewer in missing:
                record.sudo().activity_schedule(
                    self._approval_activity_type, user_id=reviewer.id, note=record._approval_activity_note(),
                )
