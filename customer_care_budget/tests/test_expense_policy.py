from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestExpensePolicy(CareTestCommon):
    """Each policy rule refuses with its numbers, and lets the compliant expense through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()

    def _assert_refused(self, expense, pattern):
        with self.assertRaisesRegex(ValidationError, pattern):
            expense.action_submit()
        self.assertEqual(expense.state, "draft", "a refused expense stays a draft")

    def test_compliant_expense_is_submitted_with_its_segment(self):
        expense = self._expense(150.0)
        self.assertEqual(expense.budget_line_id, self.gift_line)
        expense.action_submit()
        self.assertRecordValues(expense, [{
            "state": "submitted", "customer_tier_id": self.tier_key.id, "customer_stage": "active",
        }])
        self.assertRegex(expense.name, r"^CARE/2026/\d{5}$")
        # the segment stays what it was when the money was spent
        self._set_segment(self.customer, care_tier_id=self.tier_basic.id)
        self.assertEqual(expense.customer_tier_id, self.tier_key)

    def test_amount_must_be_positive(self):
        for amount in (0.0, -5.0):
            with self.assertRaisesRegex(ValidationError, "Amount must be positive"), self.cr.savepoint():
                self._expense(amount)
        expense = self._expense(5.0)
        with self.assertRaisesRegex(ValidationError, "Amount must be positive"), self.cr.savepoint():
            expense.write({"amount": -1.0})
        self.assertEqual(expense.amount, 5.0)

    def test_date_not_in_future_and_inside_an_approved_plan(self):
        tomorrow = fields.Date.context_today(self.env["care.expense"]) + timedelta(days=1)
        self._assert_refused(self._expense(100.0, date=tomorrow), "is in the future")
        self._assert_refused(self._expense(100.0, date="2025-06-15"), "no approved budget plan has a line")
        training = self.env.ref("customer_care_budget.care_activity_training")
        self._assert_refused(self._expense(100.0, activity=training), "no approved budget plan has a line for")

    def test_receipt_required_above_the_activity_threshold(self):
        # gifts need a receipt above 200
        self._expense(200.0, receipt=False).action_submit()
        self._assert_refused(self._expense(200.01, receipt=False), r"above .*200\.00 need a receipt")
        self._expense(200.01).action_submit()

    def test_maximum_per_event(self):
        # gifts: at most 2,000 per event
        self._expense(2000.0).action_submit()
        self._assert_refused(self._expense(2000.5), r"2,000\.50 exceeds the maximum of .*2,000\.00")

    def test_amounts_in_foreign_currency_are_converted_at_the_expense_date(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        expense = self._expense(1500.0, currency_id=eur.id)
        self.assertEqual(expense.amount_company, 750.0)
        expense.action_submit()
        self._assert_refused(self._expense(4100.0, currency_id=eur.id), r"2,050\.00 exceeds the maximum")

    def test_activity_allowed_for_the_customer_tier(self):
        self.gift.tier_ids = self.tier_strategic
        self._assert_refused(self._expense(100.0), "Gifts is not allowed for Key customers")
        self.gift.tier_ids |= self.tier_key
        self._expense(100.0).action_submit()

    def test_annual_allowance_of_tier_and_customer(self):
        self.tier_key.annual_allowance = 1000.0
        first = self._submit_and_approve(self._expense(700.0))
        self.assertEqual(first.state, "approved")
        self._assert_refused(self._expense(301.0), r"allowance of .*1,000\.00 .*700\.00 already approved")
        self._expense(300.0).action_submit()
        # a customer's own allowance overrides the tier's
        self.customer.with_company(self.company).care_annual_allowance = 2000.0
        self._expense(900.0).action_submit()

    def test_duplicate_needs_a_manager_confirmation(self):
        self._expense(120.0).action_submit()
        twin = self._expense(120.0, date="2026-06-16")
        self._assert_refused(twin, "looks like a duplicate of CARE/")
        # another amount, another day or another customer is no duplicate
        self._expense(121.0).action_submit()
        self._expense(120.0, date="2026-06-17").action_submit()
        with self.assertRaises(AccessError):
            twin._confirm_duplicate("Two gifts")
        wizard = Form(self.env["care.approval.reason"].with_user(self.care_manager).with_context(
            **twin.with_user(self.care_manager).action_confirm_duplicate()["context"]))
        wizard.reason = "Two different gifts for two departments"
        wizard.save().action_confirm()
        self.assertEqual(twin.duplicate_user_id, self.care_manager)
        twin.action_submit()
        self.assertEqual(twin.state, "submitted")

    def test_every_broken_rule_is_listed(self):
        self.gift.tier_ids = self.tier_strategic
        expense = self._expense(2500.0, receipt=False)
        with self.assertRaises(ValidationError) as error:
            expense.action_submit()
        message = str(error.exception)
        for rule in ("need a receipt", "exceeds the maximum", "not allowed for Key customers"):
            self.assertIn(rule, message)

    def test_submitted_expense_is_locked(self):
        expense = self._expense(100.0)
        expense.action_submit()
        for values in ({"amount": 50.0}, {"partner_id": self._customer("Other").id}, {"date": "2026-06-14"},
                       {"budget_line_id": self.meal_line.id}):
            with self.assertRaisesRegex(UserError, "cannot be changed on .* in the state Submitted"):
                expense.with_user(self.care_manager).write(values)
        self.assertEqual(expense.amount, 100.0)

    def test_only_managers_book_on_another_line_of_the_plan(self):
        expense = self._expense(100.0)
        with self.assertRaisesRegex(ValidationError, "Only a Customer Care Manager can book"):
            expense.budget_line_id = self.meal_line
        expense.with_user(self.care_manager).budget_line_id = self.meal_line
        self.assertEqual(expense.budget_line_id, self.meal_line)

    def test_line_matching_prefers_customer_then_tier_then_all(self):
        expense = self._expense(100.0, activity=self.meal)
        self.assertEqual(expense.budget_line_id, self.meal_line, "the line of the customer's tier")
        basic = self._customer("Basic Customer")
        self._set_segment(basic, care_tier_id=self.tier_basic.id)
        self.assertFalse(self._expense(100.0, partner=basic, activity=self.meal).budget_line_id)

    def test_only_drafts_can_be_deleted(self):
        draft = self._expense(100.0)
        submitted = self._expense(101.0)
        submitted.action_submit()
        with self.assertRaisesRegex(UserError, "Only draft expenses"):
            submitted.unlink()
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_annual_allowance_counts_everyone_s_spending(self):
        self.tier_key.annual_allowance = 1000.0
        manager_tier = self.env.ref("customer_care_budget.tier_definition_care_expense_manager")
        manager_tier.definition_domain = "[('amount_company', '>', 5000)]"  # small expenses approve at once
        other = self._care_user("care_user_2", "customer_care_budget.group_care_user", [Command.set(self.company.ids)])
        first = self._expense(900.0, user=other)
        first.action_submit()
        self.assertEqual(first.state, "approved")
        self._assert_refused(self._expense(150.0), r"900\.00 already approved")

    def test_manager_line_choice_stays_in_the_plan_and_period(self):
        monthly = self.env["care.budget"].with_user(self.care_manager).create({
            "name": "Monthly 2026", "date_from": "2026-01-01", "date_to": "2026-12-31",
            "objective_ids": [Command.create({"kpi": "nps", "baseline": 1, "target": 2})],
            "line_ids": [Command.create({"activity_type_id": self.gift.id, "amount_original": 500.0,
                                         "date_from": "2026-01-01", "date_to": "2026-01-31"})],
        })
        self._approve(monthly)
        expense = self._expense(100.0).with_user(self.care_manager)
        with self.assertRaisesRegex(ValidationError, "belongs to Monthly 2026: choose a line of the approved plan"):
            expense.budget_line_id = monthly.line_ids
        training = self.env.ref("customer_care_budget.care_activity_training")
        unmatched = self._expense(100.0, activity=training).with_user(self.care_manager)
        self.assertFalse(unmatched.budget_line_id)
        with self.assertRaisesRegex(ValidationError, "runs Jan 2026"):
            unmatched.budget_line_id = monthly.line_ids
        unmatched.budget_line_id = self.gift_line
        self.assertEqual(unmatched.budget_line_id, self.gift_line)

    def test_lines_are_matched_with_one_search_per_batch(self):
        line_model = type(self.env["care.budget.line"])

        def searches(count):
            with patch.object(line_model, "search", autospec=True, side_effect=line_model.search) as search:
                expenses = self.env["care.expense"].with_user(self.care_user).create([{
                    "partner_id": self.customer.id, "care_activity_type_id": self.gift.id,
                    "date": f"2026-06-{day:02d}", "purpose": "Gift", "amount": 10.0 + day,
                } for day in range(1, count + 1)])
            self.assertEqual(expenses.budget_line_id, self.gift_line)
            return search.call_count

        self.assertEqual(searches(1), searches(20), "the same searches for one expense or twenty")
