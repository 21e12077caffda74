import threading
from unittest.mock import patch

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.orm.registry import Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import DummyRLock

from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow

SUPERUSER_ID = api.SUPERUSER_ID


class ConcurrencyCase(TransactionCase):
    """Two transactions take money only one of them may have; the data is committed through cursors of
    their own (a test's transaction is invisible to other connections) and removed again afterwards."""

    def _commit_data(self, line_amounts, expense_activities, allowance=0.0, reserve=0.0, yearly_cap=0.0):
        """An approved plan with one key-account line per ``line_amounts`` (activity xml id, amount) and
        ``reserve``, and a submitted expense of 200, then 190, on the customer per ``expense_activities``; with
        a ``yearly_cap``, both for one contact of the customer and a rule capping what a recipient receives
        in a year. The expenses carry a justification: whatever rules only warn in the database let them
        through."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.manager = env["res.users"].create({
                "name": "Concurrency Manager", "login": "ccb_concurrency_manager",
                "group_ids": [Command.set([env.ref("customer_care_budget.group_care_manager").id])],
            })
            self.customer = env["res.partner"].create({
                "name": "Concurrent customer", "is_company": True, "care_annual_allowance": allowance,
            })
            # key-account lines: the expenses match them, whatever other plans the database holds
            self.budget = env["care.budget"].create({
                "name": "Concurrency plan", "date_from": "2026-01-01", "date_to": "2026-12-31",
                "reserve_amount": reserve,
                "line_ids": [Command.create({"activity_type_id": env.ref(activity).id, "amount_original": amount,
                                             "partner_id": self.customer.id,
                                             "date_from": "2026-01-01", "date_to": "2026-12-31"})
                             for activity, amount in line_amounts],
            })
            # approved without its review round: these tests are about spending it
            workflow(self.budget).write({"state": "approved"})
            self.line_ids = self.budget.line_ids.ids  # read while the cursor is open
            self.rule = env["care.expense.rule"].create({
                "name": "Concurrency cap", "kind": "recipient_year", "amount_limit": yearly_cap,
                "company_id": env.company.id,
            }) if yearly_cap else env["care.expense.rule"]
            contact = env["res.partner"].create({"name": "Concurrent buyer", "parent_id": self.customer.id})
            self.expenses = env["care.expense"].create([{
                "partner_id": self.customer.id, "care_activity_type_id": env.ref(activity).id, "date": "2026-06-15",
                "purpose": "Gift", "amount": amount, "justification": "Concurrency test",
                "recipient_ids": [Command.set(contact.ids if yearly_cap else [])],
            } for activity, amount in zip(expense_activities, (200.0, 190.0))])
            self.expenses.action_submit()
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            expenses = self.expenses.with_env(env)
            expenses.filtered(lambda exp: exp.state != "cancelled").action_cancel()
            expenses.unlink()
            # the change log is never deleted through the ORM: these tests' entries go with their plan
            cr.execute("DELETE FROM care_budget_change WHERE budget_id = %s", [self.budget.id])
            budget = self.budget.with_env(env)
            budget.action_cancel()
            budget.unlink()
            self.rule.with_env(env).unlink()
            self.customer.with_env(env).child_ids.unlink()
            self.customer.with_env(env).unlink()
            self.manager.with_env(env).unlink()

    def _run_concurrently(self, act, first, second):
        """``act(env, first)`` and ``act(env, second)`` as the Manager in two transactions: the second takes
        its snapshot before the first commits, then acts (retried as Odoo retries a request). Returns what
        happened to the second."""
        second_read = threading.Event()
        first_committed = threading.Event()
        outcome = {"attempts": 0}

        def second_transaction():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                cr.execute("SELECT 1")  # the snapshot is taken here
                second_read.set()
                first_committed.wait(30)

                def attempt():
                    outcome["attempts"] += 1
                    act(api.Environment(cr, self.manager.id, {}), second)

                try:
                    retrying(attempt, env)
                except UserError as error:
                    outcome["error"] = str(error)
                    cr.rollback()
                except Exception as error:  # reported by the assertions below
                    outcome["error"] = repr(error)
                    cr.rollback()

        thread = threading.Thread(target=second_transaction)
        # Odoo's own test runner holds the registry lock while it runs the tests, and the retry looks the
        # registry up again: lift that lock as Odoo's HttpCase does in test mode
        with patch.object(Registry, "_lock", DummyRLock()):
            thread.start()
            try:
                self.assertTrue(second_read.wait(30))
                with self.registry.cursor() as cr:
                    act(api.Environment(cr, self.manager.id, {}), first)  # committed when the cursor closes
            finally:
                first_committed.set()
                thread.join(60)
        return outcome

    def _approve_concurrently(self):
        """Approve the two expenses in two transactions."""
        return self._run_concurrently(
            lambda env, expense_id: env["care.expense"].browse(expense_id).validate_tier(), *self.expenses.ids,
        )


@tagged("post_install", "-at_install")
class TestConcurrentApproval(ConcurrencyCase):
    """A line with room for one of two expenses: exactly one is approved."""

    def setUp(self):
        super().setUp()
        gift = "customer_care_budget.care_activity_gift"
        self._commit_data([(gift, 300.0)], [gift, gift])

    def test_two_cursors_cannot_both_spend_the_last_of_a_line(self):
        first, second = self.expenses.ids
        outcome = self._approve_concurrently()
        self.assertEqual(outcome["attempts"], 2, "the stale approval failed to serialize and was retried")
        self.assertIn("would overspend the budget line", outcome.get("error", ""))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["care.expense"].browse([first, second]).mapped("state"), ["approved", "submitted"])
            line = self.budget.with_env(env).line_ids
            self.assertEqual(self.expenses.with_env(env).budget_line_id, line)
            self.assertEqual((line.amount_committed, line.amount_available), (200.0, 100.0))


@tagged("post_install", "-at_install")
class TestConcurrentAllowance(ConcurrencyCase):
    """Two expenses on two lines with room, for a customer whose allowance admits one: exactly one is
    approved (the lines' locks do not meet; the customer's allowance lock does)."""

    def setUp(self):
        super().setUp()
        # two activities that need no receipt below 200
        gift, visit = "customer_care_budget.care_activity_gift", "customer_care_budget.care_activity_visit"
        self._commit_data([(gift, 1000.0), (visit, 1000.0)], [gift, visit], allowance=300.0)

    def test_two_cursors_cannot_both_pass_the_allowance(self):
        first, second = self.expenses.ids
        outcome = self._approve_concurrently()
        self.assertEqual(outcome["attempts"], 2, "the stale approval failed to serialize and was retried")
        self.assertIn("allowance", outcome.get("error", ""))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["care.expense"].browse([first, second]).mapped("state"), ["approved", "submitted"])
            self.assertEqual(len(self.expenses.with_env(env).budget_line_id), 2, "two lines, two locks")


@tagged("post_install", "-at_install")
class TestConcurrentRecipientCap(ConcurrencyCase):
    """Two gifts to one person on two lines with room, whose yearly cap admits one: exactly one is approved (the
    lines' locks do not meet; the recipient's lock does)."""

    def setUp(self):
        super().setUp()
        gift, visit = "customer_care_budget.care_activity_gift", "customer_care_budget.care_activity_visit"
        self._commit_data([(gift, 1000.0), (visit, 1000.0)], [gift, visit], yearly_cap=300.0)

    def test_two_cursors_cannot_both_pass_a_recipients_yearly_cap(self):
        first, second = self.expenses.ids
        outcome = self._approve_concurrently()
        self.assertEqual(outcome["attempts"], 2, "the stale approval failed to serialize and was retried")
        self.assertIn("Concurrent buyer would receive $ 390.00 in 2026 ($ 200.00 already, $ 190.00 now)",
                      outcome.get("error", "").replace("\xa0", " "))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["care.expense"].browse([first, second]).mapped("state"), ["approved", "submitted"])
            self.assertEqual(len(self.expenses.with_env(env).budget_line_id), 2, "two lines, two locks")


@tagged("post_install", "-at_install")
class TestConcurrentRelease(ConcurrencyCase):
    """Two releases of 600 from a reserve of 1,000 into two lines: the lines' locks do not meet, the
    plan's reserve lock does: exactly one is logged."""

    def setUp(self):
        super().setUp()
        gift, visit = "customer_care_budget.care_activity_gift", "customer_care_budget.care_activity_visit"
        self._commit_data([(gift, 1000.0), (visit, 1000.0)], [], reserve=1000.0)

    def test_two_cursors_cannot_both_release_the_last_of_the_reserve(self):
        def release(env, line_id):
            env["care.budget.change"].create({
                "budget_id": self.budget.id, "change_type": "release", "line_to_id": line_id, "amount": 600.0,
                "reason": "Trade fair",
            })

        outcome = self._run_concurrently(release, *self.line_ids)
        self.assertEqual(outcome["attempts"], 2, "the stale release failed to serialize and was retried")
        self.assertIn("of the contingency reserve is left", outcome.get("error", ""))
        with self.registry.cursor() as cr:
            budget = self.budget.with_env(api.Environment(cr, SUPERUSER_ID, {}))
            self.assertEqual(len(budget.change_ids), 1)
            self.assertEqual(budget.reserve_unallocated, 400.0)
