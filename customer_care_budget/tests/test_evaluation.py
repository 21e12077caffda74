from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.customer_care_budget.models.care_evaluation import RAW_ZERO

from .common import CareTestCommon

DAYS = 181  # 2026-01-01 to 2026-06-30; the period before: 2025-07-04 to 2025-12-31
MARGIN = 0.5


class EvaluationCommon(CareTestCommon):
    """A 2026 plan evaluated over its first half, with a gross margin of 50 %: four lines of the first half
    (gifts for every tier, meals for KEY and for STD customers, visits) and gifts for the second half.

    Customers (tier; revenue in the period before → in the period; care spending in the period):
    A (KEY; 10,000 → 18,000; gift 1,000 posted, meal 500 approved), B (KEY; 5,000 → refund -1,000;
    gift 1,000 approved), C (KEY; 4,000 → 4,000; a gift only in July), D (KEY; 3,000 → nothing),
    E (KEY; 2,000 → 2,500), F (STD; 1,000 → 1,000), G (STD; 2,000 → 2,700; meal 400 approved).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expense_accounting()
        half = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
        cls.plan = cls.env["care.budget"].with_user(cls.care_manager).create({
            "name": "Care 2026",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "reserve_amount": 1000.0,
            "objective_ids": [
                Command.create({"kpi": kpi, "baseline": baseline, "target": target})
                for kpi, baseline, target in [
                    ("retention_rate", 60, 70), ("nps", 40, 70), ("csat", 3.5, 3.6), ("revenue_growth", 0, 1),
                    ("active_customers", 3, 5), ("clv_growth", 5, 10),
                ]
            ],
            "line_ids": [
                Command.create({"activity_type_id": cls.gift.id, "amount_original": 10000.0, **half}),
                Command.create({"activity_type_id": cls.meal.id, "tier_id": cls.tier_key.id, "amount_original": 3000.0,
                                **half}),
                Command.create({"activity_type_id": cls.meal.id, "tier_id": cls.tier_standard.id,
                                "amount_original": 2000.0, **half}),
                Command.create({"activity_type_id": cls.visit.id, "amount_original": 1000.0, **half}),
                Command.create({"activity_type_id": cls.gift.id, "amount_original": 1000.0,
                                "date_from": "2026-07-01", "date_to": "2026-12-31"}),
            ],
        })
        cls._approve(cls.plan)
        lines = cls.plan.line_ids.sorted("id")
        cls.gift_line, cls.meal_key_line, cls.meal_std_line, cls.visit_line, cls.gift_h2_line = lines
        customers = {}
        for name, tier, before, now in [
            ("A", cls.tier_key, 10000, 18000), ("B", cls.tier_key, 5000, 0), ("C", cls.tier_key, 4000, 4000),
            ("D", cls.tier_key, 3000, 0), ("E", cls.tier_key, 2000, 2500), ("F", cls.tier_standard, 1000, 1000),
            ("G", cls.tier_standard, 2000, 2700),
        ]:
            customer = customers[name] = cls._customer(f"Customer {name}")
            cls._set_segment(customer, care_tier_id=tier.id, care_stage="active")
            cls._invoice(customer, before, days_ago=200)
            if now:
                cls._invoice(customer, now, days_ago=30)
        cls.customers = customers
        cls._invoice(customers["B"], 1000, days_ago=60, move_type="out_refund")
        cls._invoice(customers["D"], 9999, days_ago=400)  # before the period before: not counted
        cls.a_gift = cls._submit_and_approve(cls._expense(1000, customers["A"]))
        cls.a_gift.with_user(cls.care_accountant).action_post()
        cls._submit_and_approve(cls._expense(500, customers["A"], activity=cls.meal))
        cls._submit_and_approve(cls._expense(1000, customers["B"]))
        cls._submit_and_approve(cls._expense(400, customers["G"], activity=cls.meal))
        cls._submit_and_approve(cls._expense(300, customers["C"], date="2026-07-10"))  # second half: not evaluated
        for name, day, csat, nps in [("A", "2026-05-01", "5", "10"), ("B", "2026-05-02", "2", "7"),
                                     ("A", "2025-10-01", "3", "6"), ("C", "2026-04-01", "4", "9")]:
            cls.env["care.feedback"].create({"partner_id": customers[name].id, "date": day, "csat": csat, "nps": nps})
        cls.evaluation = cls._evaluation()

    @classmethod
    def _evaluation(cls, **values):
        evaluation = cls.env["care.evaluation"].with_user(cls.care_manager).create({
            "budget_id": cls.plan.id, "date_from": "2026-01-01", "date_to": "2026-06-30",
            "gross_margin_pct": 100 * MARGIN, **values,
        })
        evaluation.action_compute()
        return evaluation

    def _result(self, kind, record):
        return self.evaluation.result_ids.filtered(
            lambda result: result.kind == kind and result[result._key_field(kind)] == record
        )


@tagged("post_install", "-at_install")
class TestEvaluation(EvaluationCommon):
    """Every figure of an evaluation on crafted data, its recommendations and its freezing."""

    def test_plan_totals(self):
        evaluation = self.evaluation
        self.assertEqual(evaluation.period_days, DAYS)
        # served: A, B, G (C's gift is in July); revenue with B's refund; D's old invoice left out
        spend, uplift = 2900.0, 19700.0 - 17000.0
        self.assertRecordValues(evaluation, [{
            "spend_actual": 1000.0, "spend_committed": 1900.0, "spend": spend, "customers_served": 3,
            "revenue": 19700.0, "revenue_before": 17000.0, "revenue_uplift": uplift,
            "served_bought_before": 3, "served_retained": 2,  # B only had a refund: not retained
            "control_bought_before": 4, "control_retained": 3,  # C, D, E, F: D did not buy again
            "cost_per_retained": 1450.0,
        }])
        self.assertAlmostEqual(evaluation.spend_per_customer, 966.67, places=2)
        self.assertAlmostEqual(evaluation.revenue_uplift_pct, 100 * 2700 / 17000)
        self.assertAlmostEqual(evaluation.retention_served, 200 / 3)
        self.assertEqual(evaluation.retention_control, 75.0)
        self.assertAlmostEqual(evaluation.retention_lift, 200 / 3 - 75)
        self.assertAlmostEqual(evaluation.roi, 100 * (uplift * MARGIN - spend) / spend)  # -53.45 %
        self.assertAlmostEqual(evaluation.clv_change, uplift * 365.25 / DAYS * MARGIN * 3.0, places=2)
        # strata (tier, stage, band of revenue before: quartile cuts 2,000 / 3,000 / 4,500): A and B (KEY, 4)
        # have no control customer; G (STD, 1) has only F, and one customer is no comparison
        self.assertRecordValues(evaluation, [{
            "control_source": "matched", "served_matched": 0, "served_unmatched": 3, "control_matched": 0,
            "did_per_customer": 0.0, "incremental_revenue": 0.0, "evidence": "too_few", "recommendation": "keep",
        }])
        self.assertIn("Not enough evidence", evaluation.recommendation_reason)

    def test_feedback_of_the_customers_served(self):
        # served A (5 / 10 now, 3 / 6 before) and B (2 / 7); C is not served
        self.assertRecordValues(self.evaluation, [{
            "csat": 3.5, "csat_count": 2, "csat_before": 3.0, "csat_before_count": 1, "csat_change": 0.5,
            "nps": 50.0, "nps_count": 2, "nps_before": -100.0, "nps_before_count": 1, "nps_change": 150.0,
        }])
        self.assertAlmostEqual(self.evaluation.csat_all, 11 / 3)
        self.assertAlmostEqual(self.evaluation.nps_all, 200 / 3)  # A and C promoters, B passive

    def test_line_results_and_recommendations(self):
        gift = self._result("line", self.gift_line)
        self.assertRecordValues(gift, [{
            "spend": 2000.0, "customers_served": 2, "revenue": 17000.0, "revenue_before": 15000.0,
            "roi": -50.0,  # (2,000 x 50 % - 2,000) / 2,000: raw
            "retention_served": 50.0, "retention_control": 75.0,
            "served_matched": 0, "served_unmatched": 2,  # A and B: no control in their stratum
            "recommendation": "keep",  # too few customers to tell
        }])
        meal_key = self._result("line", self.meal_key_line)
        self.assertRecordValues(meal_key, [{
            "spend": 500.0, "customers_served": 1, "revenue_uplift": 8000.0, "roi": 700.0,
            "retention_served": 100.0, "control_bought_before": 3, "control_retained": 2,  # KEY: C, D, E
            "recommendation": "keep",  # a raw ROI of 700 % on one customer is no evidence
        }])
        self.assertIn("fewer than 30", meal_key.recommendation_reason)
        self.assertRecordValues(self._result("line", self.meal_std_line), [{
            "spend": 400.0, "revenue_uplift": 700.0, "roi": -12.5, "retention_served": 100.0,
            "retention_control": 100.0, "recommendation": "keep",  # STD control: F
            "served_matched": 0, "served_unmatched": 1, "evidence": "too_few",
        }])
        visit = self._result("line", self.visit_line)
        self.assertRecordValues(visit, [{"spend": 0.0, "customers_served": 0, "recommendation": "stop"}])
        self.assertIn("Nothing was spent", visit.recommendation_reason)

    def test_tier_and_activity_summaries_add_up(self):
        self.assertRecordValues(self._result("tier", self.tier_key), [{
            "spend": 2500.0, "customers_served": 2, "revenue": 17000.0, "revenue_before": 15000.0,
            "control_bought_before": 3, "control_retained": 2,
        }])
        self.assertRecordValues(self._result("tier", self.tier_standard), [{
            "spend": 400.0, "customers_served": 1, "control_bought_before": 1, "control_retained": 1,
        }])
        meal = self._result("activity", self.meal)
        self.assertRecordValues(meal, [{
            "spend": 900.0, "customers_served": 2, "revenue_uplift": 8700.0, "retention_served": 100.0,
            "retention_control": 75.0, "recommendation": "keep",
        }])
        self.assertAlmostEqual(meal.roi, 100 * (8700 * MARGIN - 900) / 900)
        for kind in ("line", "tier", "activity", "customer"):
            results = self.evaluation.result_ids.filtered(lambda result, kind=kind: result.kind == kind)
            self.assertAlmostEqual(sum(results.mapped("spend")), self.evaluation.spend, msg=kind)

    def test_a_contact_is_served_as_its_company(self):
        contact = self.env["res.partner"].create({"name": "Ann", "parent_id": self.customers["A"].id})
        self._submit_and_approve(self._expense(100, contact, activity=self.meal))
        self.env["care.feedback"].create({"partner_id": contact.id, "date": "2026-05-03", "csat": "2"})
        evaluation = self._evaluation()
        self.assertRecordValues(evaluation, [{
            "spend": 3000.0, "customers_served": 3, "revenue": 19700.0, "control_bought_before": 4,
            "csat_count": 3,
        }])

    def test_customer_results(self):
        results = self.evaluation.customer_result_ids
        self.assertEqual(results.partner_id, self.customers["A"] | self.customers["B"] | self.customers["G"])
        self.assertRecordValues(self._result("customer", self.customers["A"]), [{
            "spend": 1500.0, "customers_served": 1, "revenue": 18000.0, "revenue_before": 10000.0,
            "csat": 5.0, "nps": 100.0, "recommendation": "keep",
        }])
        self.assertAlmostEqual(self._result("customer", self.customers["A"]).roi, 100 * (8000 * MARGIN - 1500) / 1500)
        self.assertAlmostEqual(sum(results.mapped("spend")), self.evaluation.spend)

    def test_spend_equals_the_budget_analysis(self):
        rows = self.env["care.budget.report"]._read_group(
            [("budget_id", "=", self.plan.id), ("date", ">=", date(2026, 1, 1)), ("date", "<=", date(2026, 6, 30)),
             ("source", "!=", "plan")],
            aggregates=["amount_actual:sum", "amount_committed:sum", "amount_spent:sum"],
        )
        self.assertEqual(rows, [(self.evaluation.spend_actual, self.evaluation.spend_committed, self.evaluation.spend)])
        self.assertEqual(self.evaluation.spend, 2900.0, "one meaning of spend: committed 1,900 + actual 1,000")

    def test_objectives_met_or_not(self):
        outcome = {
            result.kpi: (round(result.achieved, 2), result.is_met) for result in self.evaluation.objective_result_ids
        }
        self.assertEqual(outcome, {
            "retention_rate": (71.43, True),  # all customers: 5 of 7 bought again
            "nps": (66.67, False),
            "csat": (3.67, True),
            "revenue_growth": (0.74, False),  # 27,200 against 27,000
            "active_customers": (5.0, True),  # the target exactly
            "clv_growth": (15.88, True),  # the served customers' uplift: 2,700 / 17,000
        })

    def test_confirmed_evaluation_is_frozen(self):
        evaluation = self._evaluation()
        evaluation.action_confirm()
        figures = evaluation.read(["spend", "revenue", "roi", "retention_served"])
        self._invoice(self.customers["B"], 5000, days_ago=5)
        self._submit_and_approve(self._expense(200, self.customers["D"]))
        with self.assertRaisesRegex(UserError, "frozen"):
            evaluation.action_compute()
        with self.assertRaisesRegex(UserError, "frozen"):
            evaluation.write({"date_to": "2026-03-31"})
        with self.assertRaisesRegex(UserError, "frozen"):
            evaluation.unlink()
        with self.assertRaises(UserError):
            evaluation.line_result_ids[0].unlink()
        evaluation.invalidate_recordset()
        self.assertEqual(evaluation.read(["spend", "revenue", "roi", "retention_served"]), figures)
        # a draft evaluation sees the news
        self.assertEqual(self._evaluation().spend, 3100.0)

    def test_confirm_tells_the_plan_and_asks_for_the_next_one(self):
        evaluation = self._evaluation()
        with self.assertRaisesRegex(UserError, "Compute"):
            self.env["care.evaluation"].with_user(self.care_manager).create({
                "budget_id": self.plan.id,
            }).action_confirm()
        evaluation.action_confirm()
        self.assertEqual(evaluation.state, "confirmed")
        self.assertIn("stop: 1", self.plan.message_ids[0].body)
        self.assertEqual(evaluation.activity_ids.user_id, self.plan.user_id)

    def test_results_only_come_from_compute(self):
        evaluation = self._evaluation()
        with self.assertRaisesRegex(AccessError, "cannot be typed in"):
            evaluation.write({"roi": 500.0})
        with self.assertRaises(AccessError):
            evaluation.line_result_ids[0].write({"recommendation": "increase"})
        with self.assertRaises(AccessError):
            self.env["care.evaluation.result"].with_user(self.care_manager).create({
                "evaluation_id": evaluation.id, "kind": "tier",
            })


    def test_access_per_group_and_company(self):
        for user in (self.care_user, self.care_accountant):
            evaluation = self.evaluation.with_user(user)
            self.assertEqual(evaluation.roi, self.evaluation.roi, "readable")
            self.assertTrue(evaluation.line_result_ids)
            with self.assertRaises(AccessError):
                evaluation.action_compute()
            with self.assertRaises(AccessError):
                self.env["care.evaluation"].with_user(user).create({"budget_id": self.plan.id})
        other = self.setup_other_company(name="Care Company B")["company"]
        outsider = self._care_user("care_manager_b", "customer_care_budget.group_care_manager",
                                   [Command.set(other.ids)])
        with self.assertRaises(AccessError):
            self.evaluation.with_user(outsider).read(["roi"])
        with self.assertRaises(AccessError):
            self.evaluation.result_ids[:1].with_user(outsider).read(["roi"])
        self.assertFalse(self.env["care.evaluation.result"].with_user(outsider).search([]))


@tagged("post_install", "-at_install")
class TestEvaluationRules(CareTestCommon):
    """Recommendations at their thresholds' edges, and input refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()

    def test_recommendations_name_the_numbers(self):
        # the rules at their edges: test_incrementality_formulas; here, what the reason says
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        self.assertRecordValues(evaluation, [{
            "roi_increase_pct": 100.0, "roi_keep_pct": 0.0, "roi_stop_pct": -50.0, "retention_lift_keep": 10.0,
            "min_customers": 30,
        }])
        base = {
            "spend": 100.0, "incremental_roi": 150.0, "incremental_roi_low": 120.0, "incremental_roi_high": 180.0,
            "evidence": "significant", "incremental_retention": 2.0, "incremental_retention_low": -1.0,
            "incremental_retention_high": 5.0, "retention_evidence": "not_significant", "served_matched": 40,
            "control_matched": 200,
        }
        cases = [
            ({}, "increase", "150.0% (90% interval 120.0% to 180.0%) reaches 100.0%"),
            ({"evidence": "not_significant", "incremental_roi_low": -100.0}, "keep",
             "Not enough evidence, keep and measure: incremental ROI 150.0% reaches 100.0%, but its 90% interval "
             "(-100.0% to 180.0%)"),
            ({"evidence": "too_few", "served_matched": 12}, "keep",
             "12 customers served matched and 200 control customers, fewer than 30"),
            ({"spend": 0.0}, "stop", "Nothing was spent"),
            ({"incremental_roi": -80.0, "incremental_roi_low": -95.0, "incremental_roi_high": -60.0}, "stop",
             "even the top of its 90% interval (-60.0%) is below -50.0%"),
            ({"incremental_roi": -40.0, "incremental_roi_low": -95.0, "incremental_roi_high": -10.0}, "reduce",
             "(-10.0%) is below 0.0%"),
            ({"incremental_roi": -40.0, "incremental_roi_low": -95.0, "incremental_roi_high": 30.0}, "keep",
             "is below 0.0%, but its 90% interval (-95.0% to 30.0%) reaches it"),
            ({"incremental_roi": -40.0, "incremental_roi_high": 30.0, "incremental_retention": 15.0,
              "incremental_retention_low": 11.0, "incremental_retention_high": 19.0,
              "retention_evidence": "significant"},
             "keep", "retained 15.0 points better than comparable ones (90% interval 11.0 to 19.0, at least 10.0)"),
        ]
        for change, expected, words in cases:
            recommendation, reason = self.env["care.evaluation.metrics"]._recommend({**base, **change}, evaluation)
            self.assertEqual(recommendation, expected, reason)
            self.assertIn(words, reason)

    def test_credit_notes_outweighing_the_spending(self):
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        raw = dict(RAW_ZERO, spend_actual=-100.0, customers_served=2, served_retained=1, revenue=500.0)
        figures = self.env["care.evaluation.metrics"]._derive_metrics(raw, evaluation)
        self.assertEqual(
            [figures[key] for key in ("spend", "roi", "spend_per_customer", "cost_per_retained", "recommendation")],
            [-100.0, 0.0, 0.0, 0.0, "stop"],
        )

    def test_thresholds_come_from_settings_and_must_rise(self):
        # saved together in Settings, though the company receives them one at a time
        self.env["res.config.settings"].create({
            "care_roi_stop_pct": 50.0, "care_roi_keep_pct": 60.0, "care_roi_increase_pct": 300.0,
        }).execute()
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        self.assertRecordValues(evaluation, [{"roi_increase_pct": 300.0, "roi_keep_pct": 60.0, "roi_stop_pct": 50.0}])
        with self.assertRaisesRegex(ValidationError, "must rise"):
            evaluation.roi_keep_pct = 400.0
        with self.assertRaisesRegex(ValidationError, "must rise"), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"care_roi_stop_pct": 70.0})
        self.assertEqual(self.company.care_roi_stop_pct, 50.0)

    def test_changing_an_input_discards_the_results(self):
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        evaluation.action_compute()
        evaluation.gross_margin_pct = 90.0
        self.assertFalse(evaluation.computed_on)
        self.assertFalse(evaluation.result_ids)
        self.assertFalse(evaluation.objective_result_ids)
        with self.assertRaisesRegex(UserError, "Compute the evaluation"):
            evaluation.action_confirm()

    def test_copy_starts_without_results(self):
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        evaluation.action_compute()
        evaluation.action_confirm()
        copy = evaluation.copy()
        self.assertRecordValues(copy, [{"state": "draft", "computed_on": False, "spend": 0.0}])
        self.assertFalse(copy.result_ids)

    def test_plan_from_the_context_is_checked_too(self):
        draft = self._budget()
        with self.assertRaisesRegex(UserError, "Only an approved or closed plan"), self.env.cr.savepoint():
            self.env["care.evaluation"].with_user(self.care_manager).with_context(
                default_budget_id=draft.id,
            ).create({})

    def test_draft_plan_is_not_evaluated(self):
        draft = self._budget()
        with self.assertRaisesRegex(UserError, "Only an approved or closed plan"), self.env.cr.savepoint():
            self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": draft.id})
        self.assertFalse(self.env["care.evaluation"].search([("budget_id", "=", draft.id)]))

    def test_period_outside_the_plan_is_refused(self):
        for dates in ({"date_from": "2025-12-31"}, {"date_to": "2027-01-01"}):
            with self.assertRaisesRegex(ValidationError, "outside the plan"):
                self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id, **dates})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["care.evaluation"].with_user(self.care_manager).create({
                "budget_id": self.plan.id, "date_from": "2026-06-01", "date_to": "2026-05-01",
            })

    def test_evaluate_button_defaults_to_the_plan_period_so_far(self):
        with freeze_time("2026-09-30"):
            action = self.plan.with_user(self.care_manager).action_evaluate()
        evaluation = self.env["care.evaluation"].browse(action["res_id"])
        self.assertRecordValues(evaluation, [{
            "date_from": date(2026, 1, 1), "date_to": date(2026, 9, 30), "state": "draft", "gross_margin_pct": 40.0,
        }])
        self.assertTrue(evaluation.computed_on)
        self.assertEqual(self.plan.evaluation_count, 1)
        self.assertEqual(len(evaluation.line_result_ids), 2)

    def _compute_queries(self, plan, results, count):
        """The queries of Compute of a new evaluation of ``plan``, whose ``results`` list has ``count`` rows."""
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": plan.id})
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        evaluation.action_compute()
        self.env.flush_all()
        self.assertEqual(len(evaluation[results]), count)
        return self.env.cr.sql_log_count - start

    def test_compute_query_count_does_not_grow_with_lines(self):
        def queries(count):
            plan = self._approve(self._budget(
                lines=[(100.0 + index, "2027-01-01", "2027-12-31") for index in range(count)], name=f"Plan {count}",
            ))
            return self._compute_queries(plan, "line_result_ids", count)

        queries(2)  # warm the registry caches
        self.assertEqual(queries(3), queries(30))

    def test_compute_query_count_does_not_grow_with_customers_served(self):
        def queries(count, year):  # a plan of its own year, which its expenses take
            plan = self._approve(self._budget(
                lines=[(100000.0, f"{year}-01-01", f"{year}-12-31")], name=f"Plan {count}",
                date_from=f"{year}-01-01", date_to=f"{year}-12-31",
            ))
            for index in range(count):
                customer = self._customer(f"Served {count}-{index}")
                self._submit_and_approve(self._expense(10.0, customer, date=f"{year}-02-01"))
            return self._compute_queries(plan, "customer_result_ids", count)

        queries(2, 2023)  # warm the registry caches
        self.assertEqual(queries(3, 2024), queries(20, 2025))

    def test_plan_with_a_confirmed_evaluation_is_kept(self):
        plan = self._approve(self._budget())
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": plan.id})
        evaluation.action_compute()
        evaluation.action_confirm()
        plan.with_user(self.care_manager).action_cancel()
        with self.assertRaisesRegex(UserError, "frozen"):
            plan.with_user(self.care_manager).unlink()


