from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .test_evaluation import EvaluationCommon


@tagged("post_install", "-at_install")
class TestBudgetNext(EvaluationCommon):
    """The next plan from an evaluation: amounts from actual spending × the recommendation's factor."""

    def _wizard(self, **values):
        return self.env["care.budget.next"].with_user(self.care_manager).create({
            "evaluation_id": self.evaluation.id, **values,
        })

    def _lines(self, budget):
        return {
            (line.activity_type_id.code, line.tier_id.code or "ALL"): line.amount_original for line in budget.line_ids
        }

    def test_amounts_follow_the_recommendations(self):
        wizard = self._wizard()
        self.assertRecordValues(wizard, [{
            "date_from": date(2027, 1, 1), "date_to": date(2027, 12, 31), "factor_increase_pct": 20.0,
            "factor_keep_pct": 0.0, "factor_reduce_pct": -30.0, "amount_total": 2280.0,
        }])
        self.assertIn("to stop", wizard.preview)  # the visit line, shown but left out
        budget = self.env["care.budget"].browse(wizard.action_create()["res_id"])
        self.assertEqual(self._lines(budget), {
            ("GIFT", "ALL"): 1400.0,  # reduce: 2,000 x 0.7
            ("MEAL", "KEY"): 600.0,  # increase: 500 x 1.2
            ("MEAL", "STD"): 280.0,  # reduce: 400 x 0.7
        })  # the visit line (stop: nothing spent) is dropped
        self.assertRecordValues(budget, [{
            "state": "draft", "date_from": date(2027, 1, 1), "date_to": date(2027, 12, 31),
            "source_evaluation_id": self.evaluation.id, "reserve_amount": 142.5,  # the old 1,000 / 16,000 share
            "user_id": self.plan.user_id.id,
        }])
        self.assertEqual(budget.line_ids.mapped("date_from"), [date(2027, 1, 1)] * 3)
        self.assertIn("ROI", budget.line_ids[0].notes)

    def test_objectives_start_from_what_was_achieved(self):
        budget = self._wizard()._create_budget()
        achieved = {result.kpi: result.achieved for result in self.evaluation.objective_result_ids}
        self.assertEqual(
            {objective.kpi: (objective.baseline, objective.target) for objective in budget.objective_ids},
            {objective.kpi: (achieved[objective.kpi], objective.target) for objective in self.plan.objective_ids},
        )

    def test_reallocation_by_tier_conserves_the_cents(self):
        # meal total 880 shared by weight x customers: KEY 4 x 5 = 20, STD 2 x 2 = 4
        wizard = self._wizard(reallocate=True)
        self.assertEqual(wizard.amount_total, 2280.0)
        budget = wizard._create_budget()
        self.assertEqual(self._lines(budget), {
            ("GIFT", "ALL"): 1400.0,  # no tier: not re-allocated
            ("MEAL", "KEY"): 733.33,
            ("MEAL", "STD"): 146.67,  # 146.666... takes the cent left by rounding
        })
        self.assertAlmostEqual(sum(budget.line_ids.mapped("amount_original")), 2280.0, places=6)

    def test_factors_are_configurable_and_checked(self):
        self.company.care_factor_increase_pct = 50.0
        wizard = self._wizard()
        self.assertEqual(wizard.factor_increase_pct, 50.0)
        self.assertEqual(self._lines(wizard._create_budget())[("MEAL", "KEY")], 750.0)
        with self.assertRaisesRegex(ValidationError, "must rise"):
            self._wizard(factor_reduce_pct=-100.0)
        with self.assertRaisesRegex(ValidationError, "must rise"):
            self.company.care_factor_keep_pct = 60.0

    def test_nothing_to_plan_when_every_line_stops(self):
        evaluation = self._evaluation(roi_increase_pct=5000, roi_keep_pct=5000, roi_stop_pct=5000,
                                      retention_lift_keep=1000)
        self.assertEqual(set(evaluation.line_result_ids.mapped("recommendation")), {"stop"})
        wizard = self.env["care.budget.next"].with_user(self.care_manager).create({"evaluation_id": evaluation.id})
        with self.assertRaisesRegex(UserError, "Nothing to plan"):
            wizard.action_create()

    def test_dates_move_by_months_or_days(self):
        wizard = self._wizard(date_from="2026-02-01")  # one month later: month ends stay month ends
        self.assertEqual(wizard._shift(date(2026, 6, 30)), date(2026, 7, 31))
        self.assertEqual(wizard._shift(date(2026, 6, 15)), date(2026, 7, 15))
        wizard.date_from = date(2027, 1, 15)  # another day of the month: moved by days
        self.assertEqual(wizard._shift(date(2026, 1, 1)), date(2027, 1, 15))
        self.assertEqual(wizard.date_to, date(2028, 1, 14))

    def test_wizard_in_the_form(self):
        action = self.evaluation.with_user(self.care_manager).action_plan_next()
        with Form(self.env["care.budget.next"].with_user(self.care_manager).with_context(**action["context"])) as form:
            self.assertEqual(form.amount_total, 2280.0)
            form.factor_keep_pct = 10.0  # no line to keep: nothing moves
            form.factor_reduce_pct = -50.0
            self.assertEqual(form.amount_total, 1000.0 + 600.0 + 200.0)

    def test_only_managers_plan(self):
        with self.assertRaises(AccessError):
            self.env["care.budget.next"].with_user(self.care_user).create({"evaluation_id": self.evaluation.id})
        with self.assertRaises(AccessError):
            self.evaluation.with_user(self.care_user).action_compute()
