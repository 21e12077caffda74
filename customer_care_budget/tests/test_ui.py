from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.base.tests.common import new_test_user
from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    """The personas' journeys in a real browser (Odoo tours, headless Chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_manager = new_test_user(
            cls.env, login="tour_account_manager", name="Account Manager",
            groups="base.group_user,customer_care_budget.group_care_user",
        )
        cls.customer = cls.env["res.partner"].create({"name": "Tour Customer", "is_company": True, "customer_rank": 1})
        workflow(cls.customer).write({
            "care_tier_id": cls.env.ref("customer_care_budget.care_tier_key").id, "care_stage": "active",
        })
        today = fields.Date.context_today(cls.env["care.budget"])
        period = {"date_from": today.replace(month=1, day=1), "date_to": today.replace(month=12, day=31)}
        cls.meal = meal = cls.env.ref("customer_care_budget.care_activity_meal")
        cls.budget = cls.env["care.budget"].create({
            "name": "Account manager's plan", **period,
            "line_ids": [Command.create({
                "activity_type_id": meal.id, "amount_original": 5000.0, "partner_id": cls.customer.id, **period,
            })],
        })
        cls._approve_without_reviews(cls.budget)
        cls.manager = new_test_user(
            cls.env, login="tour_manager", name="Care Manager",
            groups="base.group_user,customer_care_budget.group_care_manager",
        )
        gift = cls.env.ref("customer_care_budget.care_activity_gift")
        cls.plan = cls.env["care.budget"].create({
            "name": "Tour plan", "reserve_amount": 500.0, **period,
            "line_ids": [
                Command.create({"activity_type_id": activity.id, "amount_original": 1000.0, **period})
                for activity in (gift, meal)
            ],
        })
        cls._approve_without_reviews(cls.plan)

    @classmethod
    def _approve_without_reviews(cls, budget):
        """Approved as the workflow's last step does, without its review round (not what the tours test)."""
        workflow(budget).write({"state": "approved", "analytic_account_id": budget._create_analytic_account().id})

    def test_account_manager_records_and_submits_an_expense(self):
        self.start_tour("/odoo", "customer_care_account_manager_tour", login=self.account_manager.login)
        expense = self.env["care.expense"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(expense, [{
            "state": "draft", "amount": 120.0, "user_id": self.account_manager.id,
            "budget_line_id": self.budget.line_ids.id,
        }])

    def test_manager_moves_money_and_evaluates_from_the_forms(self):
        self.start_tour("/odoo", "customer_care_manager_tour", login=self.manager.login)
        gift_line, meal_line = self.plan.line_ids.sorted(lambda line: line.activity_type_id.sequence)
        self.assertRecordValues(gift_line | meal_line, [{"amount_planned": 950.0}, {"amount_planned": 1100.0}])
        self.assertRecordValues(self.plan, [{"reserve_unallocated": 450.0, "amount_total": 2500.0}])
        evaluation = self.env["care.evaluation"].search([("budget_id", "=", self.plan.id)])
        self.assertRecordValues(evaluation, [{"state": "confirmed", "date_from": self.plan.date_from}])
        self.assertTrue(evaluation.line_result_ids)

    def test_account_manager_journey_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_care_budget"], ["zh_CN"], overwrite=True)
        self.account_manager.lang = "zh_CN"
        self.start_tour("/odoo", "customer_care_account_manager_zh_tour", login=self.account_manager.login)
        expense = self.env["care.expense"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(expense, [{"state": "draft", "amount": 80.0, "purpose": "与采购团队午餐"}])

    def _approved_expense(self, amount):
        """An expense of the account manager, approved (the review round is not what the tour tests)."""
        expense = self.env["care.expense"].create({
            "partner_id": self.customer.id, "care_activity_type_id": self.meal.id, "purpose": "Dinner",
            "amount": amount, "user_id": self.account_manager.id,
        })
        workflow(expense).write({"state": "approved"})
        return expense

    def test_accountant_posts_pays_and_reverses(self):
        company = self.env.company
        company.care_expense_journal_id = self.env["account.journal"].search(
            [("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1,
        )
        self.assertTrue(company.care_expense_journal_id, "the database has a chart of accounts")
        accountant = new_test_user(
            self.env, login="tour_accountant", name="Care Accountant",
            groups="base.group_user,customer_care_budget.group_care_accountant",
        )
        paid, reversed_ = self._approved_expense(111.0), self._approved_expense(222.0)
        self.start_tour("/odoo", "customer_care_accountant_tour", login=accountant.login)
        self.assertRecordValues(paid | reversed_, [
            {"state": "posted", "payment_status": "paid"}, {"state": "cancelled", "payment_status": "not_paid"},
        ])
        self.assertEqual(reversed_.reversal_move_id.state, "posted")

    def test_administrator_changes_a_setting_and_a_tier(self):
        admin = new_test_user(
            self.env, login="tour_care_admin", name="Care Administrator",
            groups="base.group_user,base.group_system,customer_care_budget.group_care_admin",
        )
        self.start_tour("/odoo", "customer_care_admin_tour", login=admin.login)
        self.assertEqual(admin.company_id.care_window_days, 400)
        self.assertEqual(self.env.ref("customer_care_budget.care_tier_key").annual_allowance, 2500.0)
