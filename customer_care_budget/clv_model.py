"""Customer value from a fitted purchase model (客户生命周期价值): pure Python, no ORM.

Non-contractual customers buy when they like and leave without saying so. The standard answer (Fader, Hardie &
Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2); as in CLVTools and PyMC-Marketing):

- **BG/NBD**: while alive a customer buys as a Poisson process of rate λ (gamma-distributed over customers: r, α);
  after each purchase they drop out with probability p (beta-distributed: a, b). From each customer's repeat
  purchases *x*, the time of the last one *t_x* and their tenure *T* (all since the first purchase) it gives the
  probability they are still alive and their expected purchases in the next *t*.
- **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves", JMR 42; Fader & Hardie's
  note "The Gamma-Gamma model of monetary value", 2013): the value of a customer's purchases varies around their
  own mean, gamma-distributed (p, ν); the means are gamma-distributed over customers (q, γ). From the average
  value of the repeat purchases it gives the expected value of the next ones. It assumes a customer's value does
  not depend on how often they buy (:func:`frequency_value_correlation` says how far that holds).

Both are fitted by maximum likelihood (scipy), on log parameters so that they stay positive. Time is in whatever
unit the rows use (days here, weeks in the published examples); the parameters α and γ carry the unit and the
currency.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

# Fewer customers with repeat purchases than this and a fit says too little: the caller falls back.
MIN_REPEAT_CUSTOMERS = 20
# More customers than this are fitted on a sample of them (the same one for the same rows): the parameters of a
# cohort this size are known well, and the nightly fit stays a fraction of the recompute.
MAX_FIT_CUSTOMERS = 20000


class NotEnoughData(ValueError):
    """The rows cannot support a fit. ``reason``: "few" (too few repeat buyers: ``repeat`` says how many),
    "converge" (the optimiser did not converge) or "spread" (values per purchase too spread for a finite mean)."""

    def __init__(self, message, reason, repeat=None):
        super().__init__(message)
        self.reason = reason
        self.repeat = repeat


@dataclass(frozen=True)
class BgNbd:
    """A fitted BG/NBD model: its parameters, the maximised log-likelihood and the customers it was fitted on."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def p_alive(self, frequency, recency, tenure):
        """P(still alive | x, t_x, T) per customer (FHL 2005, eq. 18 of the note): 1 for a customer who never
        bought again, as the model cannot have seen them leave."""
        x, t_x, big_t = _arrays(frequency, recency, tenure)
        return 1.0 / (1.0 + self._death_odds(x, t_x, big_t))

    def expected_purchases(self, horizon, frequency, recency, tenure):
        """E[purchases in the next ``horizon`` | x, t_x, T] per customer (FHL 2005, eq. 10)."""
        x, t_x, big_t = _arrays(frequency, recency, tenure)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        # the Gauss function depends on x and T alone, which customers share (whole days, few purchases): computed
        # once per pair, as it is slow where r is large (customers buying at much the same rate)
        pairs, customer_pair = np.unique(x + 1j * big_t, return_inverse=True)  # (x, T) as one number: quicker
        pair_x, pair_t = pairs.real, pairs.imag
        hyper = special.hyp2f1(r + pair_x, b + pair_x, a + b + pair_x - 1,
                               horizon / (alpha + pair_t + horizon))[customer_pair]
        bought = 1.0 - ((alpha + big_t) / (alpha + big_t + horizon)) ** (r + x) * hyper
        return (a + b + x - 1) / (a - 1) * bought / (1.0 + self._death_odds(x, t_x, big_t))

    def _death_odds(self, x, t_x, big_t):
        """δ(x > 0) · a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x): the odds the customer left after their last
        purchase rather than being alive and silent since."""
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = self.a / (self.b + x - 1) * ((self.alpha + big_t) / (self.alpha + t_x)) ** (self.r + x)
        return np.where(x > 0, odds, 0.0)


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma model of the value per purchase."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    def expected_value(self, frequency, monetary):
        """E[value of a purchase | x, m_x] per customer: the customer's own average shrunk towards the population
        mean p·γ / (q − 1), the more the fewer purchases it rests on; customers without repeat purchases get the
        population mean."""
        x, m_x = _arrays(frequency, monetary)
        mean = self.p * self.gamma / (self.q - 1)
        conditional = self.p * (self.gamma + x * m_x) / (self.p * x + self.q - 1)
        return np.where(x > 0, conditional, mean)


