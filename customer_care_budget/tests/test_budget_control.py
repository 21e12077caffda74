from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestBudgetControl(CareTestCommon):
    """Committed, actual, available and consumption; the hard stop, the override, the warning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()

    def _over_budget_expense(self, amount):
        """A submitted gift of ``amount`` on the gift line, which has 1,000 left; the plan's responsible
        is care_manager_2."""
        self.gift.max_amount_per_event = 0
        self.plan.user_id = self.care_manager_2
        self._submit_and_approve(self._expense(9000.0))
        expense = self._expense(amount)
        expense.action_submit()
        return expense

    def _posted_gift_bill(self, amount):
        """A posted vendor bill of ``amount`` on the gift account, 100 % on the plan's analytic account."""
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.partner_a.id, "invoice_date": "2026-03-10",
            "invoice_line_ids": [Command.create({
                "name": "Gift baskets", "account_id": self.expense_account.id, "price_unit": amount, "tax_ids": [],
                "analytic_distribution": {str(self.plan.analytic_account_id.id): 100},
            })],
        })
        bill.action_post()
        return bill

    def _consumption(self, record):
        record.invalidate_recordset()
        return [record.amount_committed, record.amount_actual, record.amount_available]

    def test_committed_actual_available(self):
        approved = self._submit_and_approve(self._expense(1000.0))
        posted = self._submit_and_approve(self._expense(500.0))
        posted.with_user(self.care_accountant).action_post()
        self._expense(300.0).action_submit()  # submitted: not committed yet
        self.assertEqual(self._consumption(self.gift_line), [1000.0, 500.0, 8500.0])
        self.assertAlmostEqual(self.gift_line.consumption, 15.0)
        self.assertEqual(self._consumption(self.plan), [1000.0, 500.0, 11500.0])
        approved.with_user(self.care_manager).action_cancel()
        self.assertEqual(self._consumption(self.gift_line), [0.0, 500.0, 9500.0])

    def test_over_budget_is_refused(self):
        self.gift_line.warning_threshold = 100
        self.tier_key.annual_allowance = 0
        self.gift.max_amount_per_event = 0
        self._submit_and_approve(self._expense(9000.0))
        expense = self._expense(1500.0)
        expense.action_submit()
        with self.assertRaisesRegex(UserError, r"overspend the budget line .* by \$\s?500\.00: only \$\s?1,000\.00"):
            expense.with_user(self.care_manager).validate_tier()
        self.assertEqual(expense.state, "submitted")
        self.assertEqual(self._consumption(self.gift_line)[2], 1000.0)

    def test_reserve_release_makes_room(self):
        self.gift.max_amount_per_event = 0
        self._submit_and_approve(self._expense(9000.0))
        expense = self._expense(1500.0)
        expense.action_submit()
        with self.assertRaises(UserError):
            expense.with_user(self.care_manager).validate_tier()
        self.env["care.budget.change"].with_user(self.care_manager_2).create({
            "budget_id": self.plan.id, "change_type": "release", "line_to_id": self.gift_line.id,
            "amount": 500.0, "reason": "Anniversary gifts",
        })
        expense.with_user(self.care_manager).validate_tier()
        self.assertEqual(expense.state, "approved")
        self.assertEqual(self._consumption(self.gift_line), [10500.0, 0.0, 0.0])

    def test_transfer_cannot_take_what_is_spent(self):
        self._submit_and_approve(self._expense(1000.0, activity=self.meal))
        with self.assertRaisesRegex(Exception, r"only \$\s?2,000\.00 left to transfer"):
            self.env["care.budget.change"].with_user(self.care_manager).create({
                "budget_id": self.plan.id, "line_from_id": self.meal_line.id, "line_to_id": self.gift_line.id,
                "amount": 2500.0, "reason": "More gifts",
            })

    def test_override_needs_a_reason_and_the_plan_responsible(self):
        expense = self._over_budget_expense(1500.0)
        action = expense.with_user(self.care_manager).action_override_budget()
        wizard = Form(self.env["care.approval.reason"].with_user(self.care_manager).with_context(**action["context"]))
        wizard.reason = "Key account renewal at stake"
        wizard.save().action_confirm()
        self.assertEqual(expense.override_user_id, self.care_manager)
        self.assertIn(self.care_manager_2, expense.review_ids.reviewer_ids, "the plan's responsible reviews it")
        expense.with_user(self.care_manager).validate_tier()
        self.assertEqual(expense.state, "submitted", "the responsible's review is still pending")
        expense.with_user(self.care_manager_2).validate_tier()
        self.assertEqual(expense.state, "approved")
        self.assertEqual(self._consumption(self.gift_line)[2], -500.0)
        report = self.env["care.budget.report"].search([("expense_id", "=", expense.id)])
        self.assertEqual(report.override_reason, "Key account renewal at stake", "the reason is in the reports")
        self.assertIn("Key account renewal at stake", "".join(expense.message_ids.mapped("body")))

    def test_users_cannot_override(self):
        expense = self._expense(100.0)
        expense.action_submit()
        with self.assertRaisesRegex(Exception, "Only a Customer Care Manager"):
            expense._grant_override("I want it")

    def test_warning_fires_once_per_crossing(self):
        self.gift.max_amount_per_event = 0
        self.plan.user_id = self.care_manager_2
        warning_type = self.env.ref("customer_care_budget.mail_activity_care_budget_warning")

        def warnings():
            return self.plan.activity_ids.filtered(lambda act: act.activity_type_id == warning_type)

        self._submit_and_approve(self._expense(7900.0))
        self.assertFalse(warnings(), "79 % is below the 80 % threshold")
        second = self._submit_and_approve(self._expense(100.0))
        self.assertEqual(len(warnings()), 1, "80 % reached")
        self.assertEqual(warnings().user_id, self.care_manager_2)
        self.assertIn("reached 80.0% of its", self.plan.message_ids[0].body)
        third = self._submit_and_approve(self._expense(150.0))
        self.assertEqual(len(warnings()), 1, "still above: no second warning")
        (second | third).with_user(self.care_manager).action_cancel()
        self.assertFalse(self.gift_line.warning_sent, "back under the threshold")
        self._submit_and_approve(self._expense(151.0))
        self.assertEqual(len(warnings()), 2, "a new crossing warns again")

    def test_vendor_bills_on_the_plan_analytic_account_count_as_actual(self):
        analytic = self.plan.analytic_account_id
        self.assertEqual(analytic.root_plan_id, self.env.ref("customer_care_budget.analytic_plan_customer_care"))
        other_analytic = self.env["account.analytic.account"].create({
            "name": "Elsewhere", "plan_id": analytic.plan_id.id,
        })
        bill = self.env["account.move"].create({
            "move_type": "in_invoice",
            "partner_id": self.partner_a.id,
            "invoice_date": "2026-03-10",
            "invoice_line_ids": [
                # 60 % of 1,000 on the plan: 600 counts
                Command.create({"name": "Gift baskets", "account_id": self.expense_account.id, "price_unit": 1000.0,
                                "tax_ids": [], "analytic_distribution": {str(analytic.id): 60,
                                                                         str(other_analytic.id): 40}}),
                # another account: not a care activity's
                Command.create({"name": "Stationery", "account_id": self.company_data["default_account_revenue"].id,
                                "price_unit": 70.0, "tax_ids": [], "analytic_distribution": {str(analytic.id): 100}}),
            ],
        })
        draft_figures = self._consumption(self.gift_line)
        self.assertEqual(draft_figures[1], 0.0, "a draft bill counts nothing")
        bill.action_post()
        self.assertEqual(self._consumption(self.gift_line), [0.0, 600.0, 9400.0])
        self.assertEqual(self._consumption(self.meal_line)[1], 0.0, "meals have the same account: the gift "
                                                                     "line for every tier takes it")
        # a dated item outside the lines' period does not count
        refund = bill._reverse_moves([{"date": "2026-03-11", "invoice_date": "2026-03-11"}], cancel=True)
        self.assertEqual(refund.state, "posted")
        self.assertEqual(self._consumption(self.gift_line)[1], 0.0, "the credit note takes it back")

    def test_care_expense_bills_count_once(self):
        expense = self._submit_and_approve(self._expense(400.0))
        expense.with_user(self.care_accountant).action_post()
        self.assertEqual(self._consumption(self.gift_line), [0.0, 400.0, 9600.0])
        expense.with_user(self.care_accountant).action_cancel()
        self.assertEqual(self._consumption(self.gift_line), [0.0, 0.0, 10000.0])

    def test_consumption_query_count_does_not_grow_with_lines(self):
        def queries(count):
            budget = self.env["care.budget"].with_user(self.care_manager).create({
                "name": f"Plan of {count}", "date_from": "2026-01-01", "date_to": "2026-12-31",
                "objective_ids": [Command.create({"kpi": "nps", "baseline": 1, "target": 2})],
                "line_ids": [Command.create({"activity_type_id": self.gift.id, "amount_original": 100.0 + i,
                                             "date_from": "2026-01-01", "date_to": "2026-12-31"})
                             for i in range(count)],
            })
            lines = budget.line_ids.with_user(self.care_user)
            lines.fetch(["amount_planned"])
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            self.assertEqual(sum(lines.mapped("amount_available")), sum(lines.mapped("amount_planned")))
            lines.mapped("consumption")
            return self.env.cr.sql_log_count - start

        queries(2)  # warm the registry caches (access rules)
        self.assertEqual(queries(5), queries(80))
        self.assertLessEqual(queries(5), 2, "one aggregate for all the lines (and the analytic plan's check)")

    def test_plan_with_spending_cannot_be_cancelled(self):
        expense = self._submit_and_approve(self._expense(100.0))
        with self.assertRaisesRegex(UserError, "approved or posted spending"):
            self.plan.with_user(self.care_manager).action_cancel()
        expense.with_user(self.care_manager).action_cancel()
        self.plan.with_user(self.care_manager).action_cancel()
        self.assertEqual(self.plan.state, "cancel")

    def test_plan_analytic_account_belongs_to_the_customer_care_plan(self):
        other_plan = self.env["account.analytic.plan"].create({"name": "Projects elsewhere"})
        account = self.env["account.analytic.account"].create({"name": "Project X", "plan_id": other_plan.id})
        with self.assertRaisesRegex(ValidationError, "must belong to the Customer Care analytic plan"):
            self._budget().analytic_account_id = account

    def test_reset_to_draft_drops_the_override(self):
        expense = self._over_budget_expense(1100.0)
        expense.with_user(self.care_manager)._grant_override("Renewal at stake")
        expense.action_reset_to_draft()
        self.assertFalse(expense.override_reason, "the override was for what had been submitted")
        expense.amount = 5000.0
        expense.action_submit()
        with self.assertRaisesRegex(UserError, "overspend"):
            expense.with_user(self.care_manager).validate_tier()

    def test_plan_responsible_approves_both_the_manager_level_and_the_override(self):
        expense = self._over_budget_expense(1500.0)
        expense.with_user(self.care_manager)._grant_override("Renewal at stake")
        expense.with_user(self.care_manager_2).validate_tier()  # the Manager level
        self.assertEqual(expense.state, "submitted")
        expense.with_user(self.care_manager_2).validate_tier()  # the override, as the plan's responsible
        self.assertEqual(expense.state, "approved")

    def test_override_needs_a_responsible_other_than_the_requester(self):
        self.plan.user_id = self.care_user
        expense = self._expense(100.0)
        expense.action_submit()
        with self.assertRaisesRegex(UserError, "needs a responsible other than the requester"):
            expense.with_user(self.care_manager)._grant_override("Why not")

    def test_only_live_plans_take_journal_items(self):
        copy = self.plan.with_user(self.care_manager).copy({"name": "Care 2026 bis"})
        self.assertFalse(copy.analytic_account_id, "a copy gets its own analytic account when approved")
        with self.assertRaisesRegex(ValidationError, "cannot share the analytic account"):
            copy.analytic_account_id = self.plan.analytic_account_id
        copy.with_user(self.care_manager).action_cancel()
        workflow(copy).analytic_account_id = self.plan.analytic_account_id  # a cancelled plan counts nothing
        self._posted_gift_bill(100.0)
        self.assertEqual(self._consumption(self.gift_line)[1], 100.0, "the approved plan's line, not the draft's")
        self.assertEqual(self._consumption(copy.line_ids[0])[1], 0.0)

    def test_vendor_bill_crossing_the_threshold_warns(self):
        self.plan.user_id = self.care_manager_2
        warning_type = self.env.ref("customer_care_budget.mail_activity_care_budget_warning")
        self._posted_gift_bill(8500.0)
        warnings = self.plan.activity_ids.filtered(lambda act: act.activity_type_id == warning_type)
        self.assertEqual(warnings.user_id, self.care_manager_2)
        self.assertTrue(self.gift_line.warning_sent)
