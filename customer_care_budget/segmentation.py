"""Customer segmentation formulas (客户分层): the RFM tier, lifecycle stage, churn signals and lifetime value of
one customer, from the aggregate of its posted invoices.

Pure Python, no ORM: ``res.partner`` gathers one :class:`InvoiceAggregate` per customer in SQL (see
``_care_invoice_aggregate_query``), reads a company's settings once into :class:`SegmentRules`, and stores
what these functions return.
"""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


class InvoiceAggregate(NamedTuple):
    """A customer's posted invoices and refunds up to the day of the recompute, in company currency."""

    first_date: date | None  # of the first invoice (refunds left out); None: refunds only
    last_date: date | None
    invoice_count: int
    revenue_all: float  # all invoices minus refunds, untaxed
    frequency: int  # invoices within the window
    monetary: float  # revenue within the window
    revenue_early: float  # within the window's first half
    revenue_late: float  # within its last half
    r_score: int  # quintile scores 1-5
    f_score: int
    m_score: int


@dataclass(frozen=True)
class SegmentRules:
    """A company's segmentation settings on the day of the recompute, and its tier ladder."""

    today: date
    window_days: int
    new_days: int
    dormant_days: int
    lost_days: int
    at_risk_drop_pct: float
    gap_factor: float
    gross_margin_pct: float
    relationship_years: float
    tier_basis: str  # "rfm": tiers rank the RFM score, "clv": the discounted CLV
    ladder: tuple  # ((minimum score or CLV, tier id), ...), highest minimum first
    decimal_places: int  # of the company currency


@dataclass(frozen=True)
class RevenueDrop:
    """互动频率降低 / 购买金额减少: revenue of the window's last half fell against the half before."""

    days: int  # of each half
    early: float
    late: float
    drop_pct: int


@dataclass(frozen=True)
class PurchaseGap:
    """No purchase for longer than the average gap between purchases times the gap factor."""

    recency: int
    factor: float
    average_gap: float


@dataclass(frozen=True)
class ProbablyGone:
    """The fitted purchase model (``clv_model``) gives the customer less than the threshold's chance of still being
    a customer."""

    alive_pct: float
    threshold_pct: float


def tier_for_score(ladder, score):
    """The tier (id) of ``ladder`` the ``score`` (RFM score or CLV) reaches: the highest whose minimum it
    reaches; None."""
    return next((tier_id for minimum, tier_id in ladder if score >= minimum), None)


def is_invoiced(row):
    """Whether the customer of ``row`` (None: no posted invoice nor refund) was ever invoiced."""
    return bool(row and row.last_date)


def rfm_score(row):
    """R + F + M of an invoiced customer (3-15; never-invoiced customers score 0)."""
    return row.r_score + row.f_score + row.m_score


def churn_signals(row, rules):
    """The churn signals that are on for an invoiced customer: a :class:`RevenueDrop`, a :class:`PurchaseGap`."""
    signals = []
    early, late = row.revenue_early, row.revenue_late
    if early > 0 and late <= early * (1 - rules.at_risk_drop_pct / 100):
        signals.append(RevenueDrop(rules.window_days // 2, early, late, round(100 * (early - late) / early)))
    if row.invoice_count >= 2:
        average_gap = (row.last_date - row.first_date).days / (row.invoice_count - 1)
        recency = (rules.today - row.last_date).days
        if recency > average_gap * rules.gap_factor:
            signals.append(PurchaseGap(recency, rules.gap_factor, round(average_gap, 1)))
    return signals


def lifecycle_stage(row, rules, churn_risk):
    """The stage of an invoiced customer: new, active, at risk (a churn signal is on), dormant or lost (never
    invoiced: prospect)."""
    recency = (rules.today - row.last_date).days
    if recency > rules.lost_days:
        return "lost"
    if recency > rules.dormant_days:
        return "dormant"
    if (rules.today - row.first_date).days <= rules.new_days:
        return "new"
    return "at_risk" if churn_risk else "active"


def lifetime_value(row, rules):
    """Average yearly revenue (over the years since the first invoice, at least one) x gross margin x
    expected relationship years, rounded to the company currency; never negative."""
    years = max((rules.today - row.first_date).days / 365.25, 1.0)
    yearly_revenue = max(row.revenue_all / years, 0.0)
    # an estimate: Python's rounding to the currency's decimals is as good as the currency's own, and faster
    return round(yearly_revenue * rules.gross_margin_pct / 100 * rules.relationship_years, rules.decimal_places)