@dataclass(frozen=True)
class Fit:
    """Both models of one company, as the recompute keeps them between runs."""

    bgnbd: BgNbd
    gamma_gamma: GammaGamma

    def parameters(self):
        """The fit as plain numbers (JSON), rounded to 6 significant digits."""
        numbers = (self.bgnbd.r, self.bgnbd.alpha, self.bgnbd.a, self.bgnbd.b, self.bgnbd.log_likelihood,
                   self.bgnbd.customers, self.gamma_gamma.p, self.gamma_gamma.q, self.gamma_gamma.gamma,
                   self.gamma_gamma.log_likelihood, self.gamma_gamma.customers)
        return [float(f"{number:.6g}") for number in numbers]

    @classmethod
    def from_parameters(cls, numbers):
        r, alpha, a, b, bgnbd_ll, bgnbd_customers, p, q, gamma, gg_ll, gg_customers = numbers
        return cls(BgNbd(r, alpha, a, b, bgnbd_ll, int(bgnbd_customers)),
                   GammaGamma(p, q, gamma, gg_ll, int(gg_customers)))


def fit(frequency, recency, tenure, monetary):
    """Both models fitted on these customers (on a fixed sample of ``MAX_FIT_CUSTOMERS`` of them when there are
    more), rounded as :meth:`Fit.parameters` keeps them. Raises :class:`NotEnoughData`."""
    x, t_x, big_t, m_x = _arrays(frequency, recency, tenure, monetary)
    if len(x) > MAX_FIT_CUSTOMERS:
        sample = np.random.default_rng(0).choice(len(x), MAX_FIT_CUSTOMERS, replace=False)
        x, t_x, big_t, m_x = x[sample], t_x[sample], big_t[sample], m_x[sample]
    return Fit.from_parameters(Fit(fit_bgnbd(x, t_x, big_t), fit_gamma_gamma(x, m_x)).parameters())


def fit_bgnbd(frequency, recency, tenure):
    """The BG/NBD model of maximum likelihood for these customers (repeat purchases, time of the last one and
    tenure, since the first purchase). Raises :class:`NotEnoughData`."""
    x, t_x, big_t = _arrays(frequency, recency, tenure)
    _check_rows(x, t_x, big_t)
    if np.count_nonzero(x) < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughData(f"{np.count_nonzero(x)} customers bought again, {MIN_REPEAT_CUSTOMERS} needed", "few",
                            repeat=np.count_nonzero(x))
    scale = max(float(big_t.mean()), 1e-9)  # α in the rows' unit: start it at their scale

    def negative(log_params):
        r, alpha, a, b = np.exp(log_params)
        return -_bgnbd_log_likelihood(r, alpha, a, b, x, t_x, big_t).sum()

    r, alpha, a, b, log_likelihood = _maximise(negative, [0.0, math.log(scale), 0.0, 0.0])
    return BgNbd(r, alpha, a, b, log_likelihood, len(x))


def fit_gamma_gamma(frequency, monetary):
    """The Gamma-Gamma model of maximum likelihood over the customers with repeat purchases (``monetary``: the
    average value of those purchases). Raises :class:`NotEnoughData`."""
    x, m_x = _arrays(frequency, monetary)
    repeat = (x > 0) & (m_x > 0)
    x, m_x = x[repeat], m_x[repeat]
    if len(x) < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughData(f"{len(x)} customers bought again with a value, {MIN_REPEAT_CUSTOMERS} needed", "few",
                            repeat=len(x))

    def negative(log_params):
        p, q, gamma = np.exp(log_params)
        return -_gamma_gamma_log_likelihood(p, q, gamma, x, m_x).sum()

    p, q, gamma, log_likelihood = _maximise(negative, [0.0, 0.0, math.log(float(m_x.mean()))])
    if q <= 1:  # the population's mean value p·γ / (q − 1), what one-time buyers are expected to spend, is infinite
        raise NotEnoughData(f"q = {q:.3g}: values per purchase too spread for a finite mean", "spread")
    return GammaGamma(p, q, gamma, log_likelihood, len(x))


