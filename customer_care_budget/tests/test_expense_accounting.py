from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestExpenseAccounting(CareTestCommon):
    """Posting as vendor bills, payment status, reversal; segregation of duties."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()

    def _approved(self, amount=400.0, **values):
        """An expense of care_user, approved by care_manager, seen by the (accounting) test user."""
        return self._submit_and_approve(self._expense(amount, **values)).with_env(self.env)

    def test_post_creates_a_balanced_bill_with_analytic_distribution(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        bill = expense.move_id
        self.assertRecordValues(expense, [{"state": "posted", "payment_status": "not_paid"}])
        self.assertRecordValues(bill, [{
            "move_type": "in_invoice", "state": "posted", "partner_id": self.care_user.partner_id.id,
            "journal_id": self.company_data["default_journal_purchase"].id, "ref": expense.name,
            "amount_total": 400.0,
        }])
        self.assertEqual(sum(bill.line_ids.mapped("debit")), sum(bill.line_ids.mapped("credit")))
        line = bill.invoice_line_ids
        self.assertRecordValues(line, [{
            "account_id": self.expense_account.id, "balance": 400.0, "care_expense_id": expense.id,
            "care_partner_id": self.customer.id,
            "analytic_distribution": {str(self.plan.analytic_account_id.id): 100},
        }])
        self.assertIn(self.customer.name, line.name)
        self.assertRecordValues(line.analytic_line_ids, [{
            "amount": -400.0, "care_expense_id": expense.id,  # what the budget leaves out: the expense counts
        }])
        self.env.invalidate_all()
        self.assertEqual(expense.budget_line_id.amount_actual, 400.0, "counted once, as the expense")
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "account.move"), ("res_id", "=", bill.id)]), 1,
            "the receipt is attached to the bill",
        )

    def test_vendor_payee_and_foreign_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        expense = self._approved(600.0, payee_type="vendor", vendor_id=self.partner_b.id, currency_id=eur.id)
        expense.with_user(self.care_accountant).action_post()
        bill = expense.move_id
        self.assertRecordValues(bill, [{"partner_id": self.partner_b.id, "currency_id": eur.id, "amount_total": 600.0}])
        self.assertEqual(bill.invoice_line_ids.balance, expense.amount_company, "bill and budget agree: 300")

    def test_bill_keeps_the_rate_the_budget_used(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        expense = self._approved(600.0, currency_id=eur.id)
        self.assertEqual(expense.amount_company, 300.0)
        # a rate for the expense date arrives after the approval
        self.env["res.currency.rate"].create({"currency_id": eur.id, "name": "2026-06-15", "rate": 3.0})
        expense.with_user(self.care_accountant).action_post()
        self.assertEqual(expense.move_id.invoice_line_ids.balance, 300.0)

    def test_paying_the_bill_pays_the_expense(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=expense.move_id.ids,
        ).create({"amount": 100.0, "payment_date": "2026-06-20"})._create_payments()
        self.assertEqual(expense.payment_status, "partial")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=expense.move_id.ids,
        ).create({"payment_date": "2026-06-21"})._create_payments()
        self.assertEqual(expense.payment_status, "paid")
        with self.assertRaisesRegex(UserError, "already paid"):
            expense.with_user(self.care_accountant).action_cancel()

    def test_cancel_reverses_the_bill(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        bill = expense.move_id
        expense.with_user(self.care_accountant).action_cancel()
        credit_note = expense.reversal_move_id
        self.assertRecordValues(expense, [{"state": "cancelled"}])
        self.assertRecordValues(credit_note, [{
            "move_type": "in_refund", "state": "posted", "reversed_entry_id": bill.id,
        }])
        self.assertEqual(bill.state, "posted", "nothing posted is deleted or edited")
        self.assertEqual(bill.payment_state, "reversed")
        payable = (bill | credit_note).line_ids.filtered(lambda aml: aml.account_id.account_type == "liability_payable")
        self.assertEqual(sum(payable.mapped("balance")), 0.0)
        with self.assertRaises(UserError):
            expense.with_user(self.care_accountant).action_cancel()

    def test_cancel_respects_the_lock_date(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        bill_date = expense.move_id.date
        lock_date = fields.Date.context_today(expense) + timedelta(days=10)
        self.company.fiscalyear_lock_date = lock_date
        expense.with_user(self.care_accountant).action_cancel()
        self.assertGreater(expense.reversal_move_id.date, lock_date, "the credit note goes to the first open date")
        self.assertEqual(expense.move_id.date, bill_date, "the bill itself is untouched")

    def test_users_and_managers_cannot_post(self):
        expense = self._approved(400.0)
        for user in (self.care_user, self.care_manager):
            with self.assertRaisesRegex(AccessError, "Only Customer Care Accountants"):
                expense.with_user(user).action_post()
        self.assertEqual(expense.state, "approved")

    def test_accountants_do_not_post_their_own_expenses(self):
        self.care_accountant.group_ids |= self.env.ref("customer_care_budget.group_care_user")
        expense = self._approved(400.0, user=self.care_accountant)
        with self.assertRaisesRegex(UserError, "another Accountant must post it"):
            expense.with_user(self.care_accountant).action_post()
        self.assertEqual(expense.state, "approved")

    def test_only_approved_expenses_are_posted(self):
        expense = self._expense(100.0)
        with self.assertRaisesRegex(UserError, "Only approved expenses"):
            expense.with_user(self.care_accountant).action_post()

    def test_posted_expense_cannot_be_deleted_or_edited(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        with self.assertRaises(UserError):
            expense.with_user(self.care_accountant).write({"amount": 1.0})
        with self.assertRaises(UserError):  # AccessError is a UserError
            expense.with_user(self.care_manager).unlink()
        self.assertTrue(expense.exists())

    def test_bill_is_only_undone_through_the_expense(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        with self.assertRaisesRegex(UserError, "cancel the expense instead"):
            expense.move_id.button_draft()
        with self.assertRaisesRegex(UserError, "cancel the expense instead"):
            expense.move_id.with_user(self.care_accountant).write({"state": "cancel"})
        duplicate = expense.move_id.copy()
        self.assertFalse(duplicate.line_ids.care_expense_id, "a duplicated bill belongs to no expense")
        with self.assertRaisesRegex(UserError, "cancel the expense instead"):
            expense.move_id._reverse_moves([{"date": "2026-06-30", "invoice_date": "2026-06-30"}], cancel=True)
        self.assertEqual(expense.move_id.state, "posted")
        self.assertFalse(expense.move_id.reversal_move_ids)
        expense.with_user(self.care_accountant).action_cancel()
        self.assertEqual(len(expense.move_id.reversal_move_ids), 1)
        with self.assertRaisesRegex(UserError, "cancel the expense instead"):
            expense.reversal_move_id.button_draft()

    def test_vendor_payee_needs_a_vendor(self):
        with self.assertRaisesRegex(ValidationError, "Choose the vendor to pay"):
            self._expense(100.0, payee_type="vendor")

    def test_only_accountants_cancel_posted_expenses(self):
        expense = self._approved(400.0)
        expense.with_user(self.care_accountant).action_post()
        with self.assertRaisesRegex(AccessError, "Only a Customer Care Accountant can cancel a posted expense"):
            expense.with_user(self.care_manager).action_cancel()
        self.assertEqual(expense.state, "posted")
        self.assertFalse(expense.reversal_move_id)
