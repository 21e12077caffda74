from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestSegmentHistory(CareTestCommon):
    """The segment history: one row per customer whose tier or stage changed, inserted by the recompute, and
    one per pin or unpin; read-only for everyone, limited to the user's companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = cls._customer("Big Buyer")
        cls.small = cls._customer("Small Buyer")
        cls._invoice(cls.big, 9000.0, days_ago=20)
        cls._invoice(cls.small, 100.0, days_ago=200)

    def _history(self, partner):
        return self.env["care.segment.history"].search([("partner_id", "=", partner.id)])

    def test_recompute_records_what_changed_and_nothing_else(self):
        self._recompute()
        first = self._history(self.big)
        self.assertRecordValues(first, [{
            "date": self.today, "tier_before_id": False, "tier_after_id": self.big.care_tier_id.id,
            "stage_before": False, "stage_after": self.big.care_stage, "score": self.big.care_score,
            "cause": "recompute", "tier_changed": True, "company_id": self.company.id,
        }])
        self._recompute()
        self.assertEqual(self._history(self.big), first, "nothing changed: no row")
        # half a year later the big buyer's last purchase is old: its stage moves, a row says from what
        later = date(2027, 1, 15)
        stage_before = self.big.care_stage
        self._recompute(on_date=later)
        change = self._history(self.big) - first
        self.assertRecordValues(change, [{
            "date": later, "stage_before": stage_before, "stage_after": self.big.care_stage, "cause": "recompute",
        }])
        self.assertNotEqual(change.stage_after, stage_before)

    def test_pins_and_unpins_are_recorded_with_who_decided(self):
        self._recompute()
        computed = self.big.care_tier_id
        action = self.big.with_user(self.care_manager).action_care_pin_tier()
        wizard = Form(self.env[action["res_model"]].with_user(self.care_manager).with_context(**action["context"]))
        wizard.tier_id = self.tier_basic
        wizard.reason = "Pays late"
        wizard.save().action_pin()
        self.big.with_user(self.care_manager).action_care_unpin_tier()
        pin, unpin = self._history(self.big).filtered(lambda row: row.cause != "recompute").sorted("id")
        self.assertRecordValues(pin | unpin, [
            {"cause": "pin", "tier_before_id": computed.id, "tier_after_id": self.tier_basic.id,
             "user_id": self.care_manager.id, "tier_changed": True},
            {"cause": "unpin", "tier_before_id": self.tier_basic.id, "tier_after_id": computed.id,
             "user_id": self.care_manager.id, "tier_changed": True},
        ])
        self.assertIn(pin, self.big.with_user(self.care_user).care_segment_history_ids, "the customer shows it")

    def test_tier_migration_figures(self):
        history = self.env["care.segment.history"]
        rows = [(self.tier_basic, self.tier_key), (self.tier_basic, self.tier_key), (self.tier_key, self.tier_basic),
                (self.tier_key, self.tier_key)]
        history.sudo().create([{
            "company_id": self.company.id, "partner_id": self._customer(f"Mover {index}").id, "date": "2026-05-01",
            "tier_before_id": before.id, "tier_after_id": after.id, "cause": "recompute",
            "tier_changed": before != after,
        } for index, (before, after) in enumerate(rows)])
        flows = history.with_user(self.care_manager)._read_group(
            [("date", "=", "2026-05-01"), ("tier_changed", "=", True)], ["tier_before_id", "tier_after_id"],
            ["__count"],
        )
        self.assertEqual(sorted((before.code, after.code, count) for before, after, count in flows),
                         [("BASIC", "KEY", 2), ("KEY", "BASIC", 1)])

    def test_nobody_writes_the_history(self):
        self._recompute()
        row = self._history(self.big)
        for user in (self.care_user, self.care_manager, self.care_admin, self.care_accountant):
            self.assertRpcRefused(user, "care.segment.history", "write", row.ids, {"tier_after_id": self.tier_basic.id})
            self.assertRpcRefused(user, "care.segment.history", "unlink", row.ids)
            self.assertRpcRefused(user, "care.segment.history", "create", {
                "company_id": self.company.id, "partner_id": self.big.id, "date": "2026-06-30", "cause": "pin",
            })
            self.assertRpcRefused(user, "res.partner", "write", self.big.ids,
                                  {"care_segment_history_ids": [Command.unlink(row.id)]})
        self.assertTrue(row.exists())

    def test_other_companies_history_is_hidden(self):
        other = self.env["res.company"].create({"name": "Other Care Company"})
        row = self.env["care.segment.history"].sudo().create({
            "company_id": other.id, "partner_id": self.big.id, "date": "2026-06-30", "cause": "recompute",
        })
        self.assertNotIn(row, self.env["care.segment.history"].with_user(self.care_manager).search([]))
        with self.assertRaises(AccessError):
            row.with_user(self.care_manager).read(["tier_after_id"])
