from datetime import date, datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.customer_care_budget.models.res_partner import CARE_MANAGER_FIELDS

from .common import CareTestCommon

MAGIC = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}


@tagged("post_install", "-at_install")
class TestWriteAllowList(CareTestCommon):
    """For every model of the addon, in every state: writing a stored computed or related field, as the
    weakest group that may write the record, is refused or has no effect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_expenses()

    def _forged(self, record, fname):
        """A value ``fname`` does not hold on ``record``."""
        field, value = record._fields[fname], record[fname]
        if field.type == "many2one":
            return self.env[field.comodel_name].sudo().search([("id", "!=", value.id)], limit=1).id
        if field.type in ("float", "monetary", "integer"):
            return (value or 0) + 7
        if field.type == "boolean":
            return not value
        if field.type == "date":
            return date(2026, 3, 3) if value != date(2026, 3, 3) else date(2026, 4, 4)
        if field.type == "datetime":
            return datetime(2026, 3, 3, 8, 0)
        if field.type == "selection":
            keys = [key for key, _label in field._description_selection(self.env) if key != value]
            return keys[0] if keys else None
        if field.type in ("char", "text", "html"):
            return "forged"
        return None  # x2many: none is a stored computed field

    def _assert_refused_or_no_effect(self, user, record, fnames):
        record = record.with_env(self.env)
        guarded = hasattr(record, "_care_writable_fields")
        state = record._care_state() if guarded else None
        writable = record._care_writable_fields(state) if guarded else set()
        for fname in sorted(set(fnames) - writable):
            value = self._forged(record, fname)
            if value is None:
                continue
            with self.subTest(model=record._name, state=state, field=fname):
                before = record[fname]
                try:
                    with self.env.cr.savepoint():
                        self.rpc(user, record._name, "write", record.ids, {fname: value})
                except (AccessError, UserError) as error:
                    refused = error  # refused: the value below must not have moved either
                else:
                    refused = None
                record.invalidate_recordset()
                self.assertEqual(record[fname], before, f"{record._name}.{fname} was forged in {state} ({refused})")

    def _derived_fields(self, model):
        return [
            fname for fname, field in self.env[model]._fields.items()
            if field.store and (field.compute or field.related) and fname not in MAGIC
        ]

    def _expenses_in_every_state(self):
        draft = self._expense(100.0)
        submitted = self._expense(110.0)
        submitted.action_submit()
        approved = self._submit_and_approve(self._expense(120.0))
        posted = self._submit_and_approve(self._expense(130.0))
        posted.with_user(self.care_accountant).action_post()
        rejected = self._expense(140.0)
        rejected.action_submit()
        rejected.with_user(self.care_manager)._reject("Not this time")
        cancelled = self._expense(150.0)
        cancelled.action_cancel()
        expenses = draft | submitted | approved | posted | rejected | cancelled
        self.assertEqual(expenses.mapped("state"),
                         ["draft", "submitted", "approved", "posted", "rejected", "cancelled"])
        return expenses

    def _budgets_in_every_state(self):
        draft = self._budget(name="Draft plan")
        to_approve = self._budget(name="Waiting plan")
        to_approve.with_user(self.care_manager).action_submit()
        done = self._approve(self._budget(name="Closed plan"))
        done.with_user(self.care_manager).action_done()
        cancelled = self._budget(name="Cancelled plan")
        cancelled.with_user(self.care_manager).action_cancel()
        budgets = draft | to_approve | self.plan | done | cancelled
        self.assertEqual(budgets.mapped("state"), ["draft", "to_approve", "approved", "done", "cancel"])
        return budgets

    def test_expenses(self):
        fnames = self._derived_fields("care.expense")
        self.assertTrue({"amount_company", "budget_id", "payment_status", "name", "validation_status"} <= set(fnames))
        for expense in self._expenses_in_every_state():
            self._assert_refused_or_no_effect(self.care_user, expense, fnames)

    def test_budgets_lines_and_targets(self):
        budgets = self._budgets_in_every_state()
        for budget in budgets:
            self._assert_refused_or_no_effect(self.care_manager, budget, self._derived_fields("care.budget"))
            for line in budget.line_ids:
                self._assert_refused_or_no_effect(self.care_manager, line, self._derived_fields("care.budget.line"))
            for objective in budget.objective_ids:
                self._assert_refused_or_no_effect(
                    self.care_manager, objective, self._derived_fields("care.budget.objective"),
                )

    def test_changes_feedback_and_configuration(self):
        change = self.env["care.budget.change"].with_user(self.care_manager).create({
            "budget_id": self.plan.id, "change_type": "transfer", "line_from_id": self.gift_line.id,
            "line_to_id": self.meal_line.id, "amount": 10.0, "reason": "Rebalance",
        })
        fnames = [fname for fname in change._fields if fname not in MAGIC]  # a log: nothing is writable
        self._assert_refused_or_no_effect(self.care_manager, change, fnames)
        feedback = self.env["care.feedback"].with_user(self.care_user).create({
            "partner_id": self.customer.id, "nps": "9", "csat": "5",
        })
        self._assert_refused_or_no_effect(self.care_user, feedback, self._derived_fields("care.feedback"))
        self._assert_refused_or_no_effect(self.care_admin, self.tier_key, self._derived_fields("care.tier"))
        self._assert_refused_or_no_effect(self.care_admin, self.gift, self._derived_fields("care.activity.type"))

    def test_evaluations_and_their_results(self):
        self._submit_and_approve(self._expense(120.0))
        evaluations = self.env["care.evaluation"]
        for _state in ("draft", "confirmed"):
            evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({
                "budget_id": self.plan.id, "date_from": "2026-01-01", "date_to": "2026-06-30",
            })
            evaluation.action_compute()
            evaluations |= evaluation
        evaluations[1].action_confirm()
        metrics = [fname for fname in self.env["care.evaluation.metrics"]._fields if fname not in MAGIC]
        for evaluation in evaluations:
            self._assert_refused_or_no_effect(
                self.care_manager, evaluation, self._derived_fields("care.evaluation") + metrics + ["state"],
            )
            for result in [*evaluation.result_ids, *evaluation.objective_result_ids]:
                fnames = [fname for fname in result._fields if fname not in MAGIC]  # only Compute writes them
                self._assert_refused_or_no_effect(self.care_manager, result, fnames)

    def test_fields_added_to_accounting_and_partners(self):
        posted = self._submit_and_approve(self._expense(130.0))
        posted.with_user(self.care_accountant).action_post()
        for item in posted.move_id.line_ids.filtered("care_expense_id"):
            self._assert_refused_or_no_effect(self.care_accountant, item, ["care_expense_id", "care_partner_id"])
        segment_fields = [fname for fname in self.env["res.partner"]._fields
                          if fname.startswith("care_") and fname not in ("care_size", "care_need")]
        for user in (self.care_user, self.care_manager):
            fnames = [fname for fname in segment_fields
                      if not (user == self.care_manager and fname in CARE_MANAGER_FIELDS)]
            self._assert_refused_or_no_effect(user, self.customer.with_company(self.company), fnames)
