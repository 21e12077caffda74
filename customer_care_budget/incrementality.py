"""Incrementality of care spending (增量效果): what the money *added* to what the customers it served would
have done anyway, measured against matched control customers, and how sure that is.

Pure Python (scipy for Student's t quantile), no ORM, no SQL: ``care.evaluation`` gathers one
:class:`Customer` row per customer in SQL and stores what these functions return. For one group of served
customers (a plan, a budget line, a tier, an activity, a customer):

- **strata**: customers are compared within their stratum at the start of the period: tier, lifecycle
  stage, and band of revenue in the period before (0: none; 1-4: its quartile among those who had some);
- **control**: customers the plan did not serve (or its holdout) in the strata of the served ones, each
  stratum weighted by its share of the served customers (re-weighted to their mix); served customers of a
  stratum without control customers are left out and counted (``unmatched``);
- **difference in differences**: a customer's outcome is revenue − θ × revenue before with θ = 1 (its
  revenue change); the effect per served customer is their average outcome − the weighted average of
  their strata's control averages; incremental revenue = effect × served customers matched;
- **CUPED**: the same with θ = cov(revenue before, revenue) / var(revenue before) of served and control
  customers pooled: what the period before predicts is taken out, which narrows the interval;
- **retention**: of the customers who bought in the period before, 100 if they bought in the period,
  else 0: the effect is in points;
- **interval**: 90 % confidence, Welch's t: variance = s²(served) / n + Σ w² s²(control of stratum) / m,
  degrees of freedom by Welch–Satterthwaite; *not significant* when it includes 0, *too few customers*
  below a minimum of served customers matched or of control customers.
"""

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass
from math import fsum, inf, sqrt
from typing import NamedTuple

from scipy.stats import t as student_t

CONFIDENCE = 0.90
MIN_CONTROL_PER_STRATUM = 2
DAYS_PER_YEAR = 365.25  # as in the customer lifetime value of the segmentation


class Customer(NamedTuple):
    """A customer's figures of the evaluated period P and of the period B of the same length before it."""

    tier_id: int | None  # at the start of P
    stage: str | None  # lifecycle stage at the start of P
    revenue_before: float  # posted invoices − refunds in B, untaxed, company currency
    revenue: float  # in P
    bought_before: bool  # a posted invoice in B
    bought: bool  # in P


class Stats(NamedTuple):
    """Count, mean and sample variance of a stratum's values (variance 0 below two values)."""

    count: int
    mean: float
    variance: float

    @classmethod
    def of(cls, values):
        count = len(values)
        if not count:
            return cls(0, 0.0, 0.0)
        mean = fsum(values) / count
        # two passes in floats: statistics.variance is exact, and slow for 100,000 customers
        return cls(count, mean, fsum((value - mean) ** 2 for value in values) / (count - 1) if count > 1 else 0.0)


@dataclass(frozen=True)
class Estimate:
    """The effect per served customer matched, with its 90 % interval (None: fewer than two customers on a
    side, no variance to speak of)."""

    effect: float
    low: float | None
    high: float | None
    served: int  # served customers with control customers in their stratum
    control: int  # control customers in those strata
    unmatched: int  # served customers whose stratum has none: left out

    @property
    def total(self):
        return self.effect * self.served

    def evidence(self, min_customers):
        """``too_few`` (fewer than ``min_customers`` on a side, or no interval), ``not_significant`` (the
        interval includes 0) or ``significant``."""
        if self.served < max(min_customers, 2) or self.control < max(min_customers, 2) or self.low is None:
            return "too_few"
        return "not_significant" if self.low <= 0 <= self.high else "significant"


@dataclass(frozen=True)
class Incrementality:
    """A group's incremental figures: revenue by raw DiD and CUPED (per served customer), retention in points."""

    did: Estimate
    cuped: Estimate
    retention: Estimate


# a group nobody was served in
NOTHING_MEASURED = Incrementality(*[Estimate(0.0, None, None, 0, 0, 0)] * 3)


