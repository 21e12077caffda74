from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestMultiCompany(CareTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Care Company B")["company"]

    def test_shared_partner_has_a_segment_per_company(self):
        shared = self._customer("Shared Customer")
        self._invoice(shared, 900.0, days_ago=20)
        self._invoice(shared, 100.0, days_ago=300, company_id=self.company_b.id)
        self._recompute(self.company)
        self._recompute(self.company_b)
        in_a, in_b = shared.with_company(self.company), shared.with_company(self.company_b)
        self.assertRecordValues(in_a, [{"care_stage": "new", "care_monetary": 900.0}])
        self.assertRecordValues(in_b, [{"care_stage": "dormant", "care_monetary": 100.0}])
        # the pivot groups by the current company's values
        groups = self.env["res.partner"].with_company(self.company_b)._read_group(
            [("id", "=", shared.id)], ["care_stage"], ["__count"],
        )
        self.assertEqual(groups, [("dormant", 1)])

    def test_recompute_of_one_company_leaves_the_other_alone(self):
        shared = self._customer("Shared Customer")
        self._invoice(shared, 900.0, days_ago=20)
        self._invoice(shared, 100.0, days_ago=300, company_id=self.company_b.id)
        self._recompute(self.company)
        self.assertFalse(shared.with_company(self.company_b).care_stage)

    def test_daily_cron_recomputes_every_company(self):
        shared = self._customer("Shared Customer")
        self._invoice(shared, 900.0, days_ago=20)
        self._invoice(shared, 100.0, days_ago=300, company_id=self.company_b.id)
        IrCron = type(self.env["ir.cron"])
        with (
            freeze_time(self.today),
            patch.object(IrCron, "_commit_progress", autospec=True, return_value=1.0) as commit_progress,
        ):
            self.env["res.partner"].sudo()._cron_care_recompute()  # as the cron: superuser, all companies
        self.assertEqual(shared.with_company(self.company).care_stage, "new")
        self.assertEqual(shared.with_company(self.company_b).care_stage, "dormant")
        companies = self.env["res.company"].search_count([])
        self.assertEqual(commit_progress.call_count, companies + 1, "progress is committed after each company")

    def test_company_tier_invisible_to_other_company(self):
        tier_b = self.env["care.tier"].create({
            "name": "Company B Elite", "code": "BELITE", "min_score": 14, "company_id": self.company_b.id,
        })
        self.assertNotIn(tier_b, self.env["care.tier"].with_user(self.care_user).search([]))
        with self.assertRaises(AccessError):
            tier_b.with_user(self.care_user).read(["name"])

    def test_company_tier_ladder(self):
        tier_b = self.env["care.tier"].create({
            "name": "Company B Elite", "code": "BELITE", "min_score": 15, "company_id": self.company_b.id,
        })
        self.assertEqual(self.env["care.tier"]._get_ladder(self.company_b)[:1], tier_b)
        self.assertNotIn(tier_b, self.env["care.tier"]._get_ladder(self.company))
