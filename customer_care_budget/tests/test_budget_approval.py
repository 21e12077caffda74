from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestBudgetApproval(CareTestCommon):

    def test_another_manager_approves(self):
        budget = self._budget()
        budget.with_user(self.care_manager).action_submit()
        self.assertRecordValues(budget, [{"state": "to_approve", "requested_by_id": self.care_manager.id}])
        self.assertIn(self.care_manager_2, budget.review_ids.reviewer_ids)
        self.assertNotIn(self.care_manager, budget.review_ids.reviewer_ids, "the requester is no reviewer")
        activity = budget.activity_ids.filtered(lambda a: a.user_id == self.care_manager_2)
        self.assertTrue(activity, "the approver gets an activity")

        budget.with_user(self.care_manager_2).validate_tier()
        self.assertEqual(budget.state, "approved")
        plan = self.env.ref("customer_care_budget.analytic_plan_customer_care")
        self.assertEqual(budget.analytic_account_id.plan_id, plan)
        self.assertEqual(budget.analytic_account_id.company_id, self.company)
        self.assertFalse(budget.activity_ids, "the approval activity is done")

    def test_requester_cannot_approve_own_plan(self):
        budget = self._budget()
        budget.with_user(self.care_manager).action_submit()
        with self.assertRaises(UserError):  # ValidationError included
            budget.with_user(self.care_manager).validate_tier()
        with self.assertRaisesRegex(AccessError, "cannot be typed in"):
            budget.with_user(self.care_manager).write({"state": "approved"})
        self.assertEqual(budget.state, "to_approve")

    def test_users_and_accountants_cannot_submit(self):
        budget = self._budget()
        for user in (self.care_user, self.care_accountant):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                budget.with_user(user).action_submit()
        self.assertEqual(budget.state, "draft")

    def test_reset_to_draft_only_from_to_approve(self):
        budget = self._budget()
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager).action_reset_to_draft()
        budget.with_user(self.care_manager).action_submit()
        budget.with_user(self.care_manager).action_reset_to_draft()
        self.assertRecordValues(budget, [{"state": "draft"}])
        self.assertFalse(budget.review_ids)
        self._approve(budget)
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager).action_reset_to_draft()

    def test_close_and_cancel(self):
        budget = self._approve(self._budget())
        budget.with_user(self.care_manager).action_done()
        self.assertEqual(budget.state, "done")
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager).action_cancel()
        draft = self._budget()
        draft.with_user(self.care_manager).action_cancel()
        self.assertEqual(draft.state, "cancel")
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager).unlink()

    def test_approval_through_oca_comment_wizard(self):
        self.env.ref("customer_care_budget.tier_definition_care_budget_manager").has_comment = True
        budget = self._budget()
        budget.with_user(self.care_manager).action_submit()
        action = budget.with_user(self.care_manager_2).validate_tier()
        wizard = self.env["comment.wizard"].with_user(self.care_manager_2).with_context(**action["context"]).create({
            "comment": "Targets are realistic",
        })
        wizard.add_comment()
        self.assertEqual(budget.state, "approved")
        self.assertTrue(budget.analytic_account_id)

    def test_rejected_plan_goes_back_to_draft_with_the_reason(self):
        budget = self._budget()
        budget.with_user(self.care_manager).action_submit()
        action = budget.with_user(self.care_manager_2).reject_tier()
        self.assertEqual(action["res_model"], "care.approval.reason")
        wizard = self.env["care.approval.reason"].with_user(self.care_manager_2).with_context(**action["context"])
        with Form(wizard) as form:
            form.reason = "Gifts are twice last year's"
        form.record.action_confirm()
        self.assertRecordValues(budget, [{"state": "draft"}])
        self.assertIn("Gifts are twice last year", budget.message_ids[:1].body)
        todo = budget.activity_ids.filtered(lambda act: act.user_id == self.care_manager)
        self.assertEqual(len(todo), 1, "the requester is asked to act on the rejection")
        self.assertIn("Gifts are twice last year", str(todo.note))
        self.assertFalse(budget.activity_ids.filtered(lambda act: act.user_id == self.care_manager_2),
                         "the reviewer's approval activity is closed")

        budget.with_user(self.care_manager).write({"reserve_amount": 100.0})  # drafts are editable again
        budget.with_user(self.care_manager).action_submit()
        self.assertEqual(budget.review_ids.mapped("status"), ["pending"], "a new round of reviews")
        budget.with_user(self.care_manager_2).validate_tier()
        self.assertEqual(budget.state, "approved")

    def test_requester_cannot_reject_own_plan(self):
        budget = self._budget()
        budget.with_user(self.care_manager).action_submit()
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager).reject_tier()
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager)._reject("I changed my mind")
        self.assertEqual(budget.state, "to_approve")
