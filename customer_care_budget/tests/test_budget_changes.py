from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestBudgetChanges(CareTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.budget = cls._approve(cls._budget(
            lines=[(600.0, "2027-01-01", "2027-06-30"), (400.0, "2027-07-01", "2027-12-31")], reserve=100.0,
        ))
        cls.first, cls.second = cls.budget.line_ids.sorted("date_from")

    def _move(self, change_type, amount, reason="Summer event moved to spring", source=None, target=None, user=None):
        return self.env["care.budget.change"].with_user(user or self.care_manager).create({
            "budget_id": self.budget.id,
            "change_type": change_type,
            "line_from_id": (source or self.second).id if change_type == "transfer" else False,
            "line_to_id": (target or self.first).id,
            "amount": amount,
            "reason": reason,
        })

    def test_transfer_conserves_the_total(self):
        self._move("transfer", 150.0)
        self.assertRecordValues(self.first + self.second, [{"amount_planned": 750.0}, {"amount_planned": 250.0}])
        self.assertRecordValues(self.budget, [{"amount_planned": 1000.0, "amount_total": 1100.0}])
        self.assertIn("Summer event moved to spring", self.budget.message_ids[0].body)

    def test_release_moves_reserve_into_a_line(self):
        self._move("release", 60.0, reason="Key account escalation")
        self.assertRecordValues(self.budget, [{
            "amount_planned": 1060.0, "reserve_released": 60.0, "reserve_unallocated": 40.0, "amount_total": 1100.0,
        }])
        self.assertEqual(self.first.amount_planned, 660.0)
        self.assertIn("Key account escalation", self.budget.message_ids[0].body)

    def test_no_total_may_turn_negative(self):
        with self.assertRaisesRegex(ValidationError, "left to transfer"):
            self._move("transfer", 400.01)
        with self.assertRaisesRegex(ValidationError, "left to release"):
            self._move("release", 100.01)
        with self.assertRaises(ValidationError):
            self._move("transfer", 10.0, source=self.first, target=self.first)
        self.assertRecordValues(self.first + self.second, [{"amount_planned": 600.0}, {"amount_planned": 400.0}])

    def test_reason_is_required(self):
        with self.assertRaisesRegex(ValidationError, "reason"):
            self._move("transfer", 10.0, reason="   ")

    def test_changes_are_a_log(self):
        change = self._move("transfer", 10.0)
        with self.assertRaises(AccessError):  # nobody has write access to the log
            change.with_user(self.care_manager).write({"amount": 500.0})
        with self.assertRaises(UserError):
            change.unlink()

    def test_only_managers_move_money_on_approved_budgets(self):
        with self.assertRaises(AccessError):
            self._move("transfer", 10.0, user=self.care_user)
        draft = self._budget()
        with self.assertRaisesRegex(UserError, "approved budget"):
            self.env["care.budget.change"].with_user(self.care_manager).create({
                "budget_id": draft.id, "change_type": "release", "line_to_id": draft.line_ids.id,
                "amount": 1.0, "reason": "too early",
            })
