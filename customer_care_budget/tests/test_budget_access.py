from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestBudgetAccess(CareTestCommon):

    def test_users_and_accountants_read(self):
        budget = self._approve(self._budget())
        for user in (self.care_user, self.care_accountant):
            with self.subTest(user=user.login):
                self.assertEqual(self.env["care.budget"].with_user(user).search([("id", "=", budget.id)]), budget)
                self.assertEqual(budget.line_ids.with_user(user).read(["amount_planned"])[0]["amount_planned"], 1000.0)
                with self.assertRaises(AccessError):
                    budget.with_user(user).write({"name": "Mine now"})
                with self.assertRaises(AccessError):
                    self.env["care.budget"].with_user(user).create({
                        "name": "Rogue", "date_from": "2027-01-01", "date_to": "2027-12-31",
                    })

    def test_activity_types_configured_by_administrators(self):
        gift = self.env.ref("customer_care_budget.care_activity_gift")
        with self.assertRaises(AccessError):
            gift.with_user(self.care_manager).write({"max_amount_per_event": 1.0})
        gift.with_user(self.care_admin).write({"max_amount_per_event": 2500.0})
        self.assertEqual(gift.max_amount_per_event, 2500.0)

    def test_budgets_of_another_company_are_invisible(self):
        other_company = self.setup_other_company(name="Care Company B")["company"]
        foreign = self.env["care.budget"].with_company(other_company).create({
            "name": "B plan", "date_from": "2027-01-01", "date_to": "2027-12-31", "company_id": other_company.id,
        })
        for user in (self.care_user, self.care_manager, self.care_accountant):
            with self.subTest(user=user.login):
                self.assertFalse(self.env["care.budget"].with_user(user).search([("id", "=", foreign.id)]))
                with self.assertRaises(AccessError):
                    foreign.with_user(user).read(["name"])
