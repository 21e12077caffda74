from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.base.tests.common import new_test_user

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestRpcIntegrity(CareTestCommon):
    """What a hostile client can call through RPC, one test per hole of the integrity issue, each as the
    weakest group that reaches it. Every call goes through Odoo's dispatcher (``call_kw``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.employee = new_test_user(cls.env, login="plain_employee", groups="base.group_user",
                                     company_id=cls.company.id)
        cls.other_company = cls.setup_other_company(name="Care Company B")["company"]
        cls.other_manager = cls._care_user(
            "other_manager", "customer_care_budget.group_care_manager", [Command.set(cls.other_company.ids)],
        )

    def _approved(self, amount=400.0, **values):
        """An expense of care_user approved by care_manager, seen by the (accounting) test user."""
        return self._submit_and_approve(self._expense(amount, **values)).with_env(self.env)

    def _posted(self, amount=400.0, **values):
        expense = self._approved(amount, **values)
        expense.with_user(self.care_accountant).action_post()
        return expense

    # ------------------------------------------------------------
    # 1. the company-currency amount
    # ------------------------------------------------------------

    def test_user_cannot_write_the_company_amount(self):
        draft, approved, posted = self._expense(1500.0), self._approved(300.0), self._posted(200.0)
        for expense, amount in ((draft, 1500.0), (approved, 300.0), (posted, 200.0)):
            self.assertRpcRefused(self.care_user, "care.expense", "write", expense.ids, {"amount_company": 5.0})
            self.assertEqual(expense.amount_company, amount)
        self.assertRecordValues(self.gift_line, [{"amount_committed": 300.0, "amount_actual": 200.0}])
        base = {"partner_id": self.customer.id, "care_activity_type_id": self.gift.id, "purpose": "Gift",
                "amount": 1500.0}
        self.assertRpcRefused(self.care_user, "care.expense", "create", {**base, "amount_company": 5.0})
        # a related field writes through: even an empty plan is refused at creation
        self.assertRpcRefused(self.care_user, "care.expense", "create",
                              {**base, "budget_line_id": self.gift_line.id, "budget_id": False})
        self.assertEqual(self.gift_line.budget_id, self.plan)

    def test_unchanged_figures_sent_back_by_a_form_are_ignored(self):
        expense = self._expense(100.0)
        self.rpc(self.care_user, "care.expense", "write", expense.ids, {
            "purpose": "Flowers", "amount_company": 100.0, "state": "draft", "budget_id": self.plan.id,
        })
        self.assertRecordValues(expense, [{"purpose": "Flowers", "amount_company": 100.0, "state": "draft"}])

    # ------------------------------------------------------------
    # 2. the plan (a stored related field) and the payment status
    # ------------------------------------------------------------

    def test_user_cannot_repoint_an_expense_or_mark_it_paid(self):
        other_plan = self._approve(self._budget())
        approved, posted = self._approved(300.0), self._posted(200.0)
        for expense in approved | posted:
            self.assertRpcRefused(self.care_user, "care.expense", "write", expense.ids, {"budget_id": other_plan.id})
            self.assertRpcRefused(self.care_user, "care.expense", "write", expense.ids, {"payment_status": "paid"})
        self.assertEqual((approved | posted).budget_id, self.plan)
        self.assertEqual(self.gift_line.budget_id, self.plan, "a related field writes through: the line stays put")
        self.assertEqual(posted.payment_status, "not_paid")

    # ------------------------------------------------------------
    # 3. figures of an approved plan, and the reserve
    # ------------------------------------------------------------

    def test_manager_cannot_rewrite_an_approved_plan(self):
        self.plan.invalidate_recordset()
        before = self.plan.read(["reserve_unallocated", "amount_total", "amount_planned", "date_to",
                                 "analytic_account_id"])[0]
        account = self.env["account.analytic.account"].create({
            "name": "Elsewhere", "plan_id": self.env.ref("customer_care_budget.analytic_plan_customer_care").id,
        })
        for values in ({"reserve_unallocated": 500000.0}, {"amount_total": 1.0}, {"amount_planned": 1.0},
                       {"date_to": "2027-12-31"}, {"analytic_account_id": account.id}, {"reserve_amount": 9000.0},
                       {"state": "draft"}, {"requested_by_id": self.care_manager_2.id}):
            self.assertRpcRefused(self.care_manager, "care.budget", "write", self.plan.ids, values)
        self.assertEqual(self.plan.read(list(before) + ["state"])[0], {**before, "state": "approved"})
        self.assertRpcRefused(self.care_manager, "care.budget.line", "write", self.gift_line.ids,
                              {"amount_original": 1e6})
        self.assertRpcRefused(self.care_manager, "care.budget.line", "write", self.gift_line.ids,
                              {"consumption_version": -5})

    def test_release_is_checked_against_the_change_log(self):
        self.assertRpcRefused(self.care_manager, "care.budget.change", "create", {
            "budget_id": self.plan.id, "change_type": "release", "line_to_id": self.gift_line.id,
            "amount": 500000.0, "reason": "Because",
        })
        # two releases in one call cannot both take the last of the reserve
        self.assertRpcRefused(self.care_manager, "care.budget.change", "create", [
            {"budget_id": self.plan.id, "change_type": "release", "line_to_id": line.id, "amount": 600.0,
             "reason": "Twice"}
            for line in (self.gift_line, self.meal_line)
        ])
        self.assertRecordValues(self.plan, [{"reserve_unallocated": 1000.0, "amount_total": 14000.0}])
        self.assertFalse(self.plan.change_ids)

    def test_changes_are_a_log_nobody_forges(self):
        change = self.env["care.budget.change"].with_user(self.care_manager).create({
            "budget_id": self.plan.id, "change_type": "release", "line_to_id": self.gift_line.id,
            "amount": 100.0, "reason": "Trade fair",
        })
        self.assertRpcRefused(self.care_manager, "care.budget.change", "write", change.ids, {"amount": 1.0})
        self.assertRpcRefused(self.care_manager, "care.budget.change", "create", {
            "budget_id": self.plan.id, "change_type": "release", "line_to_id": self.gift_line.id,
            "amount": 100.0, "reason": "Someone else did it", "user_id": self.care_manager_2.id,
        })
        # a default in the context is a value the client sends
        self.assertRpcRefused(
            self.care_manager, "care.budget.change", "create",
            {"budget_id": self.plan.id, "change_type": "release", "line_to_id": self.gift_line.id, "amount": 100.0,
             "reason": "Backdated"},
            context={"default_date": "2026-01-01 00:00:00"},
        )
        self.assertEqual(self.plan.change_ids, change)
        self.assertEqual(self.gift_line.amount_planned, 10100.0)

    def test_draft_line_keeps_its_revised_amount_derived(self):
        budget = self._budget()
        self.assertRpcRefused(self.care_manager, "care.budget.line", "write", budget.line_ids.ids,
                              {"amount_planned": 99999.0})
        self._approve(budget)
        self.assertEqual(budget.line_ids.amount_planned, 1000.0)

    # ------------------------------------------------------------
    # 4. care bills stay tied to their expense
    # ------------------------------------------------------------

    def test_accountant_cannot_detach_a_care_bill(self):
        expense = self._posted(400.0)
        items = expense.move_id.line_ids.filtered("care_expense_id")
        self.assertRpcRefused(self.care_accountant, "account.move.line", "write", items.ids, {"care_expense_id": False})
        self.assertRpcRefused(self.care_accountant, "account.move.line", "write", items.ids,
                              {"care_partner_id": self.partner_a.id})
        for method in ("button_draft", "button_cancel"):
            self.assertRpcRefused(self.care_accountant, "account.move", method, expense.move_id.ids)
        self.assertRecordValues(items, [{"care_expense_id": expense.id, "care_partner_id": self.customer.id}])
        self.assertRecordValues(expense.move_id, [{"state": "posted"}])
        self.assertEqual(self.gift_line.amount_actual, 400.0)

    def test_accountant_cannot_tie_other_items_to_an_expense(self):
        expense = self._approved(400.0)
        bill = self.init_invoice("in_invoice", amounts=[400.0], post=False)
        self.assertRpcRefused(self.care_accountant, "account.move.line", "write", bill.invoice_line_ids.ids,
                              {"care_expense_id": expense.id})
        self.assertFalse(bill.invoice_line_ids.care_expense_id)

    # ------------------------------------------------------------
    # 5. reviews are as confidential as their record
    # ------------------------------------------------------------

    def test_reviews_are_read_only_by_readers_of_the_record(self):
        expense = self._expense(300.0)
        expense.action_submit()
        review = expense.review_ids
        self.assertTrue(review)
        for outsider in (self.employee, self.other_manager):
            self.assertFalse(self.rpc(outsider, "tier.review", "search_read", [("model", "=", "care.expense")],
                                      ["res_id", "status", "requested_by"]))
            self.assertRpcRefused(outsider, "tier.review", "read", review.ids, ["comment", "requested_by"])
        self.assertEqual(
            [row["id"] for row in self.rpc(self.care_user, "tier.review", "search_read",
                                           [("id", "in", review.ids)], ["status"])],
            review.ids, "the requester reads the reviews of their expense",
        )

    # ------------------------------------------------------------
    # 6. segment fields of partners
    # ------------------------------------------------------------

    def test_segments_are_read_by_customer_care_only(self):
        self._set_segment(self.customer, care_clv=9000.0, care_churn_reason="revenue fell")
        fields = ["care_clv", "care_monetary", "care_score", "care_tier_id", "care_stage", "care_churn_reason"]
        for fname in fields:
            self.assertRpcRefused(self.employee, "res.partner", "read", self.customer.ids, [fname])
        portal = new_test_user(self.env, login="portal_customer", groups="base.group_portal")
        self._set_segment(portal.partner_id, care_clv=10.0)
        self.assertRpcRefused(portal, "res.partner", "read", portal.partner_id.ids, ["care_clv"])
        rows = self.rpc(self.care_user, "res.partner", "read", self.customer.ids, ["care_clv"])
        self.assertEqual(rows[0]["care_clv"], 9000.0)
        self.assertEqual(
            self.rpc(self.care_accountant, "res.partner", "read", self.customer.ids, ["care_stage"])[0]["care_stage"],
            "active",
        )

    def test_segments_are_not_typed_in(self):
        for user in (self.care_user, self.care_manager):
            self.assertRpcRefused(user, "res.partner", "write", self.customer.ids, {"care_score": 15})
            self.assertRpcRefused(user, "res.partner", "write", self.customer.ids, {"care_tier_id": self.tier_basic.id})
        self.assertRpcRefused(self.care_user, "res.partner", "write", self.customer.ids, {"care_annual_allowance": 1.0})
        self.rpc(self.care_manager, "res.partner", "write", self.customer.ids, {"care_annual_allowance": 500.0})
        self.rpc(self.care_user, "res.partner", "write", self.customer.ids, {"care_size": "large"})
        self.assertRecordValues(self.customer.with_company(self.company), [{
            "care_tier_id": self.tier_key.id, "care_annual_allowance": 500.0, "care_size": "large",
        }])

    # ------------------------------------------------------------
    # 7. evaluation results per customer, the ROI workbook
    # ------------------------------------------------------------

    def test_user_reads_customer_results_of_own_plans_only(self):
        self._approved(300.0)
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({
            "budget_id": self.plan.id, "date_from": "2026-01-01", "date_to": "2026-06-30",
        })
        evaluation.action_compute()
        domain = [("evaluation_id", "=", evaluation.id)]
        kinds = {row["kind"] for row in self.rpc(self.care_user, "care.evaluation.result", "search_read", domain,
                                                 ["kind"])}
        self.assertEqual(kinds, {"line", "tier", "activity"})
        customer_row = evaluation.customer_result_ids
        self.assertTrue(customer_row)
        self.assertRpcRefused(self.care_user, "care.evaluation.result", "read", customer_row.ids, ["spend"])
        self.assertEqual(len(self.rpc(self.care_manager, "care.evaluation.result", "search_read",
                                      domain + [("kind", "=", "customer")], ["spend"])), 1)
        self.plan.sudo().user_id = self.care_user  # the plan's responsible reads its customers
        self.assertEqual(len(self.rpc(self.care_user, "care.evaluation.result", "search_read",
                                      domain + [("kind", "=", "customer")], ["spend"])), 1)

        report = self.env["ir.actions.report"]
        with self.assertRaises(AccessError):
            report.with_user(self.care_user)._render_xlsx(
                "customer_care_budget.care_evaluation_roi_xlsx", evaluation.ids, {},
            )
        content, _kind = report.with_user(self.care_manager)._render_xlsx(
            "customer_care_budget.care_evaluation_roi_xlsx", evaluation.ids, {},
        )
        self.assertTrue(content)

    # ------------------------------------------------------------
    # 9. bad input gets a clear message
    # ------------------------------------------------------------

    def test_bad_numbers_dates_and_currencies_are_refused(self):
        inactive = self.env["res.currency"].with_context(active_test=False).search([("active", "=", False)], limit=1)
        base = {"partner_id": self.customer.id, "care_activity_type_id": self.gift.id, "purpose": "Gift"}
        for values in ({"amount": 100.0, "currency_id": inactive.id}, {"amount": 100.0, "date": "9999-12-31"},
                       {"amount": float("nan")}, {"amount": float("inf")}, {"amount": 1e300}, {"amount": "abc"}):
            error = self.assertRpcRefused(self.care_user, "care.expense", "create", {**base, **values})
            self.assertIsInstance(error, ValidationError)
        expense = self._expense(100.0)
        self.assertRpcRefused(self.care_user, "care.expense", "write", expense.ids, {"date": "9999-12-31"})
        self.assertRpcRefused(self.care_user, "care.expense", "write", expense.ids, {"amount": float("nan")})
        self.assertRecordValues(expense, [{"amount": 100.0}])
        self.assertEqual(str(expense.date), "2026-06-15")
        self.assertEqual(self.env["care.expense"].search_count([("partner_id", "=", self.customer.id)]), 1)

    def test_consumption_version_starts_at_zero(self):
        budget = self._budget()
        self.assertEqual(budget.line_ids.consumption_version, 0)
        self.env.cr.execute("SELECT is_nullable FROM information_schema.columns "
                            "WHERE table_name = 'care_budget_line' AND column_name = 'consumption_version'")
        self.assertEqual(self.env.cr.fetchone()[0], "NO")

    # ------------------------------------------------------------
    # context keys, requester
    # ------------------------------------------------------------

    def test_context_defaults_cannot_forge_a_state_or_a_requester(self):
        base = {"partner_id": self.customer.id, "care_activity_type_id": self.gift.id, "purpose": "Gift",
                "amount": 10.0}
        self.assertRpcRefused(self.care_user, "care.expense", "create", base, context={"default_state": "approved"})
        self.assertRpcRefused(self.care_user, "care.expense", "create", base,
                              context={"default_user_id": self.care_manager.id})
        self.assertRpcRefused(self.care_user, "care.expense", "create", {**base, "user_id": self.care_manager.id})
        self.assertFalse(self.env["care.expense"].search([("partner_id", "=", self.customer.id)]))

    def test_plan_responsible_reads_but_does_not_edit_others_expenses(self):
        self.plan.sudo().user_id = self.care_user
        expense = self._expense(100.0, user=self.care_manager_2)
        self.assertEqual(self.rpc(self.care_user, "care.expense", "read", expense.ids, ["amount"])[0]["amount"], 100.0)
        self.assertRpcRefused(self.care_user, "care.expense", "write", expense.ids, {"amount": 1.0})
        self.assertRpcRefused(self.care_user, "care.expense", "action_submit", expense.ids)
        self.assertRecordValues(expense, [{"amount": 100.0, "state": "draft"}])

    def test_workflow_steps_are_tracked_whatever_the_context(self):
        expense = self._expense(100.0)
        self.env.cr.precommit.run()  # as if created in an earlier request: creation discards tracking
        self.rpc(self.care_user, "care.expense", "action_submit", expense.ids,
                 context={"tracking_disable": True, "mail_notrack": True})
        self.env.cr.precommit.run()
        expense.invalidate_recordset()
        tracked = expense.sudo().message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "state")
        self.assertEqual(tracked.mapped("new_value_char"), ["Submitted"])

    def test_context_defaults_cannot_forge_reviews_bill_links_or_segments(self):
        expense = self._expense(100.0)
        expense.action_submit()
        override = self.env.ref("customer_care_budget.tier_definition_care_expense_override")
        self.assertRpcRefused(
            self.care_user, "tier.review", "create",
            {"res_id": expense.id, "definition_id": override.id, "status": "approved", "sequence": 99},
            context={"default_model": "care.expense"},
        )
        self.assertNotIn(override, expense.review_ids.definition_id)

        entry = self.env["account.move"].create({"move_type": "entry", "date": "2026-06-15"})
        self.assertRpcRefused(
            self.care_accountant, "account.move.line", "create",
            [{"move_id": entry.id, "account_id": self.expense_account.id, "debit": 500.0},
             {"move_id": entry.id, "account_id": self.company_data["default_account_payable"].id, "credit": 500.0}],
            context={"default_care_expense_id": expense.id},
        )
        self.assertFalse(entry.line_ids)

        self.assertRpcRefused(
            self.care_user, "res.partner", "create", {"name": "Forged", "is_company": True},
            context={"default_care_annual_allowance": 1e9, "default_care_tier_id": self.tier_strategic.id},
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged")]))

    def test_feedback_is_recorded_in_ones_own_name_whatever_the_context(self):
        values = {"partner_id": self.customer.id, "csat": "4"}
        self.assertRpcRefused(self.care_user, "care.feedback", "create", values,
                              context={"default_user_id": self.care_manager.id})
        error = self.assertRpcRefused(self.care_user, "care.feedback", "create", values, context={"default_nps": 11})
        self.assertIn("0 to 10", str(error))
        feedback_id = self.rpc(self.care_user, "care.feedback", "create", values, context={"default_nps": 9})
        self.assertRecordValues(self.env["care.feedback"].browse(feedback_id), [{
            "user_id": self.care_user.id, "nps": "9", "nps_category": "promoter",
        }])

    def test_plan_forms_only_offer_what_the_state_allows(self):
        # approved: a Manager may hand the plan to another responsible
        self.rpc(self.care_manager, "care.budget", "write", self.plan.ids, {"user_id": self.care_manager_2.id})
        self.assertEqual(self.plan.user_id, self.care_manager_2)
        waiting = self._budget()
        waiting.with_user(self.care_manager).action_submit()
        form = Form(waiting.with_user(self.care_manager))
        for fname in ("name", "user_id", "description", "reserve_amount"):
            self.assertTrue(form._get_modifier(fname, "readonly"), f"{fname} is read-only while waiting")

    # ------------------------------------------------------------
    # legitimate work still works
    # ------------------------------------------------------------

    def test_legitimate_work_still_works(self):
        expense = self._expense(100.0)
        self.rpc(self.care_user, "care.expense", "write", expense.ids, {"purpose": "Flowers for the opening"})
        self.assertEqual(expense.purpose, "Flowers for the opening")

        # a Manager transfers from the plan's form: the wizard gets its plan from the action's context
        action = self.plan.with_user(self.care_manager).action_open_change()
        with Form(self.env[action["res_model"]].with_user(self.care_manager).with_context(**action["context"])) as form:
            form.line_from_id = self.gift_line
            form.line_to_id = self.meal_line
            form.amount = 250.0
            form.reason = "More dinners with key accounts"
        self.assertRecordValues(self.gift_line | self.meal_line, [
            {"amount_planned": 9750.0}, {"amount_planned": 3250.0},
        ])

        # an Accountant posts, registers the payment and, after undoing it, cancels
        approved = self._approved(300.0)
        self.rpc(self.care_accountant, "care.expense", "action_post", approved.ids)
        self.assertEqual(approved.state, "posted")
        payment = self.env["account.payment.register"].with_user(self.care_accountant).with_context(
            active_model="account.move", active_ids=approved.move_id.ids,
        ).create({})._create_payments()
        self.assertEqual(approved.payment_status, "paid")
        payment.action_draft()
        payment.action_cancel()
        self.assertEqual(approved.payment_status, "not_paid")
        self.rpc(self.care_accountant, "care.expense", "action_cancel", approved.ids)
        self.assertRecordValues(approved, [{"state": "cancelled"}])
        self.assertEqual(approved.reversal_move_id.state, "posted")
