from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestHoldout(CareTestCommon):
    """A plan holds out half of its KEY customers at random when it is approved: retention skips them, an
    expense on them needs a Manager's confirmation, and its evaluation compares the served with them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expense_accounting()
        cls.key_customers = cls.env["res.partner"]
        for index in range(10):
            customer = cls._customer(f"Key {index}")
            cls._set_segment(customer, care_tier_id=cls.tier_key.id, care_stage="active")
            cls._invoice(customer, 1000.0, days_ago=250)
            cls.key_customers |= customer
        cls.plan = cls.env["care.budget"].with_user(cls.care_manager).create({
            "name": "Care 2026 with a holdout",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "objective_ids": [Command.create({"kpi": "retention_rate", "baseline": 70, "target": 80})],
            "line_ids": [Command.create({"activity_type_id": cls.gift.id, "amount_original": 10000.0,
                                         "date_from": "2026-01-01", "date_to": "2026-12-31"})],
            "holdout_ids": [Command.create({"tier_id": cls.tier_key.id, "share_pct": 50.0})],
        })
        cls.holdout = cls.plan.holdout_ids
        cls._approve(cls.plan)
        cls.held_out = cls.holdout.partner_ids
        cls.served = cls.key_customers - cls.held_out

    def test_the_pick_is_recorded_when_the_plan_is_approved(self):
        self.assertEqual(len(self.held_out), 5)
        self.assertTrue(self.held_out <= self.key_customers)
        self.assertTrue(self.holdout.seed)
        self.assertIn(f"Holdouts picked at random: 50.0% of Key: 5 customers (seed {self.holdout.seed}).",
                      " ".join(self.plan.message_ids.mapped("body")))
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.holdout.with_user(self.care_manager).write({"share_pct": 20.0})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.env["care.budget.holdout"].with_user(self.care_manager).create({
                "budget_id": self.plan.id, "share_pct": 10.0,
            })
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.holdout.with_user(self.care_manager).write({"partner_ids": [Command.clear()]})

    def test_a_holdout_share_and_scope_are_checked(self):
        plan = self._budget()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            plan.write({"holdout_ids": [Command.create({"share_pct": 100.0})]})
            plan.flush_recordset()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            plan.write({"holdout_ids": [Command.create({"share_pct": 10.0}), Command.create({"share_pct": 20.0})]})

    def test_retention_leaves_the_held_out_customers_alone(self):
        retention = self.env.ref("customer_care_budget.mail_activity_care_retention")
        self.key_customers.with_user(self.care_manager).action_care_schedule_retention()
        with_activity = self.key_customers.filtered(lambda c: retention in c.activity_ids.activity_type_id)
        self.assertEqual(with_activity, self.served)

    def test_an_expense_on_a_held_out_customer_needs_a_managers_reason(self):
        customer = self.held_out[0]
        expense = self._expense(100.0, customer)
        self.assertEqual(expense.holdout_id, self.holdout, "the form warns the requester")
        with self.assertRaisesRegex(ValidationError, "held out of Care 2026 with a holdout"), self.env.cr.savepoint():
            expense.action_submit()
        with self.assertRaises(AccessError):
            expense.with_user(self.care_user)._confirm_holdout("I want to")
        wizard = self.env["care.approval.reason"].with_user(self.care_manager).create({
            "res_model": "care.expense", "res_ids": expense.ids, "reason_type": "holdout",
            "reason": "The customer asked for the renewal gift in writing",
        })
        wizard.action_confirm()
        self.assertRecordValues(expense, [{
            "holdout_reason": "The customer asked for the renewal gift in writing",
            "holdout_user_id": self.care_manager.id,
        }])
        self._submit_and_approve(expense)
        self.assertEqual(expense.state, "approved")
        self.assertFalse(self._expense(100.0, self.served[0]).holdout_id)

    def test_the_evaluation_compares_with_the_holdout(self):
        for customer in self.served:
            self._invoice(customer, 2000.0, days_ago=30)
            self._submit_and_approve(self._expense(100.0, customer))
        for customer in self.held_out:
            self._invoice(customer, 1500.0, days_ago=30)
        outsider = self._customer("Not held out, not served")
        self._set_segment(outsider, care_tier_id=self.tier_key.id, care_stage="active")
        self._invoice(outsider, 1000.0, days_ago=250)
        self._invoice(outsider, 9000.0, days_ago=30)  # would change the figures were it the control
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({
            "budget_id": self.plan.id, "date_from": "2026-01-01", "date_to": "2026-06-30", "min_customers": 3,
        })
        evaluation.action_compute()
        self.assertRecordValues(evaluation, [{
            "control_source": "holdout", "served_matched": 5, "control_matched": 5, "did_per_customer": 500.0,
            "incremental_revenue_did": 2500.0,
        }])

    def test_a_holdout_of_one_activity_is_the_control_of_that_activity_only(self):
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        line, tier = self.plan.line_ids, self.tier_key.id
        served = [(index, tier, "active", 1000.0, 2000.0 + index, True, True, [line.id], [self.gift.id], [])
                  for index in range(3)]
        held_out_of_gifts = [(10 + index, tier, "active", 1000.0, 1500.0 + index, True, True, None, None,
                              [self.gift.id]) for index in range(3)]
        neither = [(20 + index, tier, "active", 1000.0, 9000.0, True, True, None, None, []) for index in range(3)]
        source, _theta, groups = evaluation._incrementality(served + held_out_of_gifts + neither)
        self.assertEqual(source, "holdout")
        for group in (("line", line.id), ("activity", self.gift.id)):
            self.assertEqual((groups[group].did.control, groups[group].did.effect), (3, 500.0), group)
        self.assertEqual(groups[("plan", 0)].did.served, 0, "nobody is held out of every activity")

    def test_a_holdout_is_kept_once_the_plan_is_submitted(self):
        with self.assertRaisesRegex(UserError, "locked"), self.env.cr.savepoint():
            self.holdout.with_user(self.care_manager).unlink()
        self.assertTrue(self.holdout.exists())

    def test_a_confirmation_holds_for_the_customer_it_was_given_for(self):
        expense = self._expense(100.0, self.held_out[0])
        expense.with_user(self.care_manager)._confirm_holdout("Asked in writing")
        expense.write({"partner_id": self.held_out[1].id})
        self.assertFalse(expense.holdout_reason, "another customer: a new confirmation")
        with self.assertRaisesRegex(ValidationError, "held out"), self.env.cr.savepoint():
            expense.action_submit()

    def test_access(self):
        self.assertEqual(self.holdout.with_user(self.care_user).share_pct, 50.0, "readable")
        with self.assertRaises(AccessError):
            self.env["care.budget.holdout"].with_user(self.care_user).create({
                "budget_id": self._budget().id, "share_pct": 10.0,
            })
        other = self.setup_other_company(name="Care Company B")["company"]
        outsider = self._care_user("care_manager_b", "customer_care_budget.group_care_manager",
                                   [Command.set(other.ids)])
        self.assertFalse(self.env["care.budget.holdout"].with_user(outsider).search([]))
