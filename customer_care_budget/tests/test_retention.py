from ast import literal_eval

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestRetentionActions(CareTestCommon):
    """Customers at risk, most valuable first, get a retention activity with a budget line to use."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()  # 2026 plan: gifts for every tier (10,000), meals for KEY customers (3,000)
        cls.env["care.budget.change"].with_user(cls.care_manager_2).create({
            "budget_id": cls.plan.id, "change_type": "release", "line_to_id": cls.gift_line.id,
            "amount": 1.0, "reason": "Keep the test lines apart",
        })
        cls.at_risk = cls._customer("Fading Customer", user_id=cls.care_user.id)
        cls._set_segment(
            cls.at_risk, care_tier_id=cls.tier_key.id, care_stage="at_risk", care_clv=900.0,
            care_churn_risk=True, care_churn_reason="revenue fell by 60%",
        )
        cls.flagged = cls._customer("Flagged Customer")
        cls._set_segment(cls.flagged, care_stage="active", care_churn_risk=True, care_clv=5000.0)

    def _at_risk_customers(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_care_budget.res_partner_action_care_at_risk")
        return self.env["res.partner"].with_company(self.company).search(
            literal_eval(action["domain"]), order="care_clv desc",
        )

    def test_at_risk_list_holds_stage_and_signal_most_valuable_first(self):
        customers = self._at_risk_customers()
        self.assertEqual(customers.filtered(lambda p: p in (self.at_risk | self.flagged | self.customer)),
                         self.flagged | self.at_risk)
        self.assertLess(list(customers).index(self.flagged), list(customers).index(self.at_risk))

    def test_retention_activity_for_the_account_manager_with_a_line(self):
        with freeze_time("2026-06-30"):
            (self.at_risk | self.flagged).with_user(self.care_user).action_care_schedule_retention()
        retention = self.env.ref("customer_care_budget.mail_activity_care_retention")
        activity = self.at_risk.activity_ids.filtered(lambda act: act.activity_type_id == retention)
        self.assertEqual(activity.user_id, self.care_user, "the customer's account manager")
        self.assertIn("revenue fell by 60%", str(activity.note))
        self.assertIn(self.gift_line.display_name, str(activity.note),
                      "of the KEY customer's lines (gifts 10,001 left, meals 3,000), the one with most room")
        flagged_activity = self.flagged.activity_ids.filtered(lambda act: act.activity_type_id == retention)
        self.assertEqual(flagged_activity.user_id, self.care_user, "no account manager: the user who asked")
        (self.at_risk | self.flagged).with_user(self.care_user).action_care_schedule_retention()
        self.assertEqual(len(self.at_risk.activity_ids.filtered(lambda act: act.activity_type_id == retention)), 1,
                         "one open retention action per customer")

    def test_key_account_line_comes_first(self):
        key_plan = self.env["care.budget"].with_user(self.care_manager).create({
            "name": "Key accounts 2026", "date_from": "2026-01-01", "date_to": "2026-12-31",
            "objective_ids": [Command.create({"kpi": "nps", "baseline": 1, "target": 2})],
            "line_ids": [Command.create({"activity_type_id": self.meal.id, "partner_id": self.at_risk.id,
                                         "amount_original": 50.0, "date_from": "2026-01-01",
                                         "date_to": "2026-12-31"})],
        })
        self._approve(key_plan)
        suggestion = self.env["care.budget.line"]._suggest_for_customers(self.at_risk, "2026-06-30")
        self.assertEqual(suggestion[self.at_risk], key_plan.line_ids)

    def test_no_plan_no_line(self):
        suggestion = self.env["care.budget.line"]._suggest_for_customers(self.at_risk, "2030-01-01")
        self.assertFalse(suggestion[self.at_risk])
