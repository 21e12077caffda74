from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestFeedback(CareTestCommon):
    """Customer feedback: scores, NPS categories, complaints, the customer's latest scores, access."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()  # cls.customer, and a plan to spend on

    def _feedback(self, user=None, **values):
        return self.env["care.feedback"].with_user(user or self.care_user).create({
            "partner_id": self.customer.id, "date": "2026-06-01", **values,
        })

    def test_nps_categories_at_their_edges(self):
        expected = {0: "detractor", 6: "detractor", 7: "passive", 8: "passive", 9: "promoter", 10: "promoter"}
        for score, category in expected.items():
            self.assertEqual(self._feedback(nps=str(score)).nps_category, category, f"NPS {score}")
        self.assertFalse(self._feedback(csat="4").nps_category, "no NPS score, no category")

    def test_scores_out_of_range_are_refused(self):
        for values, message in (({"nps": "11"}, "NPS score must be a whole number from 0 to 10"),
                                ({"nps": 11}, "from 0 to 10"),
                                ({"csat": "0"}, "CSAT must be a whole number from 1 to 5"),
                                ({"csat": 6}, "from 1 to 5")):
            with self.assertRaisesRegex(ValidationError, message):
                self._feedback(**values)
        with self.assertRaisesRegex(ValidationError, "from 1 to 5"):
            self._feedback(csat=0)
        self.assertEqual(self._feedback(nps=0).nps_category, "detractor", "0 is a score, the lowest")
        feedback = self._feedback(nps=9)
        self.assertEqual(feedback.nps, "9", "a number is taken as its score")
        with self.assertRaisesRegex(ValidationError, "from 0 to 10"):
            feedback.write({"nps": "-1"})
        self.assertEqual(feedback.nps, "9")

    def test_future_dates_are_refused(self):
        tomorrow = fields.Date.context_today(self.env["care.feedback"]) + timedelta(days=1)
        with self.assertRaisesRegex(ValidationError, "future"):
            self._feedback(date=tomorrow, csat="3")

    def test_complaints_open_by_default(self):
        complaint = self._feedback(channel="complaint", comment="Late delivery")
        self.assertRecordValues(complaint, [{"is_complaint": True, "complaint_state": "open"}])
        call = self._feedback(channel="phone", csat="5")
        self.assertFalse(call.is_complaint)
        call.is_complaint = True
        self.assertEqual(call.complaint_state, "open")

    def test_feedback_on_an_expense_of_the_customer(self):
        expense = self._expense(100.0)
        feedback = self._feedback(partner_id=self.customer.id, expense_id=expense.id, csat="5")
        self.assertEqual(feedback.care_activity_type_id, self.gift, "the activity comes from the expense")
        with self.assertRaisesRegex(ValidationError, "another customer"):
            self._feedback(partner_id=self._customer("Someone else").id, expense_id=expense.id)

    def test_customer_shows_latest_scores(self):
        self._feedback(date="2026-05-01", csat="2", nps="3")
        self._feedback(date="2026-06-01", csat="5")
        self._feedback(date="2026-04-01", nps="10")
        customer = self.customer.with_user(self.care_user)
        self.assertEqual((customer.care_feedback_count, customer.care_last_csat, customer.care_last_nps), (3, 5, "3"))
        action = customer.action_care_view_feedback()
        self.assertEqual(len(self.env["care.feedback"].search(action["domain"])), 3)

    def test_form_records_feedback(self):
        form = Form(self.env["care.feedback"].with_user(self.care_user))
        form.partner_id = self.customer
        form.channel = "visit"
        form.csat = "4"
        form.nps = "8"
        feedback = form.save()
        self.assertRecordValues(feedback, [{"user_id": self.care_user.id, "nps_category": "passive"}])

    def test_users_read_all_but_change_their_own(self):
        other = self._care_user("care_user_2", "customer_care_budget.group_care_user", [Command.set(self.company.ids)])
        theirs = self._feedback(user=other, csat="3")
        self.assertEqual(theirs.with_user(self.care_user).csat, "3")
        with self.assertRaises(AccessError):
            theirs.with_user(self.care_user).write({"csat": "1"})
        with self.assertRaises(AccessError):
            theirs.with_user(self.care_user).unlink()
        theirs.with_user(self.care_manager).write({"csat": "4"})
        with self.assertRaisesRegex(AccessError, "in someone else's name"):
            self._feedback(csat="3", user_id=other.id)
        with self.assertRaises(AccessError):
            self._feedback(user=self.care_accountant, csat="3")

    def test_other_company_feedback_is_invisible(self):
        company_b = self.setup_other_company(name="Care Company B")["company"]
        user_b = self._care_user("user_b", "customer_care_budget.group_care_manager", [Command.set(company_b.ids)])
        self._feedback(csat="5")
        self.assertFalse(self.env["care.feedback"].with_user(user_b).search([("partner_id", "=", self.customer.id)]))