@tagged("post_install", "-at_install")
class TestEvaluationTierAtStart(EvaluationCommon):
    """Served and not-served customers count in the tier they had when the evaluated period began, as the
    segment history tells, whatever they became since."""

    def _moved(self, name, day, before, after):
        self.env["care.segment.history"].sudo().create({
            "company_id": self.company.id, "partner_id": self.customers[name].id, "date": day, "cause": "recompute",
            "tier_before_id": before.id, "tier_after_id": after.id, "tier_changed": True,
        })

    def test_the_tier_at_the_start_of_the_period_counts(self):
        key, std = ("tier", self.tier_key.id), ("tier", self.tier_standard.id)
        raw = self.evaluation._gather()
        self.assertEqual((raw[key]["customers_served"], raw[std]["customers_served"]), (2, 1))  # A, B / G
        self.assertEqual((raw[key]["control_bought_before"], raw[std]["control_bought_before"]), (3, 1))  # C D E / F
        self._moved("A", "2025-12-15", self.tier_key, self.tier_standard)  # STD on January 1st, KEY again since
        self._moved("A", "2026-03-01", self.tier_standard, self.tier_key)
        self._moved("D", "2026-03-01", self.tier_standard, self.tier_key)  # STD on January 1st: before its first move
        self._moved("E", "2025-11-01", self.tier_standard, self.tier_key)  # KEY on January 1st, as today
        raw = self.evaluation._gather()
        self.assertEqual((raw[key]["customers_served"], raw[std]["customers_served"]), (1, 2))  # B / A, G
        self.assertEqual(raw[std]["spend_actual"], 1000.0, "A's posted gift counts for STD")
        self.assertEqual((raw[key]["control_bought_before"], raw[std]["control_bought_before"]), (2, 2))  # C E / F D
        self.assertEqual((raw[key]["control_retained"], raw[std]["control_retained"]), (2, 1), "D bought nothing")
