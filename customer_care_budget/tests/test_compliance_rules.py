import io

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestComplianceRules(CareTestCommon):
    """Spending rules as data: each one at its edge, blocking (refused with the numbers, nothing saved) or warning
    (submitted with a justification every reviewer reads); public officials' caps and their compliance approval;
    spending against the customer's trailing margin; the compliance views and their access."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()
        cls.buyer, cls.ceo = (cls.env["res.partner"].create({"name": name, "parent_id": cls.customer.id})
                              for name in ("Ann Buyer", "Bob Ceo"))

    def _rule(self, kind, severity, **values):
        return self.env["care.expense.rule"].create({
            "name": f"{kind} rule", "kind": kind, "severity": severity, "company_id": self.company.id, **values,
        })

    def _gift(self, amount, *recipients, **values):
        return self._expense(amount, recipient_ids=[Command.set([person.id for person in recipients])], **values)

    def _dinner(self, amount, **values):
        return self._expense(amount, activity=self.meal, recipient_ids=[Command.set((self.buyer | self.ceo).ids)],
                             **values)

    def _refusal(self, expense):
        """The error submitting ``expense`` raises (spaces as typed); the expense stays a draft with nothing saved."""
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            expense.action_submit()
        self.assertRecordValues(expense, [{"state": "draft", "policy_warning": False, "date_submitted": False}])
        return caught.exception.args[0].replace("\xa0", " ")

    def _submit_justified(self, expense, justification):
        self.assertIn("This rule only warns: give a justification to submit.", self._refusal(expense))
        expense.justification = justification
        expense.action_submit()
        self.assertEqual(expense.state, "submitted")
        return expense

    # ------------------------------------------------------------
    # each rule at its edge, in both severities
    # ------------------------------------------------------------

    def test_value_per_person_blocks_or_warns_above_its_limit(self):
        rule = self._rule("per_person", "block", amount_limit=200.0, activity_type_id=self.meal.id)
        self.assertEqual(self._submit_and_approve(self._dinner(400.0)).state, "approved", "at the limit")
        over = self._dinner(400.02)
        self.assertIn("$ 200.01 per person ($ 400.02 for 2) is above the limit of $ 200.00 per person "
                      "(per_person rule)", self._refusal(over))
        self.assertEqual(self._submit_and_approve(self._expense(401.0)).state, "approved", "gifts are not meals")

        rule.severity = "warn"
        self._submit_justified(over, "The contract signing dinner")
        warning = over.with_user(self.care_manager).read(["policy_warning", "justification"])[0]
        self.assertIn("$ 200.01 per person", warning["policy_warning"].replace("\xa0", " "))
        self.assertEqual(warning["justification"], "The contract signing dinner")
        self.assertIn("The contract signing dinner", "".join(over.message_ids.mapped("body")))
        over.with_user(self.care_manager).validate_tier()
        self.assertEqual(over.state, "approved", "the justification answers the warning at approval too")
        self.assertIn(over, self.env["care.expense"].with_user(self.care_compliance).search(
            [("policy_warning", "!=", False)]))

    def test_a_recipients_yearly_value_is_capped_across_expenses(self):
        self._rule("recipient_year", "block", amount_limit=1000.0, activity_type_id=self.gift.id)
        self._submit_and_approve(self._gift(600.0, self.buyer))
        at_cap = self._gift(400.0, self.buyer, date="2026-06-16")
        self.assertEqual(self._submit_and_approve(at_cap).state, "approved", "exactly the cap")
        over = self._gift(50.0, self.buyer, date="2026-06-17")
        self.assertIn("Ann Buyer would receive $ 1,050.00 in 2026 ($ 1,000.00 already, $ 50.00 now): above the yearly "
                      "limit of $ 1,000.00 per recipient", self._refusal(over))
        for other in (self._gift(51.0, self.ceo),  # another person
                      self._expense(52.0, activity=self.meal, recipient_ids=[Command.set(self.buyer.ids)]),  # a meal
                      self._gift(53.0, self.care_manager.partner_id, date="2026-06-18")):  # our own people
            self.assertEqual(self._submit_and_approve(other).state, "approved")

        caps = self.env["care.recipient.cap"].with_user(self.care_compliance)
        cap = caps.search([("recipient_id", "=", self.buyer.id)])
        self.assertRecordValues(cap, [{"year": 2026, "event_count": 2, "amount": 1000.0, "cap": 1000.0,
                                       "cap_used_pct": 100.0, "partner_id": self.customer.id}])

    def test_a_yearly_cap_is_checked_again_when_the_last_approval_lands(self):
        rule = self._rule("recipient_year", "block", amount_limit=1000.0)
        first, second = self._gift(600.0, self.buyer), self._gift(650.0, self.buyer, date="2026-06-16")
        first.action_submit()
        second.action_submit()  # nothing approved yet: under the cap
        first.with_user(self.care_manager).validate_tier()
        with self.assertRaisesRegex(ValidationError, "Ann Buyer would receive"), self.env.cr.savepoint():
            second.with_user(self.care_manager).validate_tier()
        self.assertEqual(second.state, "submitted")
        rule.severity = "warn"
        with self.assertRaisesRegex(ValidationError, "This warning is new since the submission: reset the expense"), \
                self.env.cr.savepoint():
            second.with_user(self.care_manager).validate_tier()
        second.with_user(self.care_manager).action_reset_to_draft()
        self._submit_justified(second, "Two gifts for one wedding")
        self.assertEqual(second.warned_rule_ids, rule)
        second.with_user(self.care_manager).validate_tier()
        self.assertEqual(second.state, "approved", "the warning the reviewers read")

    def test_events_per_recipient_are_counted_over_the_period(self):
        rule = self._rule("recipient_frequency", "block", max_count=2, period_days=30)
        for day, amount in (("2026-05-16", 110.0), ("2026-06-01", 120.0)):
            self._submit_and_approve(self._gift(amount, self.buyer, date=day))
        # 16 May is the 31st day back: the window of 30 days holds 1 June only
        self.assertEqual(self._submit_and_approve(self._gift(130.0, self.buyer)).state, "approved")
        fourth = self._gift(140.0, self.buyer)
        self.assertIn("Ann Buyer would have 3 events from 05/17/2026 to 06/15/2026: at most 2 per 30 days",
                      self._refusal(fourth))
        # dated before what is approved: the window from 3 May holds 16 May, 20 May and 1 June
        self.assertIn("Ann Buyer would have 3 events from 05/03/2026 to 06/01/2026",
                      self._refusal(self._gift(150.0, self.buyer, date="2026-05-20")))
        rule.severity = "warn"
        self._submit_justified(fourth, "The yearly fair: one gift a day is the custom")

    def test_an_expense_older_than_the_maximum_age_at_submission(self):
        rule = self._rule("max_age", "block", max_age_days=16)
        on_time, late = self._expense(100.0), self._expense(110.0, date="2026-06-14")
        with freeze_time("2026-07-01"):
            on_time.action_submit()  # 16 days
            self.assertIn("submitted 17 days after its date 06/14/2026: at most 16 days", self._refusal(late))
        with freeze_time("2026-09-01"):
            on_time.with_user(self.care_manager).validate_tier()
            self.assertEqual(on_time.state, "approved", "the age is that at submission, not at approval")
            rule.severity = "warn"
            self._submit_justified(late, "The receipt came late from the hotel")

    def test_a_receipt_above_the_rules_threshold(self):
        rule = self._rule("receipt", "block", amount_limit=100.0, activity_type_id=self.gift.id)
        self.assertEqual(self._submit_and_approve(self._expense(100.0, receipt=False)).state, "approved", "at it")
        without = self._expense(150.0, receipt=False)
        self.assertIn("no receipt for $ 150.00: a receipt is required above $ 100.00", self._refusal(without))
        rule.severity = "warn"
        self._submit_justified(without, "A street vendor gives no receipt")

    def test_the_same_receipt_twice_may_only_warn(self):
        self.env.ref("customer_care_budget.care_expense_rule_receipt_reused").severity = "warn"
        mine = self._expense(100.0, receipt=False)
        theirs = self._expense(120.0, user=self.care_manager_2, receipt=False)
        for expense in (mine, theirs):
            self.env["ir.attachment"].create({"name": "bill.pdf", "raw": b"%PDF one bill", "res_model": "care.expense",
                                              "res_id": expense.id})
        self._submit_and_approve(theirs)
        self._submit_justified(mine, "Two dinners on one bill")
        self.assertIn(f"same file as that of {theirs.name}", mine.policy_warning)
        found = self.env["care.expense"].with_user(self.care_compliance).search([("shared_receipt", "=", True)])
        self.assertEqual(found & (mine | theirs | self._expense(90.0)), mine | theirs)
        self.assertTrue(mine.with_user(self.care_compliance).shared_receipt)

    def test_every_person_named(self):
        rule = self._rule("recipients_named", "block")
        self.assertIn("it names no recipient", self._refusal(self._expense(100.0)))
        self.assertIn("it counts 3 persons but names 1: name every person",
                      self._refusal(self._gift(100.0, self.buyer, person_count=3)))
        self.assertEqual(self._submit_and_approve(self._gift(100.0, self.buyer, self.care_manager.partner_id,
                                                             date="2026-06-14")).state, "approved")
        rule.severity = "warn"
        self._submit_justified(self._expense(110.0), "A gift basket for the whole office")

    def test_a_rule_needs_its_limits(self):
        with self.assertRaisesRegex(ValidationError, "Period"), self.env.cr.savepoint():
            self._rule("recipient_frequency", "warn", max_count=2)
        with self.assertRaisesRegex(ValidationError, "Limit"), self.env.cr.savepoint():
            self._rule("recipient_year", "block")
        rule = self._rule("margin_share", "warn", max_share_pct=20.0)
        self.assertEqual(rule.limit_display, "20.0 % of the trailing margin")
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            rule.max_share_pct = -5.0

    # ------------------------------------------------------------
    # public officials
    # ------------------------------------------------------------

    def test_public_officials_have_stricter_caps(self):
        self._rule("recipient_year", "block", amount_limit=2000.0, activity_type_id=self.gift.id)
        self._rule("recipient_year", "block", amount_limit=200.0, activity_type_id=self.gift.id, scope="officials",
                   name="Officials: 200 a year")
        self.buyer.care_public_official = True
        self.assertEqual(self._submit_and_approve(self._gift(300.0, self.ceo)).state, "approved")
        refusal = self._refusal(self._gift(300.0, self.buyer, date="2026-06-16"))
        self.assertIn("Ann Buyer would receive $ 300.00 in 2026", refusal)
        self.assertIn("(Officials: 200 a year)", refusal)
        self.assertNotIn("Bob Ceo", refusal)

    def test_a_public_official_always_needs_the_compliance_approval(self):
        self.buyer.care_public_official = True
        dinner = self._dinner(100.0)
        dinner.action_submit()
        self.assertTrue(dinner.official_recipient)
        compliance = self.env.ref("customer_care_budget.tier_definition_care_expense_official")
        self.assertIn(compliance, dinner.review_ids.definition_id, "whatever the amount")
        dinner.with_user(self.care_manager).validate_tier()
        self.assertEqual(dinner.state, "submitted", "the compliance level comes first")
        self.buyer.care_public_official = False
        dinner.with_user(self.care_compliance).validate_tier()
        self.assertEqual(dinner.state, "submitted", "frozen at submission: the Manager's level still follows")
        dinner.with_user(self.care_manager).validate_tier()
        self.assertEqual(dinner.state, "approved")
        self.assertEqual(dinner.review_ids.filtered(lambda rev: rev.definition_id == compliance).done_by,
                         self.care_compliance)

        with self.assertRaisesRegex(UserError, "locked once submitted"), self.env.cr.savepoint():
            self.env["ir.attachment"].with_user(self.care_user).create({
                "name": "other.pdf", "raw": b"%PDF other", "res_model": "care.expense", "res_id": dinner.id})
        with self.assertRaisesRegex(UserError, "locked once submitted"), self.env.cr.savepoint():
            dinner.attachment_ids.with_user(self.care_manager).unlink()

        plain = self._dinner(90.0)
        plain.action_submit()
        self.assertFalse(plain.official_recipient)
        with self.assertRaisesRegex(UserError, "not a reviewer"), self.env.cr.savepoint():
            plain.with_user(self.care_compliance).validate_tier()
        self.assertRpcRefused(self.care_compliance, "care.expense", "write", plain.ids, {"purpose": "Changed"})

    def test_only_a_manager_removes_an_officials_tag(self):
        soe = self.env["res.partner.category"].create({"name": "SOE staff"})
        other = self.env["res.partner.category"].create({"name": "Golf"})
        self.company.care_official_category_ids = soe
        self.buyer.category_id = soe | other
        self.rpc(self.care_user, "res.partner", "write", self.buyer.ids, {"category_id": [Command.unlink(other.id)]})
        self.assertRpcRefused(self.care_user, "res.partner", "write", self.buyer.ids,
                              {"category_id": [Command.unlink(soe.id)]})
        self.buyer.invalidate_recordset()
        self.assertEqual(self.buyer.category_id, soe)
        self.rpc(self.care_manager, "res.partner", "write", self.buyer.ids, {"category_id": [Command.clear()]})
        self.buyer.invalidate_recordset()
        self.assertFalse(self.buyer.category_id)

    def test_the_compliance_approver_group_is_configurable(self):
        self.env.ref("customer_care_budget.tier_definition_care_expense_official").reviewer_group_id = \
            self.env.ref("customer_care_budget.group_care_admin")
        self.company.care_official_category_ids = self.env["res.partner.category"].create({"name": "SOE staff"})
        self.buyer.category_id = self.company.care_official_category_ids
        dinner = self._dinner(100.0)
        dinner.action_submit()
        with self.assertRaisesRegex(UserError, "not a reviewer"), self.env.cr.savepoint():
            dinner.with_user(self.care_compliance).validate_tier()
        dinner.with_user(self.care_admin).validate_tier()
        dinner.with_user(self.care_manager).validate_tier()
        self.assertEqual(dinner.state, "approved")

    # ------------------------------------------------------------
    # spend against margin
    # ------------------------------------------------------------

    @freeze_time("2026-07-01")
    def test_spending_against_the_trailing_margin(self):
        for move_type, day, amount in (("out_invoice", "2026-03-01", 10000.0), ("out_refund", "2026-04-01", 2000.0),
                                       ("out_invoice", "2025-06-01", 5000.0)):  # out of the 364 days
            self.init_invoice(move_type, partner=self.customer, invoice_date=day, amounts=[amount], post=True)
        # 8,000 x 40 % = 3,200 of margin over the 364 days to today, and to the expenses' date: 320 of care
        rule = self._rule("margin_share", "block", max_share_pct=10.0)
        self._submit_and_approve(self._expense(200.0))
        customer = self.customer.with_user(self.care_user)
        self.assertRecordValues(customer, [{"care_trailing_margin": 3200.0, "care_trailing_spend": 200.0,
                                            "care_margin_ratio": 6.25}])
        self.assertRecordValues(self.tier_key.with_company(self.company), [
            {"trailing_margin": 3200.0, "trailing_spend": 200.0, "margin_ratio": 6.25}])
        self.assertEqual(self._submit_and_approve(self._expense(120.0)).state, "approved", "exactly 10 %")
        self.assertIn("care spending on Kept Customer would reach $ 330.00 ($ 320.00 already, $ 10.00 now) against a "
                      "trailing gross margin of $ 3,200.00: at most 10.0 % of it, $ 320.00",
                      self._refusal(self._expense(10.0)))
        never_invoiced = self._customer("New Prospect")
        self.assertIn("against a trailing gross margin of $ 0.00",
                      self._refusal(self._expense(10.0, partner=never_invoiced)))
        rule.severity = "warn"
        self._submit_justified(self._expense(11.0), "The yearly review's small thank-you")

    # ------------------------------------------------------------
    # compliance views: access, and the register's XLSX
    # ------------------------------------------------------------

    def test_access_to_rules_and_compliance_views(self):
        rule = self._rule("per_person", "warn", amount_limit=100.0)
        self.assertEqual(rule.with_user(self.care_user).limit_display.replace("\xa0", " "), "$ 100.00 per person")
        for user in (self.care_user, self.care_manager, self.care_compliance):
            self.assertRpcRefused(user, "care.expense.rule", "write", rule.ids, {"severity": "block"})
            self.assertRpcRefused(user, "care.expense.rule", "create", {"name": "Mine", "kind": "receipt_reused"})
        self.rpc(self.care_admin, "care.expense.rule", "write", rule.ids, {"severity": "block"})
        rule.invalidate_recordset()
        self.assertEqual(rule.severity, "block")

        self._rule("recipient_year", "block", amount_limit=1000.0)
        self._submit_and_approve(self._gift(100.0, self.buyer))
        with self.assertRaises(AccessError):
            self.env["care.recipient.cap"].with_user(self.care_user).search([])
        for reader in (self.care_manager, self.care_compliance):
            self.assertEqual(len(self.env["care.recipient.cap"].with_user(reader).search([])), 1)
        other = self.setup_other_company(name="Care Company B")["company"]
        outsider = self._care_user("compliance_b", "customer_care_budget.group_care_compliance",
                                   [Command.set(other.ids)])
        self.assertFalse(self.env["care.recipient.cap"].with_user(outsider).search([]))
        self.assertFalse(self.env["care.expense"].with_user(outsider).search([("policy_warning", "=", False)]))
        self.assertFalse(rule.with_user(outsider).search([("id", "=", rule.id)]), "another company's rule")

        menu = self.env.ref("customer_care_budget.customer_care_menu_compliance").id
        for user, visible in ((self.care_compliance, True), (self.care_manager, True), (self.care_user, False),
                              (self.care_accountant, False)):
            self.assertEqual(menu in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids(), visible, user.login)

    def test_the_register_exports_by_recipient_with_totals(self):
        for amount, recipients, day in ((300.0, self.buyer | self.ceo, "2026-06-12"), (80.0, self.buyer, "2026-06-11")):
            self._submit_and_approve(self._gift(amount, *recipients, date=day))
        rows = self.env["care.gift.register"].with_user(self.care_compliance).search([])
        content, kind = self.env["ir.actions.report"].with_user(self.care_compliance)._render_xlsx(
            "customer_care_budget.care_gift_register_xlsx_report", rows.ids, None,
        )
        self.assertEqual(kind, "xlsx")
        sheet = load_workbook(io.BytesIO(content)).active
        values = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
        self.assertEqual([(row[0], row[7]) for row in values], [
            ("Ann Buyer", 80.0), ("Ann Buyer", 150.0), ("Total Ann Buyer (2)", 230.0),
            ("Bob Ceo", 150.0), ("Total Bob Ceo (1)", 150.0),
            ("Total (3)", 380.0),
        ])
        self.assertEqual(values[0][10], self.care_manager.name, "the approver")
        self.assertEqual(values[0][3].date().isoformat(), "2026-06-11")
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.care_user)._render_xlsx(
                "customer_care_budget.care_gift_register_xlsx_report", rows.ids, None,
            )
