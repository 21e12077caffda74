import numpy as np
from scipy import stats

from odoo.tests import BaseCase

from odoo.addons.customer_care_budget.incrementality import (
    ControlStrata,
    Customer,
    Estimate,
    Stats,
    Thresholds,
    cuped_theta,
    incremental_roi,
    incrementality,
    matched_effect,
    pick_holdout,
    recommend,
    revenue_cuts,
    stratified,
    stratum,
)

THRESHOLDS = Thresholds(roi_increase_pct=100.0, roi_keep_pct=20.0, roi_stop_pct=-20.0, retention_lift_keep=5.0,
                        min_customers=3)


def customers(pairs, tier=1, stage="active"):
    """Customers of one stratum from (revenue before, revenue) pairs; they bought when they had revenue."""
    return [Customer(tier, stage, before, after, before > 0, after > 0) for before, after in pairs]


def control_of(rows, cuts=(), theta=1.0):
    return ControlStrata(stratified(rows, list(cuts)), theta)


def measure(served, control, theta=1.0):
    """The incrementality of ``served`` against ``control`` customers, all of one revenue band."""
    return incrementality(stratified(served, []), theta, control_of(control, theta=theta))


class TestIncrementalityFormulas(BaseCase):
    """Matched differences in differences, CUPED, Welch intervals and the evidence rules, without a database."""

    def test_the_control_grew_just_as_much_nothing_was_added(self):
        served = customers([(1000.0, 2000.0), (1200.0, 2200.0), (800.0, 1800.0)])
        control = customers([(1000.0, 2000.0), (900.0, 1900.0), (1100.0, 2100.0)])
        figures = measure(served, control)
        self.assertAlmostEqual(figures.did.effect, 0.0)
        self.assertEqual((figures.did.low, figures.did.high), (0.0, 0.0), "no spread at all: a zero-width interval")
        raw_uplift = sum(after - before for before, after, *_ in ((c.revenue_before, c.revenue) for c in served))
        self.assertEqual(raw_uplift, 3000.0)
        self.assertGreater(incremental_roi(raw_uplift, 30.0, 300.0), 100.0, "the raw ROI looks good: 200 %")
        self.assertAlmostEqual(incremental_roi(figures.did.total, 30.0, 300.0), -100.0)

    def test_served_grew_and_the_control_fell(self):
        served = customers([(1000.0, 1500.0), (1000.0, 1600.0), (1000.0, 1400.0)])
        control = customers([(1000.0, 800.0), (1000.0, 700.0), (1000.0, 900.0)])
        estimate = measure(served, control).did
        self.assertAlmostEqual(estimate.effect, 700.0)
        self.assertAlmostEqual(estimate.total, 2100.0)
        self.assertEqual(estimate.evidence(3), "significant")
        self.assertAlmostEqual(incremental_roi(estimate.total, 50.0, 1000.0), 5.0)

    def test_one_stratum_is_welchs_t_test(self):
        served = [120.0, 80.0, 150.0, 90.0, 200.0, 60.0]
        control = [50.0, 70.0, 20.0, 90.0, 40.0]
        estimate = matched_effect([("s", value) for value in served], {"s": Stats.of(control)})
        # the independent computation: scipy's Welch test on the same numbers
        interval = stats.ttest_ind(served, control, equal_var=False).confidence_interval(0.90)
        self.assertAlmostEqual(estimate.effect, np.mean(served) - np.mean(control))
        self.assertAlmostEqual(estimate.low, interval.low)
        self.assertAlmostEqual(estimate.high, interval.high)
        self.assertEqual((estimate.served, estimate.control, estimate.unmatched), (6, 5, 0))

    def test_strata_are_weighted_to_the_served_mix(self):
        # 3 served in stratum a (control mean 10), 1 in b (control mean 100): the control's mean is not the
        # plain mean of the control customers (4 in a, 2 in b) but 3/4 x 10 + 1/4 x 100
        served = [("a", 20.0), ("a", 30.0), ("a", 40.0), ("b", 130.0)]
        control = {"a": Stats.of([5.0, 10.0, 15.0, 10.0]), "b": Stats.of([90.0, 110.0])}
        estimate = matched_effect(served, control)
        self.assertAlmostEqual(estimate.effect, np.mean([20, 30, 40, 130]) - (0.75 * 10 + 0.25 * 100))
        # the variance and degrees of freedom, computed apart (Welch–Satterthwaite)
        parts = [(np.var([20, 30, 40, 130], ddof=1) / 4, 3),
                 (0.75**2 * np.var([5, 10, 15, 10], ddof=1) / 4, 3),
                 (0.25**2 * np.var([90, 110], ddof=1) / 2, 1)]
        variance = sum(part for part, _df in parts)
        df = variance**2 / sum(part**2 / df for part, df in parts)
        half = stats.t.ppf(0.95, df) * np.sqrt(variance)
        self.assertAlmostEqual(estimate.low, estimate.effect - half)
        self.assertAlmostEqual(estimate.high, estimate.effect + half)

    def test_a_stratum_without_control_is_left_out_and_said(self):
        served = [("a", 20.0), ("a", 30.0), ("lonely", 500.0)]
        estimate = matched_effect(served, {"a": Stats.of([10.0, 20.0])})
        self.assertEqual((estimate.served, estimate.unmatched), (2, 1))
        self.assertAlmostEqual(estimate.effect, 25.0 - 15.0)
        nobody = matched_effect([("lonely", 500.0)], {"a": Stats.of([10.0])})
        self.assertEqual(nobody, Estimate(0.0, None, None, 0, 0, 1), "no division by zero")
        self.assertEqual(nobody.evidence(1), "too_few")

    def test_a_stratum_needs_two_control_customers(self):
        control = customers([(1000.0, 1500.0)], tier=1) + customers([(1000.0, 900.0), (1000.0, 1100.0)], tier=2)
        strata = control_of(control)
        self.assertEqual(set(strata.revenue), {(2, "active", 1)}, "one customer has no spread to compare with")
        served = stratified(customers([(1000.0, 2000.0)], tier=1) + customers([(1000.0, 1600.0)], tier=2), [])
        figures = incrementality(served, 1.0, strata)
        self.assertEqual((figures.did.served, figures.did.unmatched), (1, 1))
        self.assertAlmostEqual(figures.did.effect, 600.0)

    def test_evidence(self):
        self.assertEqual(Estimate(5.0, -1.0, 11.0, 40, 40, 0).evidence(30), "not_significant")
        self.assertEqual(Estimate(5.0, 0.5, 9.5, 40, 40, 0).evidence(30), "significant")
        self.assertEqual(Estimate(5.0, 0.5, 9.5, 29, 40, 0).evidence(30), "too_few")
        self.assertEqual(Estimate(5.0, 0.5, 9.5, 40, 29, 0).evidence(30), "too_few")

    def test_cuped_narrows_the_interval_of_the_same_customers(self):
        rng = np.random.default_rng(7)
        before = rng.gamma(2.0, 500.0, 400)
        after = 0.5 * before + 600 + rng.normal(0, 150, 400)  # revenue before predicts, not 1 to 1
        after[:200] += 100  # the first 200 are served: 100 added each
        rows = customers(zip(before.tolist(), after.tolist()))
        served, control = rows[:200], rows[200:]
        theta = cuped_theta(rows)
        self.assertAlmostEqual(theta, np.cov(before, after)[0, 1] / np.var(before, ddof=1))
        figures = measure(served, control, theta)
        did, cuped = figures.did, figures.cuped
        self.assertLess(cuped.high - cuped.low, (did.high - did.low) / 2)
        self.assertAlmostEqual(cuped.effect, 100.0, delta=30.0)
        self.assertEqual(cuped.evidence(30), "significant")

    def test_cuped_theta_edges(self):
        self.assertEqual(cuped_theta(customers([(100.0, 50.0), (100.0, 80.0)])), 0.0, "revenue before constant")
        self.assertEqual(cuped_theta(customers([(100.0, 50.0)])), 0.0)

    def test_retention_in_points_among_those_who_bought_before(self):
        served = customers([(100.0, 10.0), (100.0, 20.0), (100.0, 0.0), (100.0, 30.0), (0.0, 50.0)])
        control = customers([(100.0, 10.0), (100.0, 0.0), (100.0, 0.0), (100.0, 20.0)])
        retention = measure(served, control).retention
        self.assertEqual(retention.served, 4, "the one who did not buy before does not count")
        self.assertAlmostEqual(retention.effect, 75.0 - 50.0)

    def test_revenue_bands(self):
        rows = customers([(0.0, 1.0), (10.0, 1.0), (20.0, 1.0), (30.0, 1.0), (40.0, 1.0), (50.0, 1.0)])
        cuts = revenue_cuts(rows)
        self.assertEqual(cuts, [20.0, 30.0, 40.0])
        self.assertEqual([stratum(row, cuts)[2] for row in rows], [0, 1, 1, 2, 3, 4])
        self.assertEqual(stratum(rows[1], cuts)[:2], (1, "active"))
        self.assertEqual(revenue_cuts(rows[:2]), [], "fewer than two with revenue: one band")

    def test_recommendations_at_each_edge(self):
        def decide(roi=50.0, low=10.0, high=90.0, evidence="significant", lift=0.0, lift_low=-1.0,
                   lift_evidence="not_significant", spend=100.0):
            return recommend(spend, roi, low, high, evidence, lift, lift_low, lift_evidence, THRESHOLDS)

        self.assertEqual(decide(spend=0.0), ("stop", "nothing_spent"))
        self.assertEqual(decide(evidence="too_few", roi=500.0), ("keep", "too_few"))
        self.assertEqual(decide(roi=100.0), ("increase", "increase"), "at the threshold")
        self.assertEqual(decide(roi=99.99), ("keep", "keep"), "at 0.01: still the increase threshold")
        self.assertEqual(decide(roi=99.9), ("keep", "keep"))
        self.assertEqual(decide(roi=300.0, evidence="not_significant"), ("keep", "not_significant"))
        self.assertEqual(decide(roi=300.0, lift=-0.5, lift_evidence="significant"), ("keep", "retained_worse"))
        self.assertEqual(decide(roi=300.0, lift=-0.5), ("increase", "increase"), "a lift within chance vetoes nothing")
        self.assertEqual(decide(roi=20.0), ("keep", "keep"))
        self.assertEqual(decide(roi=0.0, high=10.0, lift=8.0, lift_low=5.0, lift_evidence="significant"),
                         ("keep", "lift"))
        self.assertEqual(decide(roi=0.0, high=10.0, lift=8.0, lift_low=4.9, lift_evidence="significant"),
                         ("reduce", "reduce"), "the lift's interval does not reach the keep lift")
        self.assertEqual(decide(roi=-50.0, high=-20.5), ("stop", "stop"))
        self.assertEqual(decide(roi=-50.0, high=-20.0), ("reduce", "reduce"), "its top reaches the stop threshold")
        self.assertEqual(decide(roi=-50.0, low=-150.0, high=19.9), ("reduce", "reduce"))
        self.assertEqual(decide(roi=-50.0, low=-150.0, high=60.0), ("keep", "not_enough_evidence"))

    def test_a_holdout_pick_is_reproducible(self):
        candidates = list(range(100, 140))
        picked = pick_holdout(candidates, 25.0, seed=20261203)
        self.assertEqual(len(picked), 10)
        self.assertEqual(pick_holdout(reversed(candidates), 25.0, seed=20261203), picked, "order does not matter")
        self.assertNotEqual(pick_holdout(candidates, 25.0, seed=7), picked)
        self.assertTrue(set(picked) <= set(candidates))
        self.assertEqual(len(pick_holdout(candidates, 10.0, seed=1)), 4)
        self.assertEqual(pick_holdout([], 10.0, seed=1), [])
