from datetime import timedelta

from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestLifecycleStage(CareTestCommon):
    """Window 364 days (halves of 182), new 90, dormant 180, lost 365, drop 50 %, gap factor 2."""

    def _stage_after(self, *invoices):
        customer = self._customer("Stage Customer")
        for amount, days_ago in invoices:
            self._invoice(customer, amount, days_ago)
        self._recompute()
        return customer

    def test_prospect_has_no_tier(self):
        customer = self._stage_after()
        self.assertRecordValues(customer, [{"care_stage": "prospect", "care_tier_id": False, "care_score": 0}])

    def test_new(self):
        self.assertEqual(self._stage_after((100.0, 90)).care_stage, "new")
        self.assertEqual(self._stage_after((100.0, 91)).care_stage, "active")

    def test_active(self):
        customer = self._stage_after((500.0, 200), (500.0, 60))
        self.assertRecordValues(customer, [{"care_stage": "active", "care_churn_risk": False}])

    def test_at_risk_by_revenue_drop(self):
        # 1000 in the early half, 400 in the late half: a 60 % drop
        customer = self._stage_after((1000.0, 300), (400.0, 30))
        self.assertRecordValues(customer, [{"care_stage": "at_risk", "care_churn_risk": True}])
        self.assertIn("fell 60%", customer.care_churn_reason)

    def test_revenue_drop_below_threshold_is_not_at_risk(self):
        # a 40 % drop is under the 50 % threshold
        customer = self._stage_after((1000.0, 300), (600.0, 30))
        self.assertEqual(customer.care_stage, "active")

    def test_at_risk_by_purchase_gap(self):
        # bought every 10 days, then nothing for 140 days (> 2 x 10)
        customer = self._stage_after((100.0, 170), (100.0, 160), (100.0, 150), (100.0, 140))
        self.assertRecordValues(customer, [{"care_stage": "at_risk", "care_churn_risk": True}])
        self.assertIn("no purchase for 140 days", customer.care_churn_reason)

    def test_dormant(self):
        self.assertEqual(self._stage_after((100.0, 181)).care_stage, "dormant")
        self.assertEqual(self._stage_after((100.0, 180)).care_stage, "active")

    def test_lost(self):
        self.assertEqual(self._stage_after((100.0, 366)).care_stage, "lost")
        self.assertEqual(self._stage_after((100.0, 365)).care_stage, "dormant")

    def test_stage_follows_time_and_changes_are_recorded(self):
        customer = self._stage_after((500.0, 10))
        self.assertEqual(customer.care_stage, "new")
        for days_later, stage in ((100, "active"), (200, "dormant"), (400, "lost")):
            self._recompute(on_date=self.today + timedelta(days=days_later))
            self.assertEqual(customer.care_stage, stage)
        history = self.env["care.segment.history"].search([("partner_id", "=", customer.id)])
        self.assertEqual(
            [(row.stage_before, row.stage_after, row.date) for row in history],
            [("dormant", "lost", self.today + timedelta(days=400)),
             ("active", "dormant", self.today + timedelta(days=200)),
             ("new", "active", self.today + timedelta(days=100)), (False, "new", self.today)],
        )
        self.assertFalse(self._tracked_values(customer, "care_stage"), "no chatter message per customer and night")
