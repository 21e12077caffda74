from datetime import date

import numpy as np

from odoo.tests import tagged

from .common import CareTestCommon

SERVED_NOW = [2000.0, 2100.0, 1900.0, 2050.0, 1950.0]  # each bought 1,000 in the period before
MARGIN = 0.4  # the test company's


@tagged("post_install", "-at_install")
class TestEvaluationIncremental(CareTestCommon):
    """Compute measures what the spending added: the served customers against the customers not served of
    the same strata at the start of the period (tier, stage, band of revenue before), with 90 % intervals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.served = cls._customers("Served", SERVED_NOW)
        for customer in cls.served:
            cls._submit_and_approve(cls._expense(100.0, customer))  # 500 spent on the gift line

    @classmethod
    def _customers(cls, name, revenues, tier=None, stage="active"):
        """KEY customers (unless ``tier``) who bought 1,000 in the period before and ``revenues`` in the period."""
        customers = cls.env["res.partner"]
        for index, revenue in enumerate(revenues):
            customer = cls._customer(f"{name} {index}")
            cls._set_segment(customer, care_tier_id=(tier or cls.tier_key).id, care_stage=stage)
            cls._invoice(customer, 1000.0, days_ago=250)
            if revenue:
                cls._invoice(customer, revenue, days_ago=30)
            customers |= customer
        return customers

    def _evaluate(self):
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({
            "budget_id": self.plan.id, "date_from": "2026-01-01", "date_to": "2026-06-30", "min_customers": 3,
        })
        evaluation.action_compute()
        return evaluation

    def test_raw_roi_is_high_but_the_control_grew_just_as_much(self):
        self._customers("Not Served", SERVED_NOW)
        evaluation = self._evaluate()
        self.assertAlmostEqual(evaluation.roi, 100 * (5000 * MARGIN - 500) / 500, msg="raw: 300 %")
        self.assertRecordValues(evaluation, [{
            "control_source": "matched", "served_matched": 5, "control_matched": 5, "served_unmatched": 0,
            "did_per_customer": 0.0, "incremental_revenue": 0.0, "incremental_roi": -100.0,
            "evidence": "not_significant", "incremental_retention": 0.0,
        }])
        # served and control alike: 2,000 ± 79.06 (s = 79.06); Welch: ± t(0.95, 8) x 50 per customer
        half = 1.8595480375 * 50
        self.assertAlmostEqual(evaluation.did_high, half, places=2)
        self.assertAlmostEqual(evaluation.did_low, -half, places=2)
        self.assertAlmostEqual(evaluation.incremental_roi_high, 100 * (5 * half * MARGIN - 500) / 500, places=2)
        self.assertEqual(evaluation.recommendation, "stop", "even the interval's top is below -50 %")
        self.assertIn("-62.8%", evaluation.recommendation_reason)

    def test_served_grew_and_the_control_fell(self):
        self._customers("Not Served", [500.0, 600.0, 400.0, 550.0, 450.0])
        evaluation = self._evaluate()
        self.assertRecordValues(evaluation, [{
            "did_per_customer": 1500.0, "incremental_revenue_did": 7500.0, "incremental_revenue": 7500.0,
            "incremental_roi": 100 * (7500 * MARGIN - 500) / 500, "evidence": "significant",
            "recommendation": "increase",
        }])
        self.assertAlmostEqual(evaluation.incremental_clv_change, 7500 * 365.25 / 181 * MARGIN * 3.0, places=2)
        gift = evaluation.line_result_ids.filtered(lambda result: result.budget_line_id == self.gift_line)
        self.assertRecordValues(gift, [{"served_matched": 5, "incremental_revenue": 7500.0}])

    def test_a_stratum_without_control_customers_is_said(self):
        self._customers("Not Served", SERVED_NOW)
        strategic = self._customers("Strategic", [3000.0], tier=self.tier_strategic)
        self._submit_and_approve(self._expense(100.0, strategic))
        evaluation = self._evaluate()
        self.assertRecordValues(evaluation, [{"served_matched": 5, "served_unmatched": 1, "customers_served": 6}])
        result = evaluation.tier_result_ids.filtered(lambda result: result.tier_id == self.tier_strategic)
        self.assertRecordValues(result, [{
            "served_matched": 0, "served_unmatched": 1, "incremental_revenue": 0.0, "evidence": "too_few",
            "recommendation": "keep",
        }])

    def test_strata_are_those_at_the_start_of_the_period(self):
        # at risk today, but active on 2026-01-01 (the history says so): compared with active customers
        for customer in self.served:
            self._set_segment(customer, care_stage="at_risk")
        self.env["care.segment.history"]._insert_recompute_changes(self.company, date(2026, 3, 1), [
            (customer.id, self.tier_key.id, self.tier_key.id, "active", "at_risk", 12, True) for customer in self.served
        ])
        self._customers("Active", [500.0, 600.0, 400.0, 550.0, 450.0])
        self._customers("At Risk", SERVED_NOW, stage="at_risk")
        evaluation = self._evaluate()
        self.assertRecordValues(evaluation, [{"served_matched": 5, "control_matched": 5, "did_per_customer": 1500.0}])

    def test_cuped_theta_is_pooled_over_served_and_control(self):
        control = self._customers("Not Served", [1000.0, 1100.0, 900.0, 1050.0, 950.0])
        self._invoice(control[1], 100.0, days_ago=240)
        evaluation = self._evaluate()
        # served, the plan's fixture customer (no invoice), the control customers
        before = [1000.0] * 5 + [0.0] + [1000.0, 1100.0, 1000.0, 1000.0, 1000.0]
        after = SERVED_NOW + [0.0] + [1000.0, 1100.0, 900.0, 1050.0, 950.0]
        self.assertAlmostEqual(evaluation.cuped_theta, np.cov(before, after)[0, 1] / np.var(before, ddof=1), places=4)
