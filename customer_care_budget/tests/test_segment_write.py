from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestSegmentWrite(CareTestCommon):
    """The recompute writes all changed customers in one statement; the ORM sees the values as after write()."""

    def test_the_orm_sees_the_new_values_in_the_same_transaction(self):
        customer = self._customer("Fresh Buyer")
        self._invoice(customer, 500.0, days_ago=5)
        with freeze_time(self.today):
            self.assertRecordValues(customer, [{"care_stage": False, "care_tier_id": False, "care_recency_days": 0}])
            self._recompute()
            # no invalidation in between: the values cached above are not the ones shown
            self.assertRecordValues(customer, [{
                "care_stage": "new", "care_tier_id": self.tier_strategic.id, "care_monetary": 500.0,
                "care_last_invoice_date": self.today - timedelta(days=5),
                "care_recency_days": 5,  # a computed field of the written date
            }])
            self.assertEqual(self.env["res.partner"].search([("care_stage", "=", "new"), ("id", "=", customer.id)]),
                             customer, "searches see them too")

    def test_the_users_of_a_customer_follow(self):
        customer = self._customer("Shop With a Login")
        user = self.env["res.users"].create({"name": "Shop", "login": "shop_login", "partner_id": customer.id})
        self._invoice(customer, 500.0, days_ago=5)
        self.assertFalse(user.care_stage)
        self._recompute()
        self.assertEqual(user.care_stage, "new", "the user's fields of its partner are marked to recompute")

    def test_a_pending_pin_is_kept(self):
        customer = self._customer("Pinned Just Now")
        self._invoice(customer, 9000.0, days_ago=5)
        # written in the cache, not yet in the database, when the recompute starts
        workflow(customer).write({"care_pinned_tier_id": self.tier_basic.id, "care_pin_reason": "Trial"})
        self._recompute()
        self.env.invalidate_all()
        self.assertRecordValues(customer, [{
            "care_pinned_tier_id": self.tier_basic.id, "care_tier_id": self.tier_basic.id,
            "care_computed_tier_id": self.tier_strategic.id, "care_pin_reason": "Trial",
        }])

    def test_stale_values_are_reset(self):
        customer = self._customer("Typed In")
        self._invoice(customer, 500.0, days_ago=5)
        self._recompute()
        self._set_segment(customer, care_score=2, care_clv=9999.0, care_churn_reason="made up")
        self.env.flush_all()
        self.assertEqual(self._recompute(), 1)
        self.env.invalidate_all()
        self.assertRecordValues(customer, [{"care_score": 15, "care_churn_reason": False}])
        self.assertNotEqual(customer.care_clv, 9999.0)
