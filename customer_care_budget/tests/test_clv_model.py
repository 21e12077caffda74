import random
from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CareTestCommon

CALIBRATION = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestClvModel(CareTestCommon):
    """The customer value model fitted on a company's posted invoices up to a calibration date and checked on the
    holdout after it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        draw = random.Random(7)
        cls.holdout_purchases = cls.repeat_buyers = 0
        moves = []
        for number in range(40):
            customer = cls._customer(f"Buyer {number}")
            start = date(2025, 7, 1) + timedelta(days=draw.randrange(120))
            days = sorted({start} | {start + timedelta(days=draw.randrange(1, 540)) for _ in range(number % 5)})
            cls.holdout_purchases += sum(CALIBRATION < day <= CALIBRATION + timedelta(days=180) for day in days)
            cls.repeat_buyers += sum(day <= CALIBRATION for day in days) > 1
            moves += [{
                "move_type": "out_invoice", "partner_id": customer.id, "invoice_date": day,
                "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": 100 + 10 * number,
                                                     "tax_ids": [Command.clear()]})],
            } for day in days if day <= CALIBRATION + timedelta(days=180)]
        cls.env["account.move"].create(moves).action_post()
        cls.late = cls._customer("After the calibration")
        cls.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": cls.late.id, "invoice_date": date(2026, 8, 1),
            "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": 50.0})],
        }).action_post()

    def _model(self, **values):
        return self.env["care.clv.model"].with_user(self.care_manager).create({
            "date_calibration": CALIBRATION, "holdout_days": 180, **values,
        })

    def test_fit_and_check_on_the_holdout(self):
        model = self._model()
        model.action_fit()
        self.assertFalse(model.fallback_reason)
        self.assertEqual(model.customer_count, 40, "those who bought by the calibration date, not the late one")
        self.assertEqual(model.repeat_customer_count, self.repeat_buyers)
        self.assertGreaterEqual(self.repeat_buyers, 20, "enough to fit")
        for fname in ("bgnbd_r", "bgnbd_alpha", "bgnbd_a", "bgnbd_b", "gg_p", "gg_q", "gg_gamma"):
            self.assertGreater(model[fname], 0, fname)
        self.assertLess(model.bgnbd_log_likelihood, 0)
        self.assertEqual(model.actual_purchases, self.holdout_purchases)
        self.assertEqual(len(model.decile_ids), 10)
        self.assertEqual(sum(model.decile_ids.mapped("customer_count")), 40)
        self.assertEqual(sum(model.decile_ids.mapped("actual")), model.actual_purchases)
        self.assertAlmostEqual(sum(model.decile_ids.mapped("predicted")), model.predicted_purchases, places=1)
        self.assertAlmostEqual(model.error_pct, (model.predicted_purchases - model.actual_purchases)
                               / model.actual_purchases * 100, delta=0.5)  # of the figures as shown, rounded
        model.action_fit()
        self.assertEqual(len(model.decile_ids), 10, "a refit replaces the check")

    def test_too_little_data_falls_back_and_says_so(self):
        model = self._model(date_calibration=date(2025, 8, 1))
        model.action_fit()
        self.assertIn("customers bought again", model.fallback_reason)
        self.assertFalse(model.decile_ids)
        self.assertEqual(model.bgnbd_r, 0)

    def test_access(self):
        model = self._model()
        model.action_fit()
        self.assertEqual(model.with_user(self.care_accountant).customer_count, 40)
        self.assertRpcRefused(self.care_accountant, "care.clv.model", "action_fit", model.ids)
        self.assertRpcRefused(self.care_manager, "care.clv.model", "write", model.ids, {"bgnbd_r": 9.0})
        self.assertRpcRefused(self.care_manager, "care.clv.model.decile", "create",
                              {"model_id": model.id, "rank": 11, "actual": 5.0})
        with self.assertRaises(AccessError):
            self.env["care.clv.model"].with_user(self.care_user).search([])
        other = self.setup_other_company(name="Value Company B")["company"]
        outsider = self._care_user("value_manager_b", "customer_care_budget.group_care_manager",
                                   [Command.set(other.ids)])
        self.assertFalse(self.env["care.clv.model"].with_user(outsider).search([]))
        self.assertFalse(self.env["care.clv.model.decile"].with_user(outsider).search([]))