def discounted_clv(bgnbd, gamma_gamma, frequency, recency, tenure, monetary, horizon, periods, discount_rate):
    """Customer lifetime value over ``horizon`` (in the rows' unit), cut into ``periods`` equal periods: each
    period's expected purchases x the expected value per purchase, discounted at ``discount_rate`` per period
    (so 1 % a month for a yearly 12.7 %). An array, one value per customer."""
    step = horizon / periods
    value = gamma_gamma.expected_value(frequency, monetary)
    clv, before = np.zeros(len(value)), np.zeros(len(value))
    for period in range(1, periods + 1):
        until = bgnbd.expected_purchases(step * period, frequency, recency, tenure)
        clv += value * (until - before) / (1 + discount_rate) ** period
        before = until
    return clv


def frequency_value_correlation(frequency, monetary):
    """Pearson correlation of repeat purchases and average value among the repeat buyers: Gamma-Gamma assumes 0;
    far from it (say beyond ±0.3) its values are to be read with care."""
    x, m_x = _arrays(frequency, monetary)
    repeat = x > 0
    if np.count_nonzero(repeat) < 3:
        return 0.0
    return float(np.corrcoef(x[repeat], m_x[repeat])[0, 1])


@dataclass(frozen=True)
class HoldoutCheck:
    """What the model predicted for a holdout period against what the customers bought in it: in total and per
    decile of predicted purchases (highest first), as (customers, predicted, actual)."""

    predicted: float
    actual: float
    deciles: tuple

    @property
    def error_pct(self):
        """(predicted − actual) / actual, in %; None when nobody bought."""
        return (self.predicted - self.actual) / self.actual * 100 if self.actual else None


def holdout_check(bgnbd, horizon, frequency, recency, tenure, actual):
    """Compare the purchases ``bgnbd`` (fitted on the calibration period) predicts for the ``horizon`` after it
    with the purchases customers made there (``actual``, per customer)."""
    predicted = bgnbd.expected_purchases(horizon, frequency, recency, tenure)
    actual = np.asarray(actual, dtype=float)
    order = np.argsort(-predicted, kind="stable")
    deciles = tuple(
        (len(part), float(predicted[part].sum()), float(actual[part].sum()))
        for part in np.array_split(order, 10) if len(part)
    )
    return HoldoutCheck(float(predicted.sum()), float(actual.sum()), deciles)


def _bgnbd_log_likelihood(r, alpha, a, b, x, t_x, big_t):
    """Per-customer log-likelihood of the BG/NBD (FHL 2005, eq. 6, in logs)."""
    common = (special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
              + special.betaln(a, b + x) - special.betaln(a, b))
    alive = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return common + np.logaddexp(alive, left)


def _gamma_gamma_log_likelihood(p, q, gamma, x, m_x):
    """Per-customer log-likelihood of the average value of x purchases (Fader & Hardie 2013, eq. 3, in logs)."""
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * math.log(gamma)
            + (px - 1) * np.log(m_x) + px * np.log(x) - (px + q) * np.log(gamma + x * m_x))


def _maximise(negative, start):
    """(parameters..., log-likelihood) maximising −``negative`` over log parameters from ``start``, each within
    e^±15 of its start. A maximum on that bound is no fit: the likelihood keeps rising towards a limit the rows do
    not pin down (customers all alike, say), and the limit's predictions are not to be trusted."""
    bounds = [(value - 15, value + 15) for value in start]
    result = optimize.minimize(negative, start, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 5000, "ftol": 1e-13, "gtol": 1e-9})
    if not result.success:  # its line search lost its way on a flat ridge: walk it without gradients
        result = optimize.minimize(negative, result.x, method="Nelder-Mead", bounds=bounds,
                                   options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 20000, "maxfev": 20000})
    if any(min(value - low, high - value) < 1e-3 for value, (low, high) in zip(result.x, bounds)):
        raise NotEnoughData("the likelihood rises towards a limit the rows do not pin down", "converge")
    if not result.success or not np.isfinite(result.fun):
        raise NotEnoughData(f"the fit did not converge ({result.message})", "converge")
    return (*map(float, np.exp(result.x)), -float(result.fun))


def _arrays(*columns):
    return tuple(np.asarray(column, dtype=float) for column in columns)


def _check_rows(x, t_x, big_t):
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t + 1e-9) or np.any((x > 0) & (t_x <= 0)):
        raise ValueError("each customer needs 0 <= recency <= tenure, recency > 0 when they bought again")
