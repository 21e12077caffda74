from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestBudgetPlanning(CareTestCommon):

    def test_line_dates_inside_the_period(self):
        with self.assertRaisesRegex(ValidationError, "outside the budget period"):
            self._budget(lines=[(100.0, "2026-12-01", "2027-01-31")])
        budget = self._budget()
        with self.assertRaisesRegex(ValidationError, "outside the budget period"):
            budget.line_ids.write({"date_to": date(2028, 1, 31)})

    def test_amounts_must_be_positive(self):
        for amount in (0.0, -50.0):
            with (
                self.subTest(amount=amount),
                self.assertRaisesRegex(ValidationError, "Planned must be positive"),
                self.env.cr.savepoint(),
            ):
                self._budget(lines=[(amount, "2027-01-01", "2027-01-31")])

    def test_reserve_cannot_exceed_the_planned_lines(self):
        with self.assertRaisesRegex(ValidationError, "cannot exceed"):
            self._budget(reserve=1000.01)
        budget = self._budget(reserve=100.0)
        self.assertRecordValues(budget, [{
            "amount_planned": 1000.0, "reserve_unallocated": 100.0, "amount_total": 1100.0,
        }])

    def test_reserve_percent_sets_the_amount(self):
        budget = self._budget()
        with Form(budget.with_user(self.care_manager)) as budget_form:
            budget_form.reserve_percent = 12.5
        self.assertEqual(budget.reserve_amount, 125.0)

    def test_submit_needs_objectives_and_lines(self):
        with self.assertRaisesRegex(UserError, "KPI target"):
            self._budget(objectives=False).with_user(self.care_manager).action_submit()
        with self.assertRaisesRegex(UserError, "budget lines"):
            self._budget(lines=[]).with_user(self.care_manager).action_submit()

    def test_planned_amounts_locked_after_submission(self):
        budget = self._budget(reserve=100.0)
        budget.with_user(self.care_manager).action_submit()
        with self.assertRaisesRegex(UserError, "cannot be changed on .* in the state To Approve"):
            budget.line_ids.with_user(self.care_manager).write({"amount_original": 5000.0})
        with self.assertRaises(UserError):  # under validation, then not a draft
            budget.with_user(self.care_manager).write({
                "line_ids": [Command.create({
                    "activity_type_id": budget.line_ids.activity_type_id.id, "amount_original": 10.0,
                    "date_from": date(2027, 1, 1), "date_to": "2027-01-31",
                })],
            })
        with self.assertRaises(UserError):
            budget.with_user(self.care_manager).write({"reserve_amount": 0.0})
        budget.with_user(self.care_manager_2).validate_tier()
        with self.assertRaisesRegex(UserError, "cannot be changed on .* in the state Approved"):
            budget.line_ids.with_user(self.care_manager).write({"amount_original": 5000.0})
        with self.assertRaises(UserError):
            budget.line_ids.with_user(self.care_manager).unlink()
        with self.assertRaisesRegex(UserError, "Target cannot be changed"):
            budget.objective_ids.with_user(self.care_manager).write({"target": 99.0})
        self.assertEqual(budget.amount_planned, 1000.0)
        self.assertEqual(budget.objective_ids.target, 80.0)

    def test_split_by_month_conserves_cents(self):
        budget = self._budget(lines=[(1000.0, "2027-01-15", "2027-03-31")])
        lines = budget.line_ids.with_user(self.care_manager)._split(months=1)
        self.assertRecordValues(lines.sorted("date_from"), [
            {"date_from": date(2027, 1, 15), "date_to": date(2027, 1, 31), "amount_original": 333.34},
            {"date_from": date(2027, 2, 1), "date_to": date(2027, 2, 28), "amount_original": 333.33},
            {"date_from": date(2027, 3, 1), "date_to": date(2027, 3, 31), "amount_original": 333.33},
        ])
        self.assertEqual(budget.line_ids, lines)
        self.assertEqual(budget.amount_planned, 1000.0)

    def test_split_by_quarter(self):
        budget = self._budget(lines=[(100.03, "2027-01-01", "2027-12-31")])
        budget.line_ids.with_user(self.care_manager).action_split_by_quarter()
        self.assertRecordValues(budget.line_ids.sorted("date_from"), [
            {"date_from": date(2027, 1, 1), "date_to": date(2027, 3, 31), "amount_original": 25.01},
            {"date_from": date(2027, 4, 1), "date_to": date(2027, 6, 30), "amount_original": 25.01},
            {"date_from": date(2027, 7, 1), "date_to": date(2027, 9, 30), "amount_original": 25.01},
            {"date_from": date(2027, 10, 1), "date_to": date(2027, 12, 31), "amount_original": 25.00},
        ])

    def test_allocate_by_tier_weight_times_customers(self):
        """Weights 8 x 1, 4 x 2, 2 x 3 (Basic has no customer): 1000 splits 8:8:6, cents conserved."""
        for tier, count in ((self.tier_strategic, 1), (self.tier_key, 2), (self.tier_standard, 3)):
            for index in range(count):
                self._set_segment(self._customer(f"{tier.name} {index}"), care_tier_id=tier.id)
        budget = self._budget(lines=[])
        wizard = Form(self.env["care.budget.allocate"].with_user(self.care_manager).with_context(
            default_budget_id=budget.id,
        ))
        wizard.activity_type_id = self.env.ref("customer_care_budget.care_activity_meal")
        wizard.amount = 1000.0
        wizard = wizard.save()
        self.assertIn("363.64", wizard.preview)
        wizard.action_allocate()
        self.assertRecordValues(budget.line_ids.sorted(lambda line: -line.tier_id.min_score), [
            {"tier_id": self.tier_strategic.id, "amount_original": 363.64, "date_from": date(2027, 1, 1)},
            {"tier_id": self.tier_key.id, "amount_original": 363.63, "date_from": date(2027, 1, 1)},
            {"tier_id": self.tier_standard.id, "amount_original": 272.73, "date_from": date(2027, 1, 1)},
        ])
        self.assertEqual(budget.amount_planned, 1000.0)

    def test_allocate_by_tier_weight_times_total_clv(self):
        """Weights 8 x 3,000, 4 x (2 x 500), 2 x (3 x 100): 1000 splits 24,000 : 4,000 : 600, cents conserved; Basic
        has a customer but no CLV, so no line (weighted by customers it would get one)."""
        for tier, clvs in ((self.tier_strategic, [3000.0]), (self.tier_key, [500.0, 500.0]),
                           (self.tier_standard, [100.0, 100.0, 100.0]), (self.tier_basic, [0.0])):
            for index, clv in enumerate(clvs):
                self._set_segment(self._customer(f"{tier.name} {index}"), care_tier_id=tier.id, care_model_clv=clv)
        budget = self._budget(lines=[])
        wizard = Form(self.env["care.budget.allocate"].with_user(self.care_manager).with_context(
            default_budget_id=budget.id,
        ))
        wizard.activity_type_id = self.env.ref("customer_care_budget.care_activity_gift")
        wizard.amount = 1000.0
        self.assertIn(self.tier_basic, wizard.tier_ids, "the gift allows every tier")
        self.assertIn("43.48", wizard.preview, "by customers first: Basic gets 1 x 1 of 23 weighted customers")
        wizard.weight_by = "clv"
        self.assertIn("839.16", wizard.preview)
        self.assertIn("3,000.00", wizard.preview, "the tier's total CLV is shown")
        wizard.save().action_allocate()
        self.assertRecordValues(budget.line_ids.sorted(lambda line: -line.tier_id.min_score), [
            {"tier_id": self.tier_strategic.id, "amount_original": 839.16},
            {"tier_id": self.tier_key.id, "amount_original": 139.86},
            {"tier_id": self.tier_standard.id, "amount_original": 20.98},
        ])
        self.assertEqual(budget.amount_planned, 1000.0)

    def test_allocate_nothing_is_refused(self):
        budget = self._budget(lines=[])
        wizard = self.env["care.budget.allocate"].with_user(self.care_manager).create({
            "budget_id": budget.id,
            "activity_type_id": self.env.ref("customer_care_budget.care_activity_meal").id,
            "amount": 1000.0,
            "tier_ids": [Command.set(self.tier_basic.ids)],
        })
        with self.assertRaisesRegex(UserError, "Nothing to allocate"):
            wizard.action_allocate()
