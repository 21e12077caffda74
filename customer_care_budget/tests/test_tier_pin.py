from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestTierPin(CareTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Pinned Partner")
        cls._invoice(cls.customer, 100.0, days_ago=200)

    def _pin(self, tier, reason, user=None):
        user = user or self.care_manager
        action = self.customer.with_user(user).action_care_pin_tier()
        wizard_form = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
        wizard_form.tier_id = tier
        wizard_form.reason = reason
        wizard_form.save().action_pin()

    def test_pinned_tier_survives_recompute_and_unpin_restores(self):
        self._recompute()
        computed = self.customer.care_tier_id
        self.assertEqual(computed, self.tier_strategic, "the only buyer of the company is in every top quintile")

        self._pin(self.tier_key, "Signed a 3-year frame contract")
        self.assertRecordValues(self.customer, [{
            "care_tier_id": self.tier_key.id,
            "care_pinned_tier_id": self.tier_key.id,
            "care_pin_reason": "Signed a 3-year frame contract",
        }])
        self.assertIn("Signed a 3-year frame contract", self.customer.message_ids[:1].body)

        self._recompute()
        self.assertEqual(self.customer.care_tier_id, self.tier_key, "recompute keeps the pinned tier")
        self.assertEqual(self.customer.care_computed_tier_id, computed)

        self.customer.with_user(self.care_manager).action_care_unpin_tier()
        self.assertRecordValues(self.customer, [{
            "care_tier_id": computed.id,
            "care_pinned_tier_id": False,
            "care_pin_reason": False,
        }])
        self._recompute()
        self.assertEqual(self.customer.care_tier_id, computed)

    def test_pins_are_in_the_chatter_recomputes_are_not(self):
        # a profile edited in the same transaction as the recompute must not bring its changes to the chatter
        self.env.cr.precommit.run()  # the customer exists since an earlier transaction
        self.customer.with_user(self.care_user).care_need = "service"
        self._recompute()
        self.assertFalse(self._tracked_values(self.customer, "care_tier_id"))
        self.assertFalse(self._tracked_values(self.customer, "care_stage"))
        self._pin(self.tier_key, "Key account by decision of the board")
        self.assertIn("Care tier pinned to Key: Key account by decision of the board",
                      self.customer.message_ids[:1].body)

    def test_user_cannot_pin(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.care_user).action_care_pin_tier()
        with self.assertRaises(AccessError):
            self.env["care.tier.pin"].with_user(self.care_user).create({
                "partner_ids": self.customer.ids, "tier_id": self.tier_key.id, "reason": "because",
            })
        with self.assertRaises(AccessError):
            self.customer.with_user(self.care_user).write({"care_pinned_tier_id": self.tier_key.id})
        self.assertFalse(self.customer.care_pinned_tier_id)

    def test_reason_is_required(self):
        action = self.customer.with_user(self.care_manager).action_care_pin_tier()
        wizard_form = Form(self.env[action["res_model"]].with_user(self.care_manager).with_context(**action["context"]))
        wizard_form.tier_id = self.tier_key
        with self.assertRaises(AssertionError):
            wizard_form.save()