def revenue_cuts(customers):
    """The quartile cut points of the revenue before of the ``customers`` who had some (fewer than two: none)."""
    positive = sorted(c.revenue_before for c in customers if c.revenue_before > 0)
    return statistics.quantiles(positive, n=4, method="inclusive") if len(positive) > 1 else []


def stratum(customer, cuts):
    """(tier, stage, revenue band) of ``customer``: band 0 without revenue before, else 1-4 by ``cuts``."""
    if customer.revenue_before <= 0:
        band = 0
    else:
        band = 1 + sum(customer.revenue_before > cut for cut in cuts)
    return customer.tier_id, customer.stage, band


def stratified(customers, cuts):
    """``(stratum, customer)`` of each of ``customers``: what the other functions take."""
    return [(stratum(customer, cuts), customer) for customer in customers]


def cuped_theta(customers):
    """cov(revenue before, revenue) / var(revenue before) over ``customers`` (0 when revenue before does not
    vary: it predicts nothing)."""
    if len(customers) < 2:
        return 0.0
    before = Stats.of([c.revenue_before for c in customers])
    if not before.variance:
        return 0.0
    revenue_mean = fsum(c.revenue for c in customers) / len(customers)
    covariance = fsum((c.revenue_before - before.mean) * (c.revenue - revenue_mean) for c in customers) \
        / (len(customers) - 1)
    return covariance / before.variance


def revenue_outcome(customer, theta):
    """revenue − θ × revenue before: the revenue change for θ = 1 (DiD), its CUPED adjustment otherwise."""
    return customer.revenue - theta * customer.revenue_before


def retention_outcome(customer):
    """100 if a customer who bought before bought again in the period, else 0 (in points)."""
    return 100.0 if customer.bought else 0.0


class ControlStrata:
    """The control customers' figures per stratum, summarised once for all the groups of an evaluation. A
    stratum needs two control customers to compare with: one has no spread to measure the chance by."""

    def __init__(self, control, theta):
        revenue, cuped, retention = defaultdict(list), defaultdict(list), defaultdict(list)
        for key, customer in control:
            revenue[key].append(revenue_outcome(customer, 1.0))
            cuped[key].append(revenue_outcome(customer, theta))
            if customer.bought_before:
                retention[key].append(retention_outcome(customer))
        self.revenue, self.cuped, self.retention = (
            {key: Stats.of(values) for key, values in outcomes.items() if len(values) >= MIN_CONTROL_PER_STRATUM}
            for outcomes in (revenue, cuped, retention)
        )


def matched_effect(served, control, confidence=CONFIDENCE):
    """The effect per served customer of ``served`` ``(stratum, outcome)`` pairs against the ``control``
    :class:`Stats` per stratum, the strata weighted by the served customers' mix (see the module)."""
    matched = defaultdict(list)
    unmatched = 0
    for key, value in served:
        if key in control:
            matched[key].append(value)
        else:
            unmatched += 1
    n = sum(map(len, matched.values()))
    if not n:
        return Estimate(0.0, None, None, 0, 0, unmatched)
    served_stats = Stats.of([value for values in matched.values() for value in values])
    weights = {key: len(values) / n for key, values in matched.items()}
    control_mean = sum(weights[key] * control[key].mean for key in matched)
    effect = served_stats.mean - control_mean
    control_count = sum(control[key].count for key in matched)
    if n < 2 or control_count < 2:
        return Estimate(effect, None, None, n, control_count, unmatched)
    # Welch: each side's variance of its mean, and its degrees of freedom
    parts = [(served_stats.variance / n, n - 1)] + [
        (weights[key] ** 2 * control[key].variance / control[key].count, control[key].count - 1) for key in matched
    ]
    variance = sum(part for part, _df in parts)
    half = student_t.ppf((1 + confidence) / 2, welch_df(parts)) * sqrt(variance) if variance else 0.0
    return Estimate(effect, effect - half, effect + half, n, control_count, unmatched)


