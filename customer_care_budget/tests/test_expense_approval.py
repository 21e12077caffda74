from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestExpenseApproval(CareTestCommon):
    """Approval levels by amount through OCA tier validation, four eyes, rejection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.event = cls.env.ref("customer_care_budget.care_activity_event")
        plan = cls.env["care.budget"].with_user(cls.care_manager).create({
            "name": "Events 2026",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "objective_ids": [Command.create({"kpi": "nps", "baseline": 30, "target": 35})],
            "line_ids": [Command.create({"activity_type_id": cls.event.id, "amount_original": 40000.0,
                                         "date_from": "2026-01-01", "date_to": "2026-12-31"})],
        })
        cls._approve(plan)
        cls.event_line = plan.line_ids
        cls.tier_key.annual_allowance = 0

    def _reviewers(self, expense):
        """Logins of the test users reviewing each level (the database may hold other Managers)."""
        test_users = self.care_user | self.care_manager | self.care_manager_2 | self.care_admin | self.care_accountant
        reviews = expense.review_ids.sorted("sequence")
        return [set((review.reviewer_ids & test_users).mapped("login")) for review in reviews]

    def test_small_expense_needs_one_manager(self):
        expense = self._expense(150.0)
        expense.action_submit()
        self.assertEqual(self._reviewers(expense), [{"care_manager", "care_manager_2"}])
        approval = self.env.ref("customer_care_budget.mail_activity_care_expense_approval")
        activities = expense.activity_ids.filtered(lambda act: act.activity_type_id == approval)
        self.assertLessEqual(self.care_manager | self.care_manager_2, activities.user_id, "each approver is asked")
        self.assertNotIn(self.care_user, activities.user_id)
        expense.with_user(self.care_manager_2).validate_tier()
        self.assertEqual(expense.state, "approved")
        self.assertFalse(expense.activity_ids, "the approval activities are closed")

    def test_large_expense_needs_a_second_reviewer(self):
        expense = self._expense(12000.0, activity=self.event)
        expense.action_submit()
        self.assertEqual(len(expense.review_ids), 2)
        self.assertEqual(self._reviewers(expense)[1], {"care_admin"}, "Administrators review the second level")
        expense.with_user(self.care_manager).validate_tier()
        self.assertEqual(expense.state, "submitted", "one level is not enough above 10,000")
        self.assertIn(self.care_admin, expense.activity_ids.user_id, "the next level's reviewer is asked")
        with self.assertRaisesRegex(UserError, "not a reviewer"):
            expense.with_user(self.care_manager_2).validate_tier()
        self.care_manager.group_ids |= self.env.ref("customer_care_budget.group_care_admin")
        with self.assertRaisesRegex(UserError, "needs a second reviewer"):
            expense.with_user(self.care_manager).validate_tier()
        expense.with_user(self.care_admin).validate_tier()
        self.assertEqual(expense.state, "approved")

    def test_amount_exactly_at_the_limit_needs_one_level(self):
        expense = self._expense(10000.0, activity=self.event)
        expense.action_submit()
        self.assertEqual(len(expense.review_ids), 1)

    def test_nobody_approves_their_own_expense(self):
        expense = self._expense(150.0, user=self.care_manager)
        expense.action_submit()
        self.assertEqual(self._reviewers(expense), [{"care_manager_2"}], "the requester is no reviewer")
        with self.assertRaisesRegex(UserError, "you asked for its approval"):
            expense.with_user(self.care_manager).validate_tier()
        self.assertEqual(expense.state, "submitted")

    def test_accountants_cannot_approve(self):
        self.care_accountant.group_ids |= self.env.ref("customer_care_budget.group_care_manager")
        expense = self._expense(150.0)
        expense.action_submit()
        with self.assertRaisesRegex(UserError, "segregation of duties"):
            expense.with_user(self.care_accountant).validate_tier()

    def test_users_cannot_approve(self):
        expense = self._expense(150.0)
        expense.action_submit()
        other_user = self._care_user("care_user_2", "customer_care_budget.group_care_user",
                                     [Command.set(self.company.ids)])
        with self.assertRaises(AccessError):
            expense.with_user(other_user).validate_tier()
        self.assertEqual(expense.state, "submitted")

    def test_lost_or_prospect_customer_needs_a_manager_whatever_the_amount(self):
        manager_tier = self.env.ref("customer_care_budget.tier_definition_care_expense_manager")
        manager_tier.definition_domain = "[('amount_company', '>', 500)]"
        active = self._expense(100.0)
        active.action_submit()
        self.assertEqual(active.state, "approved", "no tier applies: approved at once")
        for stage in ("lost", "prospect"):
            customer = self._customer(f"{stage} customer")
            self._set_segment(customer, care_tier_id=self.tier_key.id, care_stage=stage)
            expense = self._expense(100.0, partner=customer)
            expense.action_submit()
            self.assertEqual(expense.state, "submitted")
            self.assertEqual(expense.review_ids.definition_id, manager_tier)

    def test_rejection_asks_a_reason_and_returns_to_the_requester(self):
        expense = self._expense(150.0)
        expense.action_submit()
        action = expense.with_user(self.care_manager).reject_tier()
        self.assertEqual(action["res_model"], "care.approval.reason")
        wizard = Form(self.env["care.approval.reason"].with_user(self.care_manager).with_context(**action["context"]))
        wizard.reason = "No receipt from the restaurant"
        wizard.save().action_confirm()
        self.assertEqual(expense.state, "rejected")
        todo = expense.activity_ids.filtered(lambda act: act.user_id == self.care_user)
        self.assertIn("No receipt from the restaurant", str(todo.note))
        self.assertIn("No receipt from the restaurant", expense.message_ids[:3].mapped("body")[0]
                      + "".join(expense.message_ids[:3].mapped("body")))
        # the requester corrects it and submits again
        expense.action_reset_to_draft()
        expense.purpose = "Dinner with the purchasing team"
        expense.action_submit()
        self.assertEqual(expense.state, "submitted")
        self.assertEqual(expense.review_ids.mapped("status"), ["pending"])

    def test_approval_through_oca_comment_wizard(self):
        self.env.ref("customer_care_budget.tier_definition_care_expense_manager").has_comment = True
        expense = self._expense(150.0)
        expense.action_submit()
        action = expense.with_user(self.care_manager).validate_tier()
        self.assertEqual(action["res_model"], "comment.wizard")
        wizard = self.env["comment.wizard"].with_user(self.care_manager).with_context(**action["context"]).create({
            "comment": "Receipt checked",
        })
        wizard.add_comment()
        self.assertEqual(expense.state, "approved")
        self.assertEqual(expense.review_ids.comment, "Receipt checked")
