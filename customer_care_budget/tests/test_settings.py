from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestSettings(CareTestCommon):

    def test_settings_form_writes_company(self):
        settings = Form(self.env["res.config.settings"])
        settings.care_window_days = 180
        settings.save().execute()
        self.assertEqual(self.company.care_window_days, 180)

    def test_bad_settings_are_refused(self):
        for values in (
            {"care_window_days": 0},
            {"care_window_days": -30},
            {"care_new_days": -1},
            {"care_dormant_days": 400, "care_lost_days": 365},
            {"care_at_risk_drop_pct": -5.0},
            {"care_at_risk_drop_pct": 120.0},
            {"care_gross_margin_pct": 101.0},
            {"care_gap_factor": 0.0},
            {"care_relationship_years": -1.0},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.company.write(values)
        self.assertEqual(self.company.care_window_days, 364)

    def test_overlapping_tier_rules_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "overlaps tier Key"):
            self.env["care.tier"].create({"name": "Also Key", "code": "KEY2", "min_score": 10})
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.env["care.tier"].create({"name": "Key Bis", "code": "KEY", "min_score": 11})
        # a company tier may not reuse the score of a shared tier either
        with self.assertRaises(ValidationError):
            self.env["care.tier"].create({
                "name": "Key B", "code": "KEYB", "min_score": 10, "company_id": self.company.id,
            })

    def test_tier_numbers_are_checked(self):
        for values in (
            {"min_score": 16},
            {"min_score": -1},
            {"min_score": 14, "annual_allowance": -1.0},
            {"min_score": 14, "allocation_weight": -2.0},
            {"min_score": 14, "min_clv": -1.0},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env["care.tier"].create({"name": "Bad", "code": "BAD", **values})
                self.env.flush_all()

    def test_tier_in_use_cannot_be_deleted(self):
        other_company = self.setup_other_company()["company"]
        customer = self._customer("Tiered")
        self._invoice(customer, 100.0, days_ago=5, company_id=other_company.id)
        self._recompute(other_company)
        tier = customer.with_company(other_company).care_tier_id
        self.assertTrue(tier)
        with self.assertRaisesRegex(UserError, "archive the tier"):
            tier.unlink()
        unused = self.env["care.tier"].create({"name": "Unused", "code": "UNUSED", "min_score": 1})
        unused.unlink()
        self.assertFalse(unused.exists())