def welch_df(parts):
    """Welch–Satterthwaite degrees of freedom of a sum of ``(variance of a mean, degrees of freedom)`` parts;
    parts without degrees of freedom (one customer) add no variance and are left out."""
    denominator = sum(part**2 / df for part, df in parts if df > 0 and part)
    return sum(part for part, _df in parts) ** 2 / denominator if denominator else inf


def incrementality(served, theta, control):
    """The :class:`Incrementality` of the ``served`` ``(stratum, Customer)`` pairs against ``control`` (a
    :class:`ControlStrata` of the same ``theta``)."""
    return Incrementality(
        did=matched_effect([(key, revenue_outcome(c, 1.0)) for key, c in served], control.revenue),
        cuped=matched_effect([(key, revenue_outcome(c, theta)) for key, c in served], control.cuped),
        retention=matched_effect(
            [(key, retention_outcome(c)) for key, c in served if c.bought_before], control.retention,
        ),
    )


def incremental_roi(incremental_revenue, gross_margin_pct, spend):
    """(incremental revenue × gross margin − spend) / spend in %; 0 when nothing was spent. ``spend`` is
    that of the customers the incremental revenue is measured on."""
    if spend <= 0:
        return 0.0
    return 100 * (incremental_revenue * gross_margin_pct / 100 - spend) / spend


def clv_change(revenue, period_days, gross_margin_pct, relationship_years):
    """A revenue change of ``period_days`` as lifetime value: yearly × gross margin × expected years."""
    return revenue * DAYS_PER_YEAR / period_days * gross_margin_pct / 100 * relationship_years


class Thresholds(NamedTuple):
    """An evaluation's recommendation thresholds (ROI in %, lift in points) and minimum of customers."""

    roi_increase_pct: float
    roi_keep_pct: float
    roi_stop_pct: float
    retention_lift_keep: float
    min_customers: int


def recommend(spend, roi, roi_low, roi_high, revenue_evidence, lift, lift_low, lift_evidence, thresholds):
    """``(recommendation, rule)`` on the evidence of a group's incremental ROI (its point and 90 % interval
    ``roi_low`` – ``roi_high``) and retention lift. In this order:

    nothing spent → stop (``nothing_spent``); too few customers → keep (``too_few``); ROI ≥ increase with
    significant revenue → increase (``increase``), unless served customers were significantly retained worse
    (``retained_worse``: keep), and without significant revenue → keep (``not_significant``); ROI ≥ keep →
    keep (``keep``); a significant lift whose interval reaches the keep lift → keep (``lift``); the interval's
    top below stop → stop (``stop``); below keep → reduce (``reduce``); else the interval reaches the keep
    ROI: keep and measure (``not_enough_evidence``). Compared at 0.01.
    """
    if spend <= 0.005:
        return "stop", "nothing_spent"
    if revenue_evidence == "too_few":
        return "keep", "too_few"
    if reaches(roi, thresholds.roi_increase_pct):
        if revenue_evidence != "significant":
            return "keep", "not_significant"
        worse = lift_evidence == "significant" and not reaches(lift, 0)
        return ("keep", "retained_worse") if worse else ("increase", "increase")
    if reaches(roi, thresholds.roi_keep_pct):
        return "keep", "keep"
    if lift_evidence == "significant" and reaches(lift_low, thresholds.retention_lift_keep):
        return "keep", "lift"
    if not reaches(roi_high, thresholds.roi_stop_pct):
        return "stop", "stop"
    if not reaches(roi_high, thresholds.roi_keep_pct):
        return "reduce", "reduce"
    return "keep", "not_enough_evidence"


def reaches(value, threshold):
    """``value`` ≥ ``threshold``, or equal to it at 0.01."""
    return value >= threshold or round(value - threshold, 2) == 0


def pick_holdout(candidate_ids, share_pct, seed):
    """The ids held out of ``candidate_ids``: ``share_pct`` % of them (rounded), drawn at random with ``seed``;
    the same seed and candidates give the same ids, whatever their order."""
    candidates = sorted(candidate_ids)
    count = round(len(candidates) * share_pct / 100)
    return sorted(random.Random(seed).sample(candidates, count))
