from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestAccess(CareTestCommon):

    def test_user_reads_tiers_but_cannot_configure(self):
        tiers = self.env["care.tier"].with_user(self.care_user).search([])
        self.assertIn(self.tier_key, tiers)
        self.assertEqual(self.tier_key.with_user(self.care_user).name, "Key")
        with self.assertRaises(AccessError):
            self.tier_key.with_user(self.care_user).write({"min_score": 11})
        with self.assertRaises(AccessError):
            self.env["care.tier"].with_user(self.care_user).create({"name": "Gold", "code": "GOLD", "min_score": 14})
        with self.assertRaises(AccessError):
            self.tier_key.with_user(self.care_manager).write({"min_score": 11})
        self.assertEqual(self.tier_key.min_score, 10)

    def test_accountant_reads_tiers(self):
        self.assertIn(self.tier_key, self.env["care.tier"].with_user(self.care_accountant).search([]))
        with self.assertRaises(AccessError):
            self.tier_key.with_user(self.care_accountant).unlink()

    def test_administrator_configures_tiers(self):
        gold = self.env["care.tier"].with_user(self.care_admin).create({
            "name": "Gold", "code": "GOLD", "min_score": 14, "company_id": self.company.id,
        })
        gold.write({"annual_allowance": 12000.0})
        self.assertEqual(gold.annual_allowance, 12000.0)

    def test_user_records_profile_but_not_segment(self):
        customer = self._customer("Profiled")
        customer.with_user(self.care_user).write({"care_size": "large", "care_need": "service"})
        self.assertEqual(customer.care_need, "service")
        with self.assertRaises(AccessError):
            customer.with_user(self.care_user).write({"care_tier_id": self.tier_strategic.id})
        with self.assertRaises(AccessError):
            customer.with_user(self.care_user).write({"care_stage": "active"})
        self.assertFalse(customer.care_tier_id)

    def test_only_managers_recompute(self):
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.care_user).action_care_recompute()
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.care_accountant).action_care_recompute()

    def test_groups_chain(self):
        self.assertTrue(self.care_admin.has_group("customer_care_budget.group_care_manager"))
        self.assertTrue(self.care_manager.has_group("customer_care_budget.group_care_user"))
        self.assertFalse(self.care_accountant.has_group("customer_care_budget.group_care_manager"))
        self.assertFalse(self.care_user.has_group("customer_care_budget.group_care_manager"))
