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

    def _customers_to_compute(self, customers, on_date=None):
        """Those of ``customers`` the recompute of ``on_date`` would run the formulas for."""
        partners = self.env["res.partner"].with_company(self.company)
        with freeze_time(on_date or self.today):
            rules = partners._care_segment_rules(self.company)
            value_key = partners._care_value_key(self.company, partners._care_value_fit(self.company, rules.today))
            inputs_key = partners._care_inputs_key(rules, partners._care_signal_describer(self.company), value_key)
            rows = partners._care_segment_rows(self.company, rules, inputs_key)
        return {row[0] for row in rows} & set(customers.ids)

    def test_a_rerun_computes_only_the_customers_whose_inputs_changed(self):
        customers = self._customer("Steady") | self._customer("Buys Again")
        buyer = customers[1]
        for customer in customers:
            self._invoice(customer, 500.0, days_ago=40)
        self.assertEqual(self._customers_to_compute(customers), set(customers.ids), "never computed")
        self._recompute()
        self.assertFalse(self._customers_to_compute(customers), "same day, same invoices: their values stand")
        self._invoice(buyer, 300.0, days_ago=1)
        # (the others' quintile scores may move with it: they are inputs too)
        self.assertIn(buyer.id, self._customers_to_compute(customers), "a new invoice")
        self.assertEqual(self._customers_to_compute(customers, self.today + timedelta(days=1)), set(customers.ids),
                         "another day: recency, stage and CLV move")
        self.company.care_lost_days += 1
        self.assertEqual(self._customers_to_compute(customers), set(customers.ids), "a setting changed")
        self._recompute()
        self.assertEqual(self._recompute(), 0, "customers computed again but unchanged are not written")

    def test_a_pin_or_a_value_set_by_hand_is_computed_again(self):
        customer = self._customer("Hand Made")
        self._invoice(customer, 500.0, days_ago=40)
        self._recompute()
        self._set_segment(customer, care_pinned_tier_id=self.tier_basic.id, care_tier_id=self.tier_basic.id)
        self.assertFalse(customer.care_segment_key, "values set outside the recompute clear the key")
        self.env.flush_all()
        self.assertEqual(self._customers_to_compute(customer), {customer.id})
        self._set_segment(customer, care_pinned_tier_id=False)
        self.assertEqual(self._recompute(), 1)
        self.assertRecordValues(customer, [{"care_tier_id": self.tier_strategic.id, "care_pinned_tier_id": False}])
        self.assertTrue(customer.care_segment_key)
