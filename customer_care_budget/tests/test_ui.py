from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.base.tests.common import new_test_user
from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow


class UiCommon(HttpCase):
    """The tours' users, customer and approved plans."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the tours follow the journeys, not the spending rules the demo company shows off (those that warn
        # would ask every tour's expense for a justification)
        cls.env["care.expense.rule"].search([("company_id", "=", cls.env.company.id)]).active = False
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



@tagged("post_install", "-at_install")
class TestUi(UiCommon):
    """The personas' journeys in a real browser (Odoo tours, headless Chromium)."""

    def test_account_manager_records_and_submits_an_expense(self):
        self.start_tour("/odoo", "customer_care_account_manager_tour", login=self.account_manager.login)
        expense = self.env["care.expense"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(expense, [{
            "state": "submitted", "amount": 120.0, "user_id": self.account_manager.id,
            "budget_line_id": self.budget.line_ids.id, "receipt_count": 1,
        }])

    def test_a_warning_is_justified_and_read_by_compliance(self):
        company = self.env.company
        meal = self.meal
        rule = {"company_id": company.id, "activity_type_id": meal.id}
        self.env["care.expense.rule"].create([
            {"name": "Meals per attendee", "kind": "per_person", "severity": "warn", "amount_limit": 50.0, **rule},
            {"name": "Meals per person and year", "kind": "recipient_year", "severity": "block", "amount_limit": 100.0,
             **rule},
        ])
        buyer = self.env["res.partner"].create({"name": "Tour Buyer", "parent_id": self.customer.id})
        dinner = self.env["care.expense"].with_user(self.account_manager).create({
            "partner_id": self.customer.id, "care_activity_type_id": meal.id, "amount": 90.0,
            "purpose": "Dinner with the buyers", "recipient_ids": [Command.set(buyer.ids)],
        })
        self.env["ir.attachment"].create({"name": "bill.pdf", "raw": b"%PDF tour dinner", "res_model": "care.expense",
                                          "res_id": dinner.id})
        self.start_tour("/odoo", "customer_care_justification_tour", login=self.account_manager.login)
        self.assertRecordValues(dinner, [{"state": "submitted", "justification": "The contract signing dinner"}])
        self.assertIn("above the limit of", dinner.policy_warning)
        dinner.with_user(self.manager).validate_tier()
        officer = new_test_user(self.env, login="tour_compliance", name="Compliance Officer",
                                groups="base.group_user,customer_care_budget.group_care_compliance")
        self.start_tour("/odoo", "customer_care_compliance_tour", login=officer.login)

    def test_manager_moves_money_and_evaluates_from_the_forms(self):
        # money spent on the gifts, recommended to reduce rather than stop, so that the next plan has a line
        self.env.company.care_roi_stop_pct = -100.0
        gift = self.env.ref("customer_care_budget.care_activity_gift")
        gift_spend = self._approved_expense(300.0, gift)
        # on the tour's plan, not the demo plan's gift line it matched
        workflow(gift_spend).write({"budget_line_id": self.plan.line_ids.filtered(
            lambda line: line.activity_type_id == gift).id})
        self.start_tour("/odoo", "customer_care_manager_tour", login=self.manager.login)
        gift_line, meal_line = self.plan.line_ids.sorted(lambda line: line.activity_type_id.sequence)
        self.assertRecordValues(gift_line | meal_line, [{"amount_planned": 950.0}, {"amount_planned": 1100.0}])
        self.assertRecordValues(self.plan, [{"reserve_unallocated": 450.0, "amount_total": 2500.0}])
        evaluation = self.env["care.evaluation"].search([("budget_id", "=", self.plan.id)])
        self.assertRecordValues(evaluation, [{"state": "confirmed", "date_from": self.plan.date_from}])
        self.assertTrue(evaluation.line_result_ids)
        self.assertEqual(gift_spend.budget_line_id, gift_line)
        following = self.env["care.budget"].search([("source_evaluation_id", "=", evaluation.id)])
        self.assertRecordValues(following, [{"state": "draft", "date_from": self.plan.date_to + timedelta(days=1)}])
        self.assertEqual(following.line_ids.activity_type_id, gift_line.activity_type_id, "the unspent meals stop")

    def test_manager_plans_submits_and_approves(self):
        self._approved_expense(4900.0)  # of the account manager's 5,000: 100 left
        too_much, fits = self._submitted_expense(50.0), self._submitted_expense(5.0)
        expense = self._submitted_expense(90.0)  # the newest: first in the list, approved from its form
        self.assertIn(self.manager, expense.review_ids.reviewer_ids)
        self.start_tour("/odoo", "customer_care_planning_tour", login=self.manager.login)
        self.assertEqual([fits.state, too_much.state], ["approved", "submitted"], "the list approved what fits")
        plan = self.env["care.budget"].search([("name", "=", "Planned in the tour")])
        self.assertRecordValues(plan, [{"state": "to_approve", "amount_planned": 900.0, "user_id": self.manager.id}])
        self.assertRecordValues(plan.holdout_ids, [{"tier_id": False, "activity_type_id": False, "share_pct": 20.0}])
        self.assertGreater(len(plan.line_ids), 1, "a line per tier")
        self.assertEqual(set(plan.line_ids.mapped("date_from")), {date(2099, 1, 1)})
        totals = plan.line_ids.tier_id._customer_totals(plan.company_id)
        worth = {line: line.tier_id.allocation_weight * totals[line.tier_id][1] for line in plan.line_ids}
        for line in plan.line_ids:  # weighted by CLV, as chosen in the tour
            self.assertAlmostEqual(line.amount_original, 900.0 * worth[line] / sum(worth.values()), delta=0.01)
        self.assertEqual(expense.state, "approved")

    def test_account_manager_journey_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_care_budget"], ["zh_CN"], overwrite=True)
        self.account_manager.lang = "zh_CN"
        self.start_tour("/odoo", "customer_care_account_manager_zh_tour", login=self.account_manager.login)
        expense = self.env["care.expense"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(expense, [{"state": "submitted", "amount": 80.0, "purpose": "与采购团队午餐"}])

    def _expense(self, amount, activity=None):
        """A draft expense of the account manager for the tours' customer."""
        return self.env["care.expense"].create({
            "partner_id": self.customer.id, "care_activity_type_id": (activity or self.meal).id, "purpose": "Dinner",
            "amount": amount, "user_id": self.account_manager.id,
        })

    def _submitted_expense(self, amount):
        expense = self._expense(amount)
        self.env["ir.attachment"].create({
            "name": "receipt.pdf", "raw": b"%%PDF receipt %d" % expense.id, "res_model": "care.expense",
            "res_id": expense.id,
        })
        expense.with_user(self.account_manager).action_submit()
        return expense

    def _approved_expense(self, amount, activity=None):
        """An expense of the account manager, approved (the review round is not what the tour tests)."""
        expense = self._expense(amount, activity)
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


@tagged("post_install", "-at_install")
class TestUiPhone(UiCommon):
    """The main screens at a phone's width (375 px, touch): usable, nothing wider than the screen."""

    browser_size = "375x667"
    touch_enabled = True

    def test_account_manager_records_an_expense_on_a_phone(self):
        self.start_tour("/odoo/action-customer_care_budget.care_expense_action_mine",
                        "customer_care_phone_expense_tour", login=self.account_manager.login)
        self.assertRecordValues(self.env["care.expense"].search([("partner_id", "=", self.customer.id)]), [{
            "state": "draft", "amount": 35.0, "purpose": "Coffee with the buyer",
        }])

    def test_manager_reads_a_plan_on_a_phone(self):
        self.start_tour(f"/odoo/action-customer_care_budget.care_budget_action/{self.plan.id}",
                        "customer_care_phone_plan_tour", login=self.manager.login)


@tagged("post_install", "-at_install")
class TestUiWide(UiCommon):
    """A wide screen, where the chatter goes beside the form."""

    browser_size = "1920x1080"

    def test_plan_lines_fit_beside_the_chatter(self):
        self.start_tour(f"/odoo/action-customer_care_budget.care_budget_action/{self.plan.id}",
                        "customer_care_plan_layout_tour", login=self.manager.login)
