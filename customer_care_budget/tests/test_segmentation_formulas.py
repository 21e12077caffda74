from dataclasses import replace
from datetime import date, timedelta

from odoo.tests import BaseCase

from odoo.addons.customer_care_budget.segmentation import (
    InvoiceAggregate,
    PurchaseGap,
    RevenueDrop,
    SegmentRules,
    churn_signals,
    is_invoiced,
    lifecycle_stage,
    lifetime_value,
    rfm_score,
    tier_for_score,
)

TODAY = date(2026, 12, 1)
# the default settings: a 365-day window, new for 90 days, at risk on a 50 % drop or 2 x the usual gap,
# dormant after 180 days, lost after 365, 30 % margin over 3 years; tiers from 13, 10, 7, 3 points
RULES = SegmentRules(
    today=TODAY, window_days=365, new_days=90, dormant_days=180, lost_days=365, at_risk_drop_pct=50.0,
    gap_factor=2.0, gross_margin_pct=30.0, relationship_years=3.0, tier_basis="rfm",
    ladder=((13, "strategic"), (10, "key"), (7, "standard"), (3, "basic")), decimal_places=2,
)


def aggregate(first_ago=400, last_ago=10, invoices=5, revenue_all=5000.0, early=1000.0, late=1000.0, scores=(3, 3, 3)):
    return InvoiceAggregate(
        first_date=TODAY - timedelta(days=first_ago), last_date=TODAY - timedelta(days=last_ago) if last_ago else None,
        invoice_count=invoices, revenue_all=revenue_all, frequency=invoices, monetary=early + late,
        revenue_early=early, revenue_late=late, r_score=scores[0], f_score=scores[1], m_score=scores[2],
    )


class TestSegmentationFormulas(BaseCase):
    """The segmentation formulas on their own (no database): boundaries of every rule."""

    def test_tier_is_the_highest_whose_minimum_the_score_reaches(self):
        self.assertEqual(
            [tier_for_score(RULES.ladder, score) for score in (15, 13, 12, 10, 9, 7, 6, 3, 0)],
            ["strategic", "strategic", "key", "key", "standard", "standard", "basic", "basic", None],
        )
        self.assertIsNone(tier_for_score((), 15), "no tier at all")

    def test_tier_by_clv_is_the_highest_whose_minimum_clv_the_value_reaches(self):
        ladder = ((50000.0, "strategic"), (10000.0, "key"), (0.0, "basic"))
        self.assertEqual(
            [tier_for_score(ladder, clv) for clv in (80000.0, 50000.0, 49999.99, 10000.0, 9999.99, 0.0)],
            ["strategic", "strategic", "key", "key", "basic", "basic"],
        )
        self.assertIsNone(tier_for_score(((100.0, "key"),), 99.99), "below the lowest minimum: no tier")

    def test_score_and_invoiced(self):
        self.assertEqual(rfm_score(aggregate(scores=(5, 4, 2))), 11)
        self.assertFalse(is_invoiced(None), "no posted invoice nor refund")
        self.assertFalse(is_invoiced(aggregate(last_ago=None)), "refunds only")
        self.assertTrue(is_invoiced(aggregate()))

    def test_stages_at_their_boundaries(self):
        self.assertEqual(lifecycle_stage(aggregate(first_ago=90, last_ago=1), RULES, churn_risk=False), "new")
        self.assertEqual(lifecycle_stage(aggregate(first_ago=91, last_ago=1), RULES, churn_risk=False), "active")
        self.assertEqual(lifecycle_stage(aggregate(first_ago=91, last_ago=1), RULES, churn_risk=True), "at_risk")
        self.assertEqual(lifecycle_stage(aggregate(first_ago=90, last_ago=1), RULES, churn_risk=True), "new",
                         "a new customer is not yet at risk")
        self.assertEqual(lifecycle_stage(aggregate(last_ago=180), RULES, churn_risk=True), "at_risk")
        self.assertEqual(lifecycle_stage(aggregate(last_ago=181), RULES, churn_risk=False), "dormant")
        self.assertEqual(lifecycle_stage(aggregate(last_ago=365), RULES, churn_risk=False), "dormant")
        self.assertEqual(lifecycle_stage(aggregate(first_ago=800, last_ago=366), RULES, churn_risk=False), "lost")

    def test_revenue_drop_signal(self):
        self.assertEqual(churn_signals(aggregate(early=1000.0, late=500.0, invoices=1), RULES),
                         [RevenueDrop(days=182, early=1000.0, late=500.0, drop_pct=50)], "a drop of exactly 50 %")
        self.assertEqual(churn_signals(aggregate(early=1000.0, late=500.01, invoices=1), RULES), [], "less than 50 %")
        self.assertEqual(churn_signals(aggregate(early=0.0, late=0.0, invoices=1), RULES), [], "nothing to fall from")
        stricter = replace(RULES, at_risk_drop_pct=80.0)
        self.assertEqual(churn_signals(aggregate(early=1000.0, late=300.0, invoices=1), stricter), [])

    def test_purchase_gap_signal(self):
        # 5 invoices over 200 days: one every 50 days; silent for 200 days is more than 2 x that
        quiet = aggregate(first_ago=400, last_ago=200, invoices=5)
        self.assertEqual(churn_signals(quiet, RULES), [PurchaseGap(recency=200, factor=2.0, average_gap=50.0)])
        self.assertEqual(churn_signals(aggregate(first_ago=400, last_ago=100, invoices=5), RULES), [],
                         "100 days is within 2 x 75 days")
        self.assertEqual(churn_signals(aggregate(first_ago=400, last_ago=300, invoices=1), RULES), [],
                         "one purchase has no usual gap")

    def test_lifetime_value(self):
        # 6000 over two years (730 days): a yearly 6000 / (730 / 365.25) x 30 % x 3 years
        self.assertEqual(lifetime_value(aggregate(first_ago=730, revenue_all=6000.0), RULES), 2701.85)
        # younger than a year: the revenue counts as one year's
        self.assertEqual(lifetime_value(aggregate(first_ago=30, revenue_all=1000.0), RULES), 900.0)
        self.assertEqual(lifetime_value(aggregate(revenue_all=-50.0), RULES), 0.0, "refunds above sales")
        self.assertEqual(lifetime_value(aggregate(first_ago=30, revenue_all=1000.0 / 3), RULES), 300.0,
                         "rounded to the currency's cents")
