from freezegun import freeze_time

from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestSegmentationRfm(CareTestCommon):

    def test_quintile_scores_and_tiers(self):
        """Five customers with rising recency, frequency and monetary get scores 1..5 each."""
        customers = self.env["res.partner"].concat(*(self._customer(f"Customer {rank}") for rank in range(1, 6)))
        for rank, customer in enumerate(customers, start=1):
            for purchase in range(rank):
                # the latest purchase is more recent for higher ranks
                self._invoice(customer, 100.0 * rank, days_ago=60 - 10 * rank + purchase)
        self._recompute()
        self.assertRecordValues(customers, [
            {"care_r_score": rank, "care_f_score": rank, "care_m_score": rank, "care_score": 3 * rank}
            for rank in range(1, 6)
        ])
        self.assertEqual(
            [c.care_tier_id for c in customers],
            [self.tier_basic, self.tier_basic, self.tier_standard, self.tier_key, self.tier_strategic],
        )
        self.assertRecordValues(customers[2], [{"care_frequency": 3, "care_monetary": 900.0}])

    def test_equal_values_get_equal_scores(self):
        twins = self._customer("Twin A") | self._customer("Twin B")
        for twin in twins:
            self._invoice(twin, 500.0, days_ago=10)
        self._recompute()
        self.assertEqual(set(twins.mapped("care_score")), {15})

    def test_only_posted_customer_invoices_of_the_company_count(self):
        customer = self._customer("Careful Buyer")
        self._invoice(customer, 1000.0, days_ago=40)
        self._invoice(customer, 300.0, days_ago=20, move_type="out_refund")
        self._invoice(customer, 5000.0, days_ago=15, post=False)  # draft
        self._invoice(customer, 7000.0, days_ago=12, post=False).button_cancel()  # cancelled
        self._invoice(customer, 9000.0, days_ago=5, move_type="in_invoice")  # vendor bill
        other_company = self.setup_other_company()["company"]
        self._invoice(customer, 4000.0, days_ago=5, company_id=other_company.id)
        self._recompute()
        self.assertRecordValues(customer, [{
            "care_frequency": 1,
            "care_monetary": 700.0,
            "care_last_invoice_date": self.today.replace(month=5, day=21),
            "care_stage": "new",
        }])

    def test_foreign_currency_is_converted_at_the_invoice_rate(self):
        foreign = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        customer = self._customer("Euro Buyer")
        self._invoice(customer, 1000.0, days_ago=30, currency_id=foreign.id)
        self._recompute()
        self.assertEqual(customer.care_monetary, 500.0)

    def test_clv(self):
        """CLV = yearly revenue (all time, over at least one year) x margin 40 % x 3 years."""
        customer = self._customer("Long Timer")
        self._invoice(customer, 6000.0, days_ago=730)
        self._invoice(customer, 2000.0, days_ago=100)
        self._recompute()
        years = 730 / 365.25
        self.assertAlmostEqual(customer.care_clv, round(8000.0 / years * 0.4 * 3, 2), places=2)

    def test_only_changed_values_are_written(self):
        customer = self._customer("Steady")
        self._invoice(customer, 800.0, days_ago=30)
        self.assertGreaterEqual(self._recompute(), 1)
        self.assertEqual(self._recompute(), 0, "a second run with the same data changes nothing")

    def test_recompute_now_button(self):
        customer = self._customer("Button Buyer")
        self._invoice(customer, 100.0, days_ago=1)
        with freeze_time(self.today):
            self.env["res.partner"].with_user(self.care_manager).action_care_recompute()
        self.assertEqual(customer.care_stage, "new")
        self.assertTrue(customer.care_tier_id)

    def test_recency_days_search(self):
        recent, old = self._customer("Recent"), self._customer("Old")
        self._invoice(recent, 100.0, days_ago=10)
        self._invoice(old, 100.0, days_ago=100)
        self._recompute()
        with freeze_time(self.today):
            found = self.env["res.partner"].search([("care_recency_days", ">", 50), ("id", "in", (recent | old).ids)])
            self.assertEqual(found, old)
            self.assertEqual(old.care_recency_days, 100)
