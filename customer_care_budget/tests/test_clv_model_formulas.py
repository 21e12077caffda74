import csv
from pathlib import Path

import numpy as np

from odoo.tests import BaseCase

from odoo.addons.customer_care_budget import clv_model
from odoo.addons.customer_care_budget.clv_model import (
    MIN_REPEAT_CUSTOMERS,
    BgNbd,
    Fit,
    GammaGamma,
    NotEnoughData,
    discounted_clv,
    fit,
    fit_bgnbd,
    fit_gamma_gamma,
    frequency_value_correlation,
    holdout_check,
)

CDNOW = Path(__file__).parent / "data" / "cdnow_customers_summary.csv"
# Fader, Hardie & Lee (2005), "Counting your customers the easy way", table 1 (weeks) and the Gamma-Gamma
# parameters of Fader & Hardie's note on the same data
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def cdnow():
    with CDNOW.open() as lines:
        rows = list(csv.DictReader(lines))
    return tuple(np.array([float(row[column]) for row in rows]) for column in ("x", "t_x", "T", "zbar"))


def significant(value, digits=2):
    return float(f"{value:.{digits}g}")


class TestClvModelFormulas(BaseCase):
    """The purchase model without a database: the published CDNOW fits, predictions, fallbacks, the holdout check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.x, cls.t_x, cls.tenure, cls.value = cdnow()
        cls.bgnbd = fit_bgnbd(cls.x, cls.t_x, cls.tenure)
        cls.gamma_gamma = fit_gamma_gamma(cls.x, cls.value)

    def test_bgnbd_reproduces_the_published_cdnow_parameters(self):
        self.assertEqual(len(self.x), 2357)
        for name, published in PUBLISHED_BGNBD.items():
            self.assertEqual(significant(getattr(self.bgnbd, name)), significant(published), name)
        self.assertAlmostEqual(self.bgnbd.log_likelihood, -9582.4, delta=0.1)  # the paper's LL
        self.assertEqual(self.bgnbd.customers, 2357)

    def test_gamma_gamma_reproduces_the_published_cdnow_parameters(self):
        for name, published in PUBLISHED_GAMMA_GAMMA.items():
            self.assertEqual(significant(getattr(self.gamma_gamma, name), 3), significant(published, 3), name)
        self.assertEqual(self.gamma_gamma.customers, 946, "the repeat buyers only")
        self.assertLess(abs(frequency_value_correlation(self.x, self.value)), 0.3, "the model's assumption holds")

    def test_predictions_of_the_paper(self):
        # FHL 2005, section 5: a customer with 2 repeat purchases, the last at week 30.43, observed 38.86 weeks,
        # is expected to buy 1.226 times in the next 39 weeks
        self.assertAlmostEqual(float(self.bgnbd.expected_purchases(39, [2], [30.43], [38.86])[0]), 1.226, places=2)
        alive = self.bgnbd.p_alive([0, 2, 2, 7], [0, 30.43, 5.0, 35.0], [38.86] * 4)
        self.assertEqual(alive[0], 1.0, "a one-time buyer cannot have been seen leaving")
        self.assertGreater(alive[1], alive[2], "the longer silent since the last purchase, the likelier gone")
        self.assertTrue(np.all((alive > 0) & (alive <= 1)))

    def test_expected_value_shrinks_towards_the_population_mean(self):
        mean = self.gamma_gamma.p * self.gamma_gamma.gamma / (self.gamma_gamma.q - 1)
        few, many, none = self.gamma_gamma.expected_value([1, 20, 0], [100.0, 100.0, 0.0])
        self.assertAlmostEqual(none, mean, msg="no repeat purchase: the population mean")
        self.assertTrue(mean < few < many < 100.0, "one purchase says less than twenty")

    def test_discounted_clv(self):
        args = ([2, 0], [30.43, 0], [38.86, 38.86], [22.35, 0])
        undiscounted = discounted_clv(self.bgnbd, self.gamma_gamma, *args, horizon=52, periods=12, discount_rate=0)
        purchases = self.bgnbd.expected_purchases(52, *args[:3])
        np.testing.assert_allclose(undiscounted, purchases * self.gamma_gamma.expected_value(args[0], args[3]))
        discounted = discounted_clv(self.bgnbd, self.gamma_gamma, *args, horizon=52, periods=12, discount_rate=0.01)
        self.assertTrue(np.all(discounted < undiscounted))
        self.assertTrue(np.all(discounted > undiscounted / 1.01 ** 12), "no period discounted beyond the last")

    def test_too_little_data_says_so(self):
        few = MIN_REPEAT_CUSTOMERS - 1
        rows = ([1] * few + [0] * 100, [5.0] * few + [0] * 100, [20.0] * (few + 100))
        with self.assertRaisesRegex(NotEnoughData, f"{few} customers bought again"):
            fit_bgnbd(*rows)
        with self.assertRaisesRegex(NotEnoughData, "customers bought again with a value"):
            fit_gamma_gamma(rows[0], [10.0] * len(rows[0]))
        with self.assertRaisesRegex(ValueError, "recency"):
            fit_bgnbd([1, 2], [30.0, 1.0], [20.0, 20.0])

    def test_customers_all_alike_are_no_fit(self):
        # 30 customers who bought on the same two days: the likelihood climbs towards a limit (everyone leaving
        # after the second purchase) that would call them all gone; the fit refuses rather than stop there
        alike = ([1] * 30 + [0] * 5, [210.0] * 30 + [0.0] * 5, [270.0] * 35)
        with self.assertRaisesRegex(NotEnoughData, "limit the rows do not pin down") as caught:
            fit_bgnbd(*alike)
        self.assertEqual((caught.exception.reason, caught.exception.repeat), ("converge", None))

    def test_values_too_spread_for_a_finite_mean_are_no_fit(self):
        # values drawn from a Gamma-Gamma with q = 0.7: the population's mean value p·γ / (q − 1), what one-time
        # buyers are expected to spend, does not exist; the fit says so rather than give them a negative value
        draw = np.random.default_rng(1)
        rates, purchases = draw.gamma(0.7, 1 / 100, 200), draw.integers(1, 6, 200)
        values = [draw.gamma(5, 1 / rate, count).mean() for rate, count in zip(rates, purchases)]
        with self.assertRaisesRegex(NotEnoughData, "too spread") as caught:
            fit_gamma_gamma(purchases, values)
        self.assertEqual(caught.exception.reason, "spread")

    def test_the_holdout_check_on_crafted_customers(self):
        model = BgNbd(r=0.25, alpha=4.0, a=0.8, b=2.5, log_likelihood=0.0, customers=4)
        rows = ([0, 1, 4, 9], [0, 10.0, 30.0, 38.0], [39.0] * 4)
        predicted = model.expected_purchases(39, *rows)
        check = holdout_check(model, 39, *rows, actual=[0, 1, 2, 6])
        self.assertAlmostEqual(check.predicted, float(predicted.sum()))
        self.assertEqual(check.actual, 9.0)
        self.assertAlmostEqual(check.error_pct, (check.predicted - 9.0) / 9.0 * 100)
        self.assertEqual([customers for customers, _p, _a in check.deciles], [1, 1, 1, 1], "4 customers: 4 groups")
        self.assertEqual(check.deciles[0][2], 6.0, "the highest predicted first")
        self.assertIsNone(holdout_check(model, 39, *rows, actual=[0, 0, 0, 0]).error_pct)

    def test_the_cdnow_holdout_deciles(self):
        check = holdout_check(self.bgnbd, 39, self.x, self.t_x, self.tenure, actual=self.x)
        self.assertEqual(len(check.deciles), 10)
        self.assertEqual(sum(customers for customers, _p, _a in check.deciles), 2357)
        self.assertAlmostEqual(sum(predicted for _c, predicted, _a in check.deciles), check.predicted)
        self.assertEqual(sum(actual for _c, _p, actual in check.deciles), float(self.x.sum()))
        predicted = [predicted / customers for customers, predicted, _a in check.deciles]
        self.assertEqual(predicted, sorted(predicted, reverse=True), "highest predicted first")

    def test_a_fit_keeps_as_plain_numbers_and_samples_large_cohorts(self):
        both = fit(self.x, self.t_x, self.tenure, self.value)
        self.assertEqual(Fit.from_parameters(both.parameters()), both, "kept between runs without a change")
        self.assertEqual(significant(both.bgnbd.r), 0.24)
        self.patch(clv_model, "MAX_FIT_CUSTOMERS", 1500)
        sampled = fit(self.x, self.t_x, self.tenure, self.value)
        self.assertEqual(sampled.bgnbd.customers, 1500)
        self.assertEqual(sampled, fit(self.x, self.t_x, self.tenure, self.value), "the same sample for the same rows")
        self.assertAlmostEqual(sampled.bgnbd.r, both.bgnbd.r, delta=0.1)

    def test_gamma_gamma_is_a_plain_value(self):
        model = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, customers=1)
        self.assertAlmostEqual(float(model.expected_value([2], [22.35])[0]),
                               6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1))
