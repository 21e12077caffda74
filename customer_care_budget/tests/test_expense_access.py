from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestExpenseAccess(CareTestCommon):
    """Who sees and does what with expenses, per group and per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.care_user_2 = cls._care_user("care_user_2", "customer_care_budget.group_care_user",
                                         [Command.set(cls.company.ids)])
        cls.mine = cls._expense(100.0)
        cls.theirs = cls._expense(110.0, user=cls.care_user_2)

    def _visible(self, user):
        return self.env["care.expense"].with_user(user).search([("id", "in", (self.mine | self.theirs).ids)])

    def test_users_see_and_edit_their_own_expenses(self):
        self.assertEqual(self._visible(self.care_user), self.mine)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.care_user).read(["amount"])
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.care_user).write({"purpose": "Mine now"})
        self.mine.with_user(self.care_user).write({"purpose": "Flowers"})
        self.assertEqual(self.mine.purpose, "Flowers")

    def test_users_cannot_submit_for_others(self):
        self.care_user_2.group_ids |= self.env.ref("customer_care_budget.group_care_accountant")
        with self.assertRaisesRegex(AccessError, "Only the requester or a Customer Care Manager"):
            self.mine.with_user(self.care_user_2).action_submit()

    def test_plan_responsible_sees_the_expenses_of_the_plan(self):
        self.plan.user_id = self.care_user_2
        self.assertEqual(self._visible(self.care_user_2), self.mine | self.theirs)

    def test_managers_and_accountants_see_all(self):
        self.assertEqual(self._visible(self.care_manager), self.mine | self.theirs)
        self.assertEqual(self._visible(self.care_accountant), self.mine | self.theirs)

    def test_accountants_neither_create_nor_delete(self):
        with self.assertRaises(AccessError):
            self._expense(50.0, user=self.care_accountant, receipt=False)
        with self.assertRaises(AccessError):
            self.mine.with_user(self.care_accountant).unlink()

    def test_users_cannot_cancel_approved_expenses(self):
        self._submit_and_approve(self.mine)
        with self.assertRaisesRegex(AccessError, "Only a Manager or an Accountant"):
            self.mine.with_user(self.care_user).action_cancel()
        self.assertEqual(self.mine.state, "approved")
        self.mine.with_user(self.care_manager).action_cancel()
        self.assertEqual(self.mine.state, "cancelled")

    def test_users_cannot_change_the_allowance_of_a_customer(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.care_user).with_company(self.company).care_annual_allowance = 99999

    def test_budget_analysis_is_read_only(self):
        report = self.env["care.budget.report"].with_user(self.care_manager)
        self.assertTrue(report.search([("budget_id", "=", self.plan.id)]))
        with self.assertRaises(AccessError):
            report.search([("budget_id", "=", self.plan.id)], limit=1).write({"amount_planned": 1.0})

    def test_other_company_expenses_are_invisible(self):
        company_b = self.setup_other_company(name="Care Company B")["company"]
        manager_b = self._care_user("manager_b", "customer_care_budget.group_care_manager",
                                    [Command.set(company_b.ids)])
        self.assertFalse(self._visible(manager_b))
        with self.assertRaises(AccessError):
            self.mine.with_user(manager_b).read(["amount"])
        self.assertFalse(self.env["care.budget.report"].with_user(manager_b).search([("budget_id", "=", self.plan.id)]))

    def test_expense_lines_stay_in_their_company(self):
        company_b = self.setup_other_company(name="Care Company B")["company"]
        self.env.user.company_ids |= company_b
        with self.assertRaises(UserError):
            self.env["care.expense"].with_company(company_b).create({
                "partner_id": self.customer.id, "care_activity_type_id": self.gift.id, "date": "2026-06-15",
                "purpose": "Gift", "amount": 10.0, "budget_line_id": self.gift_line.id,
            })

    def test_customer_shows_the_expenses_one_may_see(self):
        self.assertEqual(self.customer.with_user(self.care_manager).care_expense_count, 2)
        self.env.invalidate_all()
        self.assertEqual(self.customer.with_user(self.care_user).care_expense_count, 1)
        action = self.customer.with_user(self.care_manager).action_care_view_expenses()
        self.assertEqual(self.env["care.expense"].search(action["domain"]), self.mine | self.theirs)

    def test_workflow_fields_cannot_be_written(self):
        for user in (self.care_user, self.care_accountant, self.care_manager):
            for values in ({"state": "approved"}, {"override_reason": "I say so"}, {"duplicate_reason": "Fine"},
                           {"customer_tier_id": self.tier_strategic.id}):
                with self.assertRaisesRegex(AccessError, "cannot be typed in|Only the requester"):
                    self.mine.with_user(user).write(values)
        with self.assertRaisesRegex(AccessError, "cannot be given when creating"):
            self._expense(60.0, state="approved")
        self.assertEqual(self.mine.state, "draft")

    def test_reviews_cannot_be_forged(self):
        self.mine.action_submit()
        with self.assertRaisesRegex(AccessError, "only change by approving or rejecting"):
            self.env["tier.review"].with_user(self.care_user).create({"model": False}).write({
                "model": "care.expense", "res_id": self.mine.id, "status": "approved",
            })
        for method in ("restart_validation", "request_validation"):
            with self.assertRaisesRegex(AccessError, "Use Submit or Reset to Draft"):
                getattr(self.mine.with_user(self.care_user), method)()
        theirs = self.theirs
        theirs.action_submit()
        wizard = self.env["comment.wizard"].with_user(self.care_manager).create({
            "res_model": "care.expense", "res_id": self.mine.id, "review_ids": theirs.review_ids.ids,
            "validate_reject": "validate", "comment": "Someone else's review",
        })
        with self.assertRaisesRegex(AccessError, "only comment the reviews waiting for you"):
            wizard.add_comment()
        self.assertEqual(theirs.state, "submitted")
        with self.assertRaisesRegex(AccessError, "only change by approving or rejecting"):
            self.mine.review_ids.with_user(self.care_user).write({
                "status": "approved", "done_by": self.care_manager.id,
            })
        with self.assertRaises(AccessError):
            self.mine.review_ids.with_user(self.care_user).unlink()
        self.assertEqual(self.mine.review_ids.mapped("status"), ["pending"])
        with self.assertRaises(AccessError):  # a reviewer's comment is theirs, written when they decide
            self.mine.review_ids.with_user(self.care_user).write({"comment": "Approved verbally"})

    def test_budget_analysis_shows_users_their_own_expenses(self):
        self._submit_and_approve(self.mine)
        self._submit_and_approve(self.theirs)
        rows = self.env["care.budget.report"].with_user(self.care_user).search([("budget_id", "=", self.plan.id)])
        self.assertEqual(rows.filtered(lambda row: row.source == "expense").expense_id, self.mine)
        self.assertTrue(rows.filtered(lambda row: row.source == "plan"), "the plan's figures stay visible")
        manager_rows = self.env["care.budget.report"].with_user(self.care_manager).search(
            [("budget_id", "=", self.plan.id), ("source", "=", "expense")])
        self.assertEqual(manager_rows.expense_id, self.mine | self.theirs)
