from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestForms(CareTestCommon):
    """What the web client's forms send and show: the fields they leave out, their onchanges, their
    domains (``Form`` follows the views as the client does)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()

    def _new_expense(self, amount):
        form = Form(self.env["care.expense"].with_user(self.care_user))
        form.partner_id = self.customer
        form.care_activity_type_id = self.gift
        form.purpose = "Thank-you gift"
        form.amount = amount
        return form

    def test_a_new_expense_draws_its_number_once_saved(self):
        sequence = self.env["ir.sequence"].search([("code", "=", "care.expense"),
                                                    ("company_id", "in", [self.company.id, False])], limit=1)
        before = sequence.number_next_actual
        form = self._new_expense(50.0)
        self.assertEqual(form.name, "New Expense", "an unsaved expense has no number yet")
        self.assertEqual(sequence.number_next_actual, before, "the onchanges drew no number")
        first = form.save()
        second = self._new_expense(60.0).save()
        numbers = [int(expense.name.rsplit("/", 1)[1]) for expense in first | second]
        self.assertEqual(numbers[1], numbers[0] + 1, "no number is burnt between two expenses")

    def test_evaluations_new_picks_a_plan(self):
        form_view = self.env["care.evaluation"].get_views([(False, "form")])
        budget_field = form_view["models"]["care.evaluation"]["fields"]["budget_id"]
        self.assertNotIn("company_id", str(budget_field.get("domain", "")),
                         "a new evaluation has no company yet: the plan's domain must not need one")
        with freeze_time("2026-06-30"):
            form = Form(self.env["care.evaluation"].with_user(self.care_manager))
            self.assertEqual(form.name, "New Evaluation")
            form.budget_id = self.plan
            evaluation = form.save()
        self.assertRecordValues(evaluation, [{
            "company_id": self.company.id, "date_from": date(2026, 1, 1),
            "date_to": date(2026, 6, 30),  # the plan runs: its period so far, not months to come
        }])
        self.assertIn("Care 2026", evaluation.name)

    def test_a_draft_expense_shows_its_customers_segment(self):
        form = self._new_expense(50.0)
        self.assertEqual((form.customer_tier_id, form.customer_stage), (self.tier_key, "active"))
        expense = form.save()
        self.assertEqual(expense.customer_tier_id, self.tier_key, "lists and group-bys see drafts' tiers too")
        self._set_segment(self.customer, care_tier_id=self.tier_standard.id)
        expense.action_submit()
        self.assertEqual(expense.customer_tier_id, self.tier_standard, "submission copies the segment of that day")
        self._set_segment(self.customer, care_tier_id=self.tier_basic.id)
        expense.action_reset_to_draft()
        self.assertEqual(expense.customer_tier_id, self.tier_basic, "back in draft: the segment of today")

    def test_names_are_words_and_the_users_dates(self):
        self.assertEqual((self.gift_line.segment, self.meal_line.segment), ("All tiers", self.tier_key.name))
        self.assertEqual(self.gift_line.display_name, f"{self.gift.name} / All tiers / 2026")
        march = self._budget(lines=((100.0, "2027-03-01", "2027-03-31"), (100.0, "2027-03-02", "2027-04-15")))
        self.assertEqual(march.line_ids.mapped("period_name"), ["Mar 2027", "03/02/2027 – 04/15/2027"])
        with freeze_time("2026-06-30"):
            evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        self.assertEqual(evaluation.name, "Care 2026, 01/01/2026 – 06/30/2026")
        self.assertEqual(evaluation.search([("name", "ilike", "care 2026")]), evaluation)
        self.assertEqual(evaluation.search([("name", "=", "Care 2026, 01/01/2026 – 06/30/2026")]), evaluation)
        self.assertNotIn(evaluation, evaluation.search([("name", "!=", "Care 2026, 01/01/2026 – 06/30/2026")]))

    def test_the_allocation_previews_the_tiers_shares_while_typing(self):
        budget = self._budget()
        form = Form(self.env["care.budget.allocate"].with_user(self.care_manager).with_context(
            default_budget_id=budget.id))
        form.activity_type_id = self.gift
        form.amount = 900.0
        self.assertIn(f"<td>{self.tier_key.name}</td>", form.preview, "the onchange's tiers are counted too")

    def test_a_finished_plan_is_evaluated_over_its_whole_period(self):
        with freeze_time("2027-02-01"):
            evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        self.assertRecordValues(evaluation, [{"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}])

    def test_approval_speaks_of_the_care_manager_and_offers_only_our_buttons(self):
        expense = self._expense(100.0)
        expense.action_submit()
        self.assertEqual(expense.review_ids.todo_by, "Customer Care / Manager")
        self.assertIn("Customer Care / Manager", str(expense.to_validate_message))
        for model in ("care.expense", "care.budget"):
            arch = str(self.env[model].get_views([(False, "form")])["views"]["form"]["arch"])
            with self.subTest(model=model):
                self.assertNotIn('name="restart_validation"', arch)
                self.assertNotIn('name="request_validation"', arch)
                self.assertIn('name="validate_tier"', arch)

    def test_receipts_are_the_chatter_attachments_previewed_beside_the_form(self):
        arch = str(self.env["care.expense"].get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertNotIn("many2many_binary", arch, "no Many2many widget on the One2many of receipts")
        self.assertIn("o_attachment_preview", arch)
        expense = self._new_expense(300.0).save()  # above the gift's receipt threshold
        self.env["ir.attachment"].with_user(self.care_user).create({  # what the chatter's upload creates
            "name": "receipt.pdf", "raw": b"%PDF receipt", "res_model": "care.expense", "res_id": expense.id,
        })
        expense.action_submit()
        self.assertEqual(expense.state, "submitted", "the chatter's attachment is the receipt the policy wants")

    def test_every_window_action_tells_a_first_time_user_what_to_do(self):
        actions = self.env["ir.actions.act_window"].search([
            ("id", "in", self.env["ir.model.data"].search([
                ("module", "=", "customer_care_budget"), ("model", "=", "ir.actions.act_window"),
            ]).mapped("res_id")),
            ("target", "!=", "new"), ("res_model", "!=", "res.config.settings"),
        ])
        self.assertGreater(len(actions), 10)
        for action in actions:
            with self.subTest(action=action.name):
                self.assertIn("o_view_nocontent", action.help or "")

    def test_administrator_data_survives_an_update(self):
        for xmlid in ("care_activity_gift", "care_tier_key", "tier_definition_care_budget_manager",
                      "tier_definition_care_expense_manager", "mail_activity_care_expense_approval",
                      "seq_care_expense", "analytic_plan_customer_care"):
            with self.subTest(xmlid=xmlid):
                data = self.env["ir.model.data"].search([("module", "=", "customer_care_budget"), ("name", "=", xmlid)])
                self.assertTrue(data.noupdate, f"{xmlid} is noupdate: a module update keeps an administrator's edits")
