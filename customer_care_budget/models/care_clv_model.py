from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .. import clv_model
from .care_guard_mixin import workflow


class CareClvModel(models.Model):
    """A fit of the customer value model (``clv_model``) for one company on the invoices up to a calibration
    date, checked on the period after it: the parameters, the log-likelihood, and the purchases it predicted
    against those made, in total and per decile. What an analyst reads to decide whether to trust it."""

    _name = "care.clv.model"
    _description = "Customer Value Model"
    _inherit = ["mail.thread", "care.guard.mixin"]
    _order = "date_calibration desc, id desc"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_calibration = fields.Date(
        string="Calibration Date", required=True, tracking=True,
        default=lambda self: fields.Date.context_today(self) - timedelta(days=180),
        help="The model is fitted on the posted invoices up to this date, and checked on the holdout after it.",
    )
    holdout_days = fields.Integer(
        string="Holdout (days)", required=True, default=180, tracking=True,
        help="The period after the calibration date whose purchases the model predicts and the check compares.",
    )
    date_fitted = fields.Datetime(string="Fitted On", readonly=True, copy=False)
    fallback_reason = fields.Char(
        readonly=True, copy=False,
        help="Why no model could be fitted (too little data): the customer values keep today's formula.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True, copy=False)
    repeat_customer_count = fields.Integer(string="Repeat Buyers", readonly=True, copy=False)
    bgnbd_r = fields.Float(string="r", readonly=True, copy=False, digits=(16, 4),
                           help="BG/NBD: shape of the purchase rates across customers.")
    bgnbd_alpha = fields.Float(string="α", readonly=True, copy=False, digits=(16, 4),
                               help="BG/NBD: scale of the purchase rates, in days.")
    bgnbd_a = fields.Float(string="a", readonly=True, copy=False, digits=(16, 4),
                           help="BG/NBD: first shape of the dropout probability after a purchase.")
    bgnbd_b = fields.Float(string="b", readonly=True, copy=False, digits=(16, 4),
                           help="BG/NBD: second shape of the dropout probability after a purchase.")
    bgnbd_log_likelihood = fields.Float(string="BG/NBD Log-Likelihood", readonly=True, copy=False, digits=(16, 2))
    gg_p = fields.Float(string="p", readonly=True, copy=False, digits=(16, 4),
                        help="Gamma-Gamma: shape of the value of a customer's purchases.")
    gg_q = fields.Float(string="q", readonly=True, copy=False, digits=(16, 4),
                        help="Gamma-Gamma: shape of the customers' mean values.")
    gg_gamma = fields.Float(string="γ", readonly=True, copy=False, digits=(16, 4),
                            help="Gamma-Gamma: scale of the customers' mean values, in company currency.")
    gg_log_likelihood = fields.Float(string="Gamma-Gamma Log-Likelihood", readonly=True, copy=False, digits=(16, 2))
    value_correlation = fields.Float(
        string="Frequency / Value Correlation", readonly=True, copy=False, digits=(16, 3),
        help="Among repeat buyers: Gamma-Gamma assumes 0; beyond ±0.3 read its values with care.",
    )
    predicted_purchases = fields.Float(
        readonly=True, copy=False, digits=(16, 1), help="Purchases the model predicts in the holdout.",
    )
    actual_purchases = fields.Float(
        readonly=True, copy=False, digits=(16, 1), help="Purchase days of the calibration customers in the holdout.",
    )
    error_pct = fields.Float(
        string="Prediction Error (%)", readonly=True, copy=False, digits=(16, 1),
        help="(predicted − actual) / actual purchases in the holdout.",
    )
    decile_ids = fields.One2many("care.clv.model.decile", "model_id", string="Deciles", readonly=True)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    _holdout_positive = models.Constraint("CHECK(holdout_days > 0)", "The holdout lasts at least one day.")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("company_id", "date_calibration")
    def _compute_name(self):
        for model in self:
            model.name = self.env._(
                "%(company)s, calibrated to %(date)s", company=model.company_id.name,
                date=format_date(self.env, model.date_calibration),
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_fit(self):
        """Fit the model on each record's calibration period and check it on its holdout."""
        for model in self:
            model._fit()

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _care_writable_fields(self, state):
        return {"company_id", "date_calibration", "holdout_days"}

    def _fit(self):
        self.ensure_one()
        self.env["account.move"].flush_model()
        _ids, x, t_x, tenure, value, actual = self._purchase_rows(
            self.company_id, self.date_calibration, self.date_calibration + timedelta(days=self.holdout_days),
        )
        figures = {"date_fitted": fields.Datetime.now(), "customer_count": len(x),
                   "repeat_customer_count": int(np.count_nonzero(x))}
        workflow(self.decile_ids.sudo()).unlink()  # sudo: see below
        try:
            bgnbd = clv_model.fit_bgnbd(x, t_x, tenure)
            gamma_gamma = clv_model.fit_gamma_gamma(x, value)
        except clv_model.NotEnoughData as error:
            workflow(self).write({**figures, **dict.fromkeys(self._fit_figures(), False),
                                  "fallback_reason": self._fallback_reason(error)})
            return
        check = clv_model.holdout_check(bgnbd, self.holdout_days, x, t_x, tenure, actual)
        workflow(self).write({
            **figures,
            "fallback_reason": False,
            "bgnbd_r": bgnbd.r, "bgnbd_alpha": bgnbd.alpha, "bgnbd_a": bgnbd.a, "bgnbd_b": bgnbd.b,
            "bgnbd_log_likelihood": bgnbd.log_likelihood,
            "gg_p": gamma_gamma.p, "gg_q": gamma_gamma.q, "gg_gamma": gamma_gamma.gamma,
            "gg_log_likelihood": gamma_gamma.log_likelihood,
            "value_correlation": clv_model.frequency_value_correlation(x, value),
            "predicted_purchases": check.predicted, "actual_purchases": check.actual,
            "error_pct": check.error_pct or 0.0,
        })
        # sudo: the check's rows are the fit's output, read-only to everyone; nobody writes them but the fit
        workflow(self.env["care.clv.model.decile"].sudo()).create([
            {"model_id": self.id, "rank": rank, "customer_count": customers, "predicted": predicted, "actual": actual}
            for rank, (customers, predicted, actual) in enumerate(check.deciles, 1)
        ])

    @api.model
    def _fallback_reason(self, error):
        """Why the purchase model could not be fitted (``error``: the model's ``NotEnoughData``), in words."""
        if error.reason == "few":
            return self.env._(
                "%(count)s customers bought again (with a positive value), the model needs %(needed)s",
                count=error.repeat, needed=clv_model.MIN_REPEAT_CUSTOMERS,
            )
        if error.reason == "spread":
            return self.env._(
                "the values per purchase are too spread for the Gamma-Gamma model to give them a finite mean (a few "
                "customers' purchases far above the others')",
            )
        return self.env._("the fit did not converge on these purchases")

    def _fit_figures(self):
        return ["bgnbd_r", "bgnbd_alpha", "bgnbd_a", "bgnbd_b", "bgnbd_log_likelihood", "gg_p", "gg_q", "gg_gamma",
                "gg_log_likelihood", "value_correlation", "predicted_purchases", "actual_purchases", "error_pct"]

    @api.model
    def _purchase_rows(self, company, calibration, holdout_end, partner_ids=None):
        """(partner ids, x, t_x, T, value, holdout purchases) as arrays, one entry per customer of ``company``
        who bought by ``calibration``: repeat purchases, days from the first purchase to the last one and to
        the calibration date, the average value of the repeat purchases, and the purchases after the
        calibration date up to ``holdout_end``; of ``partner_ids`` only, if given. A purchase is a day with posted
        invoices (refunds subtracted from its value), as the model counts purchase occasions. One query."""
        self.env["account.move"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            WITH days AS (
                SELECT m.commercial_partner_id AS partner_id, m.invoice_date AS day,
                       SUM(m.amount_untaxed_signed)::float AS value,
                       BOOL_OR(m.move_type = 'out_invoice') AS purchase
                  FROM account_move m
                 WHERE m.company_id = %(company_id)s AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund') AND m.commercial_partner_id IS NOT NULL
                   AND m.invoice_date <= %(holdout_end)s %(partners)s
              GROUP BY m.commercial_partner_id, m.invoice_date
            ),
            ranked AS (
                SELECT days.*, ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY day) AS rank
                  FROM days WHERE purchase
            )
            SELECT partner_id,
                   COUNT(*) FILTER (WHERE day <= %(calibration)s) - 1 AS x,
                   MAX(day) FILTER (WHERE day <= %(calibration)s) - MIN(day) AS t_x,
                   %(calibration)s - MIN(day) AS tenure,
                   COALESCE(AVG(value) FILTER (WHERE day <= %(calibration)s AND rank > 1), 0) AS value,
                   COUNT(*) FILTER (WHERE day > %(calibration)s) AS actual
              FROM ranked
          GROUP BY partner_id
            HAVING MIN(day) <= %(calibration)s
          ORDER BY partner_id
            """,
            company_id=company.id, calibration=calibration, holdout_end=holdout_end,
            partners=SQL() if partner_ids is None else SQL("AND m.commercial_partner_id = ANY(%s)", list(partner_ids)),
        ))
        if not rows:
            return (np.array([]),) * 6
        return tuple(np.array(column, dtype=float) for column in zip(*rows))
