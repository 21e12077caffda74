from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestGiftRegister(CareTestCommon):
    """An expense names who receives it; the register lists, per recipient, what each received and who approved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.buyer, cls.ceo = (cls.env["res.partner"].create({"name": name, "parent_id": cls.customer.id})
                              for name in ("Ann Buyer", "Bob Ceo"))
        cls.outsider = cls.env["res.partner"].create({"name": "Someone Else"})

    def _dinner(self, **values):
        return self._expense(400.0, activity=self.meal, recipient_ids=[Command.set((self.buyer | self.ceo).ids)],
                             **values)

    def test_the_register_lists_each_recipient_of_what_was_approved(self):
        expense = self._dinner(person_count=4)  # the two contacts and two of our people
        self.assertRecordValues(expense, [{"person_count": 4, "amount_per_person": 100.0}])
        register = self.env["care.gift.register"].with_user(self.care_manager)
        self.assertFalse(register.search([("expense_id", "=", expense.id)]), "a draft gives nothing yet")
        self._submit_and_approve(expense)
        rows = register.search([("expense_id", "=", expense.id)], order="recipient_id")
        self.assertRecordValues(rows, [
            {"recipient_id": self.buyer.id, "partner_id": self.customer.id, "amount_per_person": 100.0,
             "person_count": 4, "activity_type_id": self.meal.id, "user_id": self.care_user.id,
             "approver_id": self.care_manager.id, "state": "approved"},
            {"recipient_id": self.ceo.id, "partner_id": self.customer.id, "amount_per_person": 100.0,
             "person_count": 4, "activity_type_id": self.meal.id, "user_id": self.care_user.id,
             "approver_id": self.care_manager.id, "state": "approved"},
        ])
        self.assertEqual(rows.with_user(self.care_accountant).read(["recipient_id"])[0]["recipient_id"][0],
                         self.buyer.id)
        expense.with_user(self.care_manager).action_cancel()
        self.assertFalse(register.search([("expense_id", "=", expense.id)]), "cancelled: not given")

    def test_persons_default_to_the_recipients_and_our_own_people_may_attend(self):
        ours = self.care_manager.partner_id
        expense = self._expense(300.0, activity=self.meal, recipient_ids=[Command.set((self.buyer | ours).ids)])
        self.assertRecordValues(expense, [{"person_count": 2, "amount_per_person": 150.0}])

    def test_recipients_are_the_customers_people_or_ours(self):
        with self.assertRaisesRegex(ValidationError, "Someone Else"), self.env.cr.savepoint():
            self._expense(100.0, recipient_ids=[Command.set(self.outsider.ids)])
        with self.assertRaisesRegex(ValidationError, "count every recipient"), self.env.cr.savepoint():
            self._dinner(person_count=1)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self._expense(100.0, person_count=0)
        self.assertFalse(self.env["care.expense"].search([("purpose", "=", "Thank-you gift"),
                                                         ("partner_id", "=", self.customer.id)]))

    def test_recipients_are_locked_once_submitted(self):
        expense = self._dinner()
        self._submit_and_approve(expense)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.rpc(self.care_user, "care.expense", "write", expense.ids, {"recipient_ids": [Command.clear()]})
        self.assertEqual(expense.recipient_ids, self.buyer | self.ceo)

    def test_access(self):
        self._submit_and_approve(self._dinner())
        with self.assertRaises(AccessError):
            self.env["care.gift.register"].with_user(self.care_user).search([])
        other = self.setup_other_company(name="Care Company B")["company"]
        outsider = self._care_user("care_manager_b", "customer_care_budget.group_care_manager",
                                   [Command.set(other.ids)])
        self.assertFalse(self.env["care.gift.register"].with_user(outsider).search([]))
        self.assertEqual(len(self.env["care.gift.register"].with_user(self.care_manager).search([])), 2)

    def test_the_same_receipt_twice_is_refused_across_requesters(self):
        mine = self._expense(100.0, receipt=False)
        theirs = self._expense(120.0, user=self.care_manager_2, receipt=False)
        for expense in (mine, theirs):
            self.env["ir.attachment"].create({
                "name": f"scan-{expense.id}.pdf", "raw": b"%PDF one restaurant bill", "res_model": "care.expense",
                "res_id": expense.id,
            })
        self._submit_and_approve(theirs)
        with self.assertRaisesRegex(ValidationError, f"same file as that of {theirs.name}"), self.env.cr.savepoint():
            mine.action_submit()
        self.assertEqual(mine.state, "draft")
        mine.with_user(self.care_manager)._confirm_duplicate("Two courses of one dinner, split by the restaurant")
        mine.action_submit()
        self.assertEqual(mine.state, "submitted")
        theirs.with_user(self.care_manager).action_cancel()
        self.assertFalse(mine._receipt_twins(), "a cancelled expense's receipt is free again")

    def test_public_officials_are_flagged_by_managers_or_by_tag(self):
        self.assertRpcRefused(self.care_user, "res.partner", "write", self.ceo.ids, {"care_public_official": True})
        self.rpc(self.care_manager, "res.partner", "write", self.ceo.ids, {"care_public_official": True})
        state_owned = self.env["res.partner.category"].create({"name": "State-owned enterprise"})
        self.buyer.category_id = state_owned
        self.assertFalse(self.buyer.care_is_official, "a tag counts once the settings name it")
        self.company.care_official_category_ids = state_owned
        self.buyer.invalidate_recordset(["care_is_official"])
        self.assertRecordValues(self.buyer | self.ceo, [{"care_is_official": True}, {"care_is_official": True}])
        self._submit_and_approve(self._dinner())
        rows = self.env["care.gift.register"].with_user(self.care_manager).search(
            [("public_official", "=", True)], order="recipient_id")
        self.assertEqual(rows.recipient_id, self.buyer | self.ceo)
        self.env.cr.precommit.run()  # the tracking
        self.assertIn("Public Official", self.ceo.message_ids.tracking_value_ids.field_id.mapped("field_description"))

    def test_a_compliance_officer_reads_every_expense_and_the_register_and_edits_nothing(self):
        officer = self.care_compliance
        approved = self._submit_and_approve(self._dinner())
        someone_elses = self._expense(50.0, user=self.care_manager_2)
        self.assertTrue(approved | someone_elses <= self.env["care.expense"].with_user(officer).search([]))
        self.assertEqual(len(self.env["care.gift.register"].with_user(officer).search([])), 2)
        self.assertEqual(approved.with_user(officer).holdout_id, self.env["care.budget.holdout"])
        self.assertRpcRefused(officer, "care.expense", "write", approved.ids, {"purpose": "Changed"})
        self.assertRpcRefused(officer, "care.expense", "create", {
            "partner_id": self.customer.id, "care_activity_type_id": self.gift.id, "amount": 10.0,
            "date": "2026-06-15", "purpose": "Mine",
        })
        self.assertRpcRefused(officer, "care.expense", "action_cancel", approved.ids)
        menus = self.env["ir.ui.menu"].with_user(officer)._visible_menu_ids()
        for xmlid, visible in [("care_gift_register_menu", True), ("care_expense_menu_all", True),
                               ("customer_care_menu_customers", False), ("customer_care_menu_budgets", False)]:
            self.assertEqual(self.env.ref(f"customer_care_budget.{xmlid}").id in menus, visible, xmlid)
