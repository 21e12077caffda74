from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestBulkDecisions(CareTestCommon):
    """Approve, reject and post many expenses from a list, and receipts dropped on the kanban: each record
    goes through the same guards as alone, called through the RPC dispatcher as the web client does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.tier_key.annual_allowance = 0

    def _refused(self, action):
        """{record name: reason} of the summary a bulk action returns."""
        params = action["params"]
        self.assertEqual(params["message"].count("%s"), len(params["links"]), "a link per refusal")
        return dict(link["label"].split(": ", 1) for link in params["links"])

    def test_bulk_approval_approves_what_one_at_a_time_would(self):
        fine = self._expense(100.0)
        own = self._expense(110.0, user=self.care_manager)  # its requester cannot approve it
        draft = self._expense(120.0)  # nobody reviews a draft
        fine.action_submit()
        own.action_submit()
        action = self.rpc(self.care_manager, "care.expense", "action_approve_selected", (fine | own | draft).ids)
        self.assertEqual(action["params"]["title"], "1 of 3 approved")
        self.assertEqual(action["params"]["type"], "warning")
        refused = self._refused(action)
        self.assertEqual(set(refused), {own.display_name, draft.display_name})
        self.assertIn("you asked for its approval", refused[own.display_name])
        self.assertIn("not a reviewer", refused[draft.display_name])
        self.assertEqual([fine.state, own.state, draft.state], ["approved", "submitted", "draft"])
        self.assertTrue(own.review_ids.filtered(lambda rev: rev.status == "pending"), "the refused one is untouched")

    def test_bulk_approval_of_everything_allowed(self):
        expenses = self._expense(100.0) | self._expense(101.0)
        expenses.action_submit()
        action = self.rpc(self.care_manager, "care.expense", "action_approve_selected", expenses.ids)
        self.assertEqual(action["params"]["title"], "2 of 2 approved")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(set(expenses.mapped("state")), {"approved"})

    def test_a_refusal_after_the_reviews_are_written_leaves_nothing(self):
        # approving the second expense writes its review, then the budget line refuses it: all of it undone
        workflow(self._expense(9850.0)).write({"state": "approved"})  # 150 left on the gift line
        fine, too_much = self._expense(100.0), self._expense(120.0)
        (fine | too_much).action_submit()
        messages = too_much.message_ids
        action = self.rpc(self.care_manager, "care.expense", "action_approve_selected", (fine | too_much).ids)
        self.assertIn("would overspend the budget line", self._refused(action)[too_much.display_name])
        self.assertEqual([fine.state, too_much.state], ["approved", "submitted"])
        self.assertEqual(too_much.review_ids.mapped("status"), ["pending"], "its review is not approved")
        self.assertFalse(too_much.review_ids.done_by)
        self.assertEqual(too_much.message_ids, messages, "no chatter message either")
        self.assertIn(self.care_manager, too_much.activity_ids.user_id, "the approval activity still waits")

    def test_a_review_asking_for_a_comment_is_approved_from_its_form(self):
        self.env["tier.definition"].search([("model", "=", "care.expense")]).has_comment = True
        expense = self._expense(100.0)
        expense.action_submit()
        action = self.rpc(self.care_manager, "care.expense", "action_approve_selected", expense.ids)
        self.assertIn("asks for a comment", self._refused(action)[expense.display_name])
        self.assertEqual(expense.state, "submitted")

    def test_a_later_level_waits_for_the_earlier_one(self):
        event = self.env.ref("customer_care_budget.care_activity_event")
        self._approve(self.env["care.budget"].with_user(self.care_manager).create({
            "name": "Events 2026", "date_from": "2026-01-01", "date_to": "2026-12-31",
            "objective_ids": [Command.create({"kpi": "nps", "baseline": 30, "target": 35})],
            "line_ids": [Command.create({"activity_type_id": event.id, "amount_original": 40000.0,
                                         "date_from": "2026-01-01", "date_to": "2026-12-31"})],
        }))
        expense = self._expense(12000.0, activity=event)  # a Manager's level, then an Administrator's
        expense.action_submit()
        action = self.rpc(self.care_admin, "care.expense", "action_approve_selected", expense.ids)
        self.assertIn("waits for an earlier level", self._refused(action)[expense.display_name])
        self.assertEqual(expense.state, "submitted")
        self.assertFalse(expense.review_ids.done_by, "nothing was approved")

    def test_bulk_rejection_asks_one_reason(self):
        first, second, own = self._expense(100.0), self._expense(101.0), self._expense(102.0, user=self.care_manager)
        (first | second).action_submit()
        own.action_submit()
        action = self.rpc(self.care_manager, "care.expense", "action_reject_selected", (first | second | own).ids)
        wizard = Form(self.env["care.approval.reason"].with_user(self.care_manager).with_context(**action["context"]))
        wizard.reason = "Not in this quarter"
        summary = wizard.save().action_confirm()
        self.assertEqual(summary["params"]["title"], "2 of 3 rejected")
        self.assertEqual(set(self._refused(summary)), {own.display_name})
        self.assertEqual([first.state, second.state, own.state], ["rejected", "rejected", "submitted"])
        self.assertTrue(first.message_ids.filtered(lambda msg: "Not in this quarter" in str(msg.body)))

    def test_a_rejection_wizard_decides_only_on_readable_records(self):
        expense = self._expense(100.0)
        expense.action_submit()
        other = self._expense(100.0, user=self.care_manager_2, partner=self._customer("Other Customer"))
        wizard = self.env["care.approval.reason"].with_user(self.care_user).create({
            "res_model": "care.expense", "res_ids": [other.id], "reason_type": "reject", "reason": "Mine now",
        })
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        wizard = self.env["care.approval.reason"].with_user(self.care_manager).create({
            "res_model": "care.expense", "res_ids": expense.ids + [other.id], "reason_type": "override",
            "reason": "Both over budget",
        })
        with self.assertRaisesRegex(UserError, "one expense at a time"):
            wizard.action_confirm()
        for junk in ([True, 2**40], {"id": expense.id}, "1"):
            wizard.res_ids = junk
            with self.assertRaisesRegex(UserError, "are gone"):
                wizard.action_confirm()

    def test_bulk_posting_posts_each_it_may(self):
        approved = self._submit_and_approve(self._expense(100.0))
        draft = self._expense(101.0)
        action = self.rpc(self.care_accountant, "care.expense", "action_post_selected", (approved | draft).ids)
        self.assertEqual(action["params"]["title"], "1 of 2 posted")
        self.assertIn("Only approved expenses", self._refused(action)[draft.display_name])
        self.assertEqual([approved.state, draft.state], ["posted", "draft"])
        self.assertEqual(approved.sudo().move_id.state, "posted")
        self.assertFalse(draft.move_id, "the refused one left no bill behind")
        refused = self._refused(self.rpc(self.care_user, "care.expense", "action_post_selected", draft.ids))
        self.assertIn("Only Customer Care Accountants", refused[draft.display_name])

    def test_receipts_dropped_on_the_kanban_start_an_expense(self):
        upload = self.env["ir.attachment"].with_user(self.care_user).create({"name": "dinner.pdf", "raw": b"%PDF"})
        # as Odoo's upload drop zone calls it: no record ids, then the attachments
        action = self.rpc(self.care_user, "care.expense", "create_document_from_attachment", "", upload.ids)
        self.assertEqual((action["res_model"], action["views"]), ("care.expense", [(False, "form")]))
        form = Form(self.env["care.expense"].with_user(self.care_user).with_context(**action["context"]))
        form.partner_id = self.customer
        form.care_activity_type_id = self.gift
        form.purpose = "Dinner"
        form.amount = 80.0
        expense = form.save()
        self.assertEqual(expense.attachment_ids, upload)
        self.assertEqual(expense.receipt_count, 1)

    def test_only_ones_own_unfiled_uploads_become_receipts(self):
        theirs = self.env["ir.attachment"].with_user(self.care_manager).create({"name": "theirs.pdf", "raw": b"%PDF"})
        filed = self._expense(100.0).attachment_ids
        own_filed = self.env["ir.attachment"].with_user(self.care_user).create({
            "name": "on a partner.pdf", "raw": b"%PDF", "res_model": "res.partner", "res_id": self.customer.id,
        })
        for attachments in (theirs, filed, own_filed):
            self.assertRpcRefused(self.care_user, "care.expense", "create_document_from_attachment", "",
                                  attachments.ids)
        for junk in ([True], [2**40], "12", [-1]):
            self.assertRpcRefused(self.care_user, "care.expense", "create_document_from_attachment", "", junk)
        # a client sending the context key itself takes nothing that is not its own unfiled upload
        for receipts in ((theirs | filed | own_filed).ids, 5, [True, "x"]):
            expense = self.env["care.expense"].with_user(self.care_user).with_context(care_receipt_ids=receipts).create(
                {"partner_id": self.customer.id, "care_activity_type_id": self.gift.id, "purpose": "Gift",
                 "amount": 10.0, "date": "2026-06-15"})
            self.assertFalse(expense.attachment_ids)
        self.assertEqual((theirs.res_model, theirs.res_id), (False, 0))
        self.assertEqual((own_filed.res_model, own_filed.res_id), ("res.partner", self.customer.id))
