import random
from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.customer_care_budget import clv_model

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
            # every few weeks until the end of the holdout; a third stopped after two months; some bought once
            start = date(2025, 7, 1) + timedelta(days=draw.randrange(60))
            stop = start + timedelta(days=60) if number % 3 == 0 else CALIBRATION + timedelta(days=180)
            days = [start]
            while (next_day := days[-1] + timedelta(days=draw.randrange(20, 70))) <= stop:
                days.append(next_day)
            days = days[:1] if number % 7 == 0 else days
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
        self.assertAlmostEqual(sum(model.decile_ids.mapped("predicted")), model.predicted_purchases, delta=0.6)
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
        # a tier's figures are the tier's: a compliance officer following a tier link reads them, not the customers'
        self._recompute()
        tiers = self.env["care.tier"].with_user(self.care_compliance).with_company(self.company).search([])
        self.assertEqual(sum(tiers.mapped("partner_count")), 40, "the buyers (the late one has no invoice by today)")
        with self.assertRaises(AccessError):
            self.late.with_user(self.care_compliance).read(["care_model_clv"])
        other = self.setup_other_company(name="Value Company B")["company"]
        outsider = self._care_user("value_manager_b", "customer_care_budget.group_care_manager",
                                   [Command.set(other.ids)])
        self.assertFalse(self.env["care.clv.model"].with_user(outsider).search([]))
        self.assertFalse(self.env["care.clv.model.decile"].with_user(outsider).search([]))

    # ------------------------------------------------------------
    # the recompute scores every customer with the fitted model
    # ------------------------------------------------------------

    def _expected(self, company=None):
        """{customer id: value-model fields} computed here from the pure module, as the recompute should write them."""
        company = company or self.company
        rows = self.env["care.clv.model"]._purchase_rows(company, CALIBRATION, CALIBRATION)
        ids, x, t_x, tenure, value, _after = rows
        fit = clv_model.fit(x, t_x, tenure, value)
        bgnbd, gamma_gamma = fit.bgnbd, fit.gamma_gamma
        rate = 1.10 ** (365 / 12 / 365) - 1  # 10 % a year over 12 periods of the 365 days
        clv = clv_model.discounted_clv(bgnbd, gamma_gamma, x, t_x, tenure, value, 365, 12, rate) * 0.40
        return {
            int(partner_id): {"care_alive_pct": round(alive * 100, 1), "care_expected_purchases": round(purchases, 2),
                              "care_model_clv": round(value_, 2)}
            for partner_id, alive, purchases, value_ in zip(
                ids, bgnbd.p_alive(x, t_x, tenure), bgnbd.expected_purchases(90, x, t_x, tenure), clv)
        }

    def test_the_recompute_writes_each_customers_fitted_value(self):
        expected = self._expected()
        # a threshold that cuts the cohort: the churn signal goes to those strictly below it
        threshold = sorted(values["care_alive_pct"] for values in expected.values())[10]
        self.company.care_alive_threshold_pct = threshold
        self._recompute()
        self.assertIn("Fitted on 40 customers", self.company.care_value_model_status)
        customers = self.env["res.partner"].browse(list(expected)).with_company(self.company)
        self.assertEqual(len(customers), 40)
        for customer in customers:
            self.assertRecordValues(customer, [expected[customer.id]])
            self.assertAlmostEqual(customer.care_value_at_risk,
                                   customer.care_model_clv * (1 - customer.care_alive_pct / 100), delta=0.01)
        gone = customers.filtered(lambda customer: customer.care_alive_pct < threshold)
        self.assertTrue(gone)
        self.assertTrue(all(f"chance of still buying, below {threshold}%" in customer.care_churn_reason
                            and customer.care_churn_risk for customer in gone))
        self.assertFalse(any("chance of still buying" in (customer.care_churn_reason or "")
                             for customer in customers - gone))
        self.assertEqual(self._recompute(), 0, "a rerun the same day writes nothing")
        # Customers at Risk lists the largest value at risk first (its list's default order, sorted in SQL)
        at_risk = self.env.ref("customer_care_budget.res_partner_action_care_at_risk").view_id
        self.assertIn('default_order="care_value_at_risk desc"', at_risk.get_combined_arch())
        ordered = self.env["res.partner"].with_company(self.company).search(
            [("id", "in", customers.ids)], order="care_value_at_risk desc")
        self.assertEqual(ordered.mapped("care_value_at_risk"),
                         sorted(customers.mapped("care_value_at_risk"), reverse=True))
        with patch.object(clv_model, "fit", side_effect=AssertionError("fitted again")):
            self._recompute()  # the invoices are those the kept fit came from
        self._invoice(customers[0], 500.0, 0)
        self.assertGreater(self._recompute(), 0, "a new invoice: fitted again, every customer rescored")

        self.company.care_alive_threshold_pct = 0.0
        self._recompute()
        self.assertFalse(any("chance of still buying" in (customer.care_churn_reason or "") for customer in customers))
        self.assertFalse(self.late.with_company(self.company).care_alive_pct, "no purchase yet by today")

    def test_too_little_data_keeps_the_simple_clv(self):
        other = self.setup_other_company(name="Small Company")["company"]
        customer = self.env["res.partner"].create({"name": "Lone Buyer", "is_company": True, "customer_rank": 1})
        self.env["account.move"].with_company(other).create([{
            "move_type": "out_invoice", "partner_id": customer.id, "invoice_date": day, "company_id": other.id,
            "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": 80.0,
                                                 "tax_ids": [Command.clear()]})],
        } for day in (date(2026, 1, 10), date(2026, 3, 10))]).action_post()
        self._recompute(company=other)
        self.assertIn("Simple CLV formula: 1 customers bought again", other.care_value_model_status)
        valued = customer.with_company(other)
        self.assertTrue(valued.care_clv)
        self.assertRecordValues(valued, [{"care_model_clv": valued.care_clv, "care_alive_pct": 0.0,
                                          "care_value_at_risk": valued.care_clv}])

    def test_customers_all_alike_keep_the_simple_clv_and_say_why(self):
        other = self.setup_other_company(name="Alike Company")["company"]
        customers = self.env["res.partner"].create([
            {"name": f"Alike {number}", "is_company": True, "customer_rank": 1} for number in range(25)
        ])
        self.env["account.move"].with_company(other).create([{
            "move_type": "out_invoice", "partner_id": customer.id, "invoice_date": day, "company_id": other.id,
            "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": 80.0,
                                                 "tax_ids": [Command.clear()]})],
        } for customer in customers for day in (date(2025, 12, 1), date(2026, 3, 1))]).action_post()
        self._recompute(company=other)
        self.assertEqual(other.care_value_model_status,
                         "Simple CLV formula: the fit did not converge on these purchases.")
        self.assertEqual(customers[0].with_company(other).care_alive_pct, 0.0, "no model, no probability")

    def test_value_settings_edges(self):
        for fname, value in (("care_value_horizon_days", 0), ("care_expected_days", -1),
                             ("care_value_discount_pct", 101.0), ("care_alive_threshold_pct", -1.0)):
            with self.assertRaises(ValidationError, msg=fname), self.env.cr.savepoint():
                self.company.write({fname: value})
        self.company.care_value_horizon_days = 730
        self._recompute()
        longer = self.env["res.partner"].browse(list(self._expected())).with_company(self.company)
        self.assertTrue(any(customer.care_model_clv > 0 for customer in longer))
        with self.assertRaises(AccessError):
            longer[:1].with_user(self.env.ref("base.user_demo")).with_company(self.company).read(["care_alive_pct"])

    # ------------------------------------------------------------
    # the budget tools use the values: tiers by CLV, the allowance suggested from it
    # ------------------------------------------------------------

    def test_tiers_rank_by_clv_where_settings_say_so(self):
        self._recompute()
        customers = self.env["res.partner"].browse(list(self._expected())).with_company(self.company)
        clvs = sorted(customers.mapped("care_model_clv"))
        ladder = ((self.tier_strategic, clvs[30]), (self.tier_key, clvs[20]), (self.tier_standard, clvs[10]),
                  (self.tier_basic, 0.0))
        for tier, minimum in ladder:
            tier.min_clv = minimum
        by_score = {customer: customer.care_tier_id for customer in customers}
        history = len(customers.care_segment_history_ids)
        self.company.care_tier_basis = "clv"
        self.assertGreater(self._recompute(), 0, "a new basis: every tier checked again")
        for customer in customers:
            expected = next(tier for tier, minimum in ladder if customer.care_model_clv >= minimum)
            self.assertEqual(customer.care_tier_id, expected, customer.name)
        self.assertEqual(len(customers.filtered(lambda customer: customer.care_tier_id == self.tier_strategic)), 10)
        moved = [customer for customer in customers if customer.care_tier_id != by_score[customer]]
        self.assertTrue(moved, "CLV and RFM do not rank the cohort alike")
        self.assertEqual(len(customers.care_segment_history_ids), history + len(moved), "each move in the history")
        self.company.care_tier_basis = "rfm"
        self._recompute()
        self.assertEqual({customer: customer.care_tier_id for customer in customers}, by_score, "back to the scores")

    def test_tiers_ranked_by_clv_need_distinct_minimum_clvs(self):
        for tier, minimum in ((self.tier_strategic, 5000.0), (self.tier_key, 1000.0), (self.tier_standard, 200.0),
                              (self.tier_basic, 0.0)):
            tier.min_clv = minimum
        self.tier_key.min_clv = 200.0  # allowed while every company ranks by RFM score
        with self.assertRaisesRegex(ValidationError, "same minimum CLV"), self.env.cr.savepoint():
            self.company.care_tier_basis = "clv"
            self.company.flush_recordset()
        self.tier_key.min_clv = 1000.0
        self.company.care_tier_basis = "clv"
        with self.assertRaisesRegex(ValidationError, "Key and Standard have the same minimum CLV"), \
                self.env.cr.savepoint():
            self.tier_key.min_clv = 200.0
        # a tier another company alone sees is no clash with this company's ladder
        other = self.setup_other_company(name="Ranked by RFM")["company"]
        self.env["care.tier"].create({"name": "Other Key", "code": "OKEY", "min_score": 11, "min_clv": 1000.0,
                                      "company_id": other.id})
        with self.assertRaisesRegex(ValidationError, "same minimum CLV"):
            self.env["care.tier"].create({"name": "Own Key", "code": "CKEY", "min_score": 12, "min_clv": 1000.0,
                                          "company_id": self.company.id})

    def test_suggested_allowance_is_a_share_of_the_clv(self):
        self._recompute()
        customers = self.env["res.partner"].browse(list(self._expected())).with_company(self.company)
        self.assertEqual(self.company.care_allowance_clv_pct, 5.0, "the default share")
        for customer in customers:
            self.assertAlmostEqual(customer.care_suggested_allowance, round(customer.care_model_clv * 0.05, 2))
        self.company.care_allowance_clv_pct = 12.5
        customers.invalidate_recordset(["care_suggested_allowance"])
        chosen = customers.sorted("care_model_clv")[-3:]
        suggestions = [round(customer.care_model_clv * 0.125, 2) for customer in chosen]
        self.assertEqual(chosen.mapped("care_suggested_allowance"), suggestions)
        for fname, value in (("care_allowance_clv_pct", -1.0), ("care_allowance_clv_pct", 100.5)):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.company.write({fname: value})

        no_value = self.late.with_company(self.company)
        self.assertFalse(no_value.care_suggested_allowance, "no CLV, no suggestion")
        self.assertRpcRefused(self.care_user, "res.partner", "action_care_apply_suggested_allowance", chosen.ids)
        self.assertEqual(chosen.mapped("care_annual_allowance"), [0.0] * 3, "refused: nothing written")
        self.rpc(self.care_manager, "res.partner", "action_care_apply_suggested_allowance", (chosen | no_value).ids)
        chosen.invalidate_recordset()
        self.assertEqual(chosen.mapped("care_annual_allowance"), suggestions)
        self.assertFalse(no_value.care_annual_allowance)
        self.assertEqual(
            self.env["care.expense"].new({"partner_id": chosen[-1].id, "company_id": self.company.id})
            ._annual_allowance(), suggestions[-1], "the expense rules spend against it",
        )
