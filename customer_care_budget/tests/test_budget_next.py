from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow

from .common import CareTestCommon
from .test_evaluation import EvaluationCommon


@tagged("post_install", "-at_install")
class TestBudgetNext(EvaluationCommon):
    """The next plan from an evaluation: amounts from the spending × the recommendation's factor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_verdicts(cls.evaluation, {cls.gift_line: "reduce", cls.meal_key_line: "increase",
                                           cls.meal_std_line: "reduce", cls.visit_line: "stop"})
        cls.evaluation.action_confirm()

    @classmethod
    def _set_verdicts(cls, evaluation, verdicts):
        """Give the lines of ``evaluation`` the ``{line: recommendation}`` the next plan follows: the fixture has
        too few customers to earn them from evidence (the rules: test_incrementality_formulas)."""
        for result in evaluation.line_result_ids:
            recommendation = verdicts.get(result.budget_line_id, result.recommendation)
            workflow(result).write({"recommendation": recommendation, "recommendation_reason": f"ROI {recommendation}"})

    def _wizard(self, **values):
        return self.env["care.budget.next"].with_user(self.care_manager).create({
            "evaluation_id": self.evaluation.id, **values,
        })

    def _lines(self, budget):
        """{(activity code, tier code, start): planned amount} of ``budget``."""
        return {
            (line.activity_type_id.code, line.tier_id.code or "ALL", line.date_from.isoformat()): line.amount_original
            for line in budget.line_ids
        }

    def test_amounts_follow_the_recommendations(self):
        self.assertTrue(self.evaluation.activity_ids, "Confirm asked the plan's responsible to plan")
        wizard = self._wizard()
        self.assertRecordValues(wizard, [{
            "date_from": date(2027, 1, 1), "date_to": date(2027, 12, 31), "factor_increase_pct": 20.0,
            "factor_keep_pct": 0.0, "factor_reduce_pct": -30.0, "amount_total": 3280.0,
        }])
        self.assertIn("to stop", wizard.preview)  # the visit line, shown but left out
        self.assertEqual(wizard.name, "Care 2027", "the previous plan's year moves on (Care 2026)")
        budget = self.env["care.budget"].browse(wizard.action_create()["res_id"])
        self.assertEqual(self._lines(budget), {
            ("GIFT", "ALL", "2027-01-01"): 1400.0,  # reduce: 2,000 x 0.7
            ("MEAL", "KEY", "2027-01-01"): 600.0,  # increase: 500 x 1.2
            ("MEAL", "STD", "2027-01-01"): 280.0,  # reduce: 400 x 0.7
            ("GIFT", "ALL", "2027-07-01"): 1000.0,  # the second half was not evaluated: its amount stays
        })  # the visit line (stop: nothing spent) is dropped
        self.assertRecordValues(budget, [{
            "state": "draft", "date_from": date(2027, 1, 1), "date_to": date(2027, 12, 31),
            "source_evaluation_id": self.evaluation.id, "reserve_amount": 192.94,  # the old 1,000 / 17,000 share
            "user_id": self.plan.user_id.id,
        }])
        self.assertEqual(budget.line_ids.mapped("date_to"), [date(2027, 6, 30)] * 3 + [date(2027, 12, 31)])
        self.assertIn("ROI", budget.line_ids[0].notes)
        self.assertFalse(self.evaluation.activity_ids, "the to-do to plan the next period is done")

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
        self.assertEqual(wizard.amount_total, 3280.0)
        budget = wizard._create_budget()
        self.assertEqual(self._lines(budget), {
            ("GIFT", "ALL", "2027-01-01"): 1400.0,  # no tier: not re-allocated
            ("MEAL", "KEY", "2027-01-01"): 733.33,
            ("MEAL", "STD", "2027-01-01"): 146.67,  # 146.666... takes the cent left by rounding
            ("GIFT", "ALL", "2027-07-01"): 1000.0,
        })
        self.assertAlmostEqual(sum(budget.line_ids.mapped("amount_original")), 3280.0, places=6)

    def test_factors_are_configurable_and_checked(self):
        self.company.care_factor_increase_pct = 50.0
        wizard = self._wizard()
        self.assertEqual(wizard.factor_increase_pct, 50.0)
        self.assertEqual(self._lines(wizard._create_budget())[("MEAL", "KEY", "2027-01-01")], 750.0)
        with self.assertRaisesRegex(ValidationError, "must rise"):
            self._wizard(factor_reduce_pct=-100.0)
        with self.assertRaisesRegex(ValidationError, "must rise"), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"care_factor_keep_pct": 60.0})

    def test_lines_to_stop_are_dropped(self):
        evaluation = self._evaluation()
        self._set_verdicts(evaluation, dict.fromkeys(evaluation.line_result_ids.budget_line_id, "stop"))
        evaluation.action_confirm()
        wizard = self.env["care.budget.next"].with_user(self.care_manager).create({"evaluation_id": evaluation.id})
        self.assertEqual(self._lines(wizard._create_budget()), {("GIFT", "ALL", "2027-07-01"): 1000.0})

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
            self.assertEqual(form.amount_total, 3280.0)
            form.factor_keep_pct = 10.0  # no line to keep: nothing moves
            form.factor_reduce_pct = -50.0
            self.assertEqual(form.amount_total, 1000.0 + 600.0 + 200.0 + 1000.0)

    def test_plan_only_from_a_confirmed_evaluation(self):
        evaluation = self._evaluation()
        with self.assertRaisesRegex(UserError, "Confirm the evaluation"):
            evaluation.action_plan_next()
        wizard = self.env["care.budget.next"].with_user(self.care_manager).create({"evaluation_id": evaluation.id})
        with self.assertRaisesRegex(UserError, "Confirm the evaluation"):
            wizard.action_create()

    def test_a_part_of_the_period_sets_the_pace(self):
        # the second quarter (91 days) holds all the spending: every line to increase (+20 %); the half-year
        # lines are planned at the quarter's pace
        evaluation = self._evaluation(date_from="2026-04-01", date_to="2026-06-30")
        self._set_verdicts(evaluation, dict.fromkeys(evaluation.line_result_ids.filtered("spend").budget_line_id,
                                                     "increase"))
        evaluation.action_confirm()
        wizard = self.env["care.budget.next"].with_user(self.care_manager).create({"evaluation_id": evaluation.id})
        self.assertIn("Q2 2026 (91 days, the evaluated period)", wizard.pace_note, "the wizard says what set the pace")
        self.assertIn("× 1.99 (181 ÷ 91 days)", wizard.preview)
        self.assertIn("01/01/2027 – 06/30/2027", wizard.preview, "new periods in the user's date format")
        pace = 181 / 91
        round_ = self.company.currency_id.round
        self.assertEqual(self._lines(wizard._create_budget()), {
            ("GIFT", "ALL", "2027-01-01"): round_(2000 * pace * 1.2),
            ("MEAL", "KEY", "2027-01-01"): round_(500 * pace * 1.2),
            ("MEAL", "STD", "2027-01-01"): round_(400 * pace * 1.2),
            ("GIFT", "ALL", "2027-07-01"): 1000.0,
        })

    def test_only_managers_plan(self):
        with self.assertRaises(AccessError):
            self.env["care.budget.next"].with_user(self.care_user).create({"evaluation_id": self.evaluation.id})
        with self.assertRaises(AccessError):
            self.evaluation.with_user(self.care_user).action_compute()



@tagged("post_install", "-at_install")
class TestBudgetNextNothing(CareTestCommon):

    def test_nothing_to_plan_when_every_line_stops(self):
        self._setup_expenses()  # a 2026 plan with two lines and no spending
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        evaluation.action_compute()
        evaluation.action_confirm()
        wizard = self.env["care.budget.next"].with_user(self.care_manager).create({"evaluation_id": evaluation.id})
        with self.assertRaisesRegex(UserError, "Nothing to plan"):
            wizard.action_create()
