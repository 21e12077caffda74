"""Money, ratio and calendar arithmetic shared by the planning helpers, the evaluation and the reports."""

from datetime import timedelta
from math import floor

from babel.dates import format_skeleton
from dateutil.relativedelta import relativedelta

from odoo.tools import format_date
from odoo.tools.misc import babel_locale_parse


def split_amount(amount, weights, currency):
    """Split ``amount`` in proportion to ``weights``, rounded to the currency, cents conserved.

    Largest remainder: every part gets its share rounded down to the currency's unit, then the units
    left go, one each, to the parts that lost most by rounding (the earlier part on a tie). So the
    parts always add up to ``amount`` exactly.
    """
    total_weight = sum(weights)
    if not weights or total_weight <= 0:
        raise ValueError("weights must be positive")
    units = round(amount / currency.rounding)
    shares = [units * weight / total_weight for weight in weights]
    parts = [floor(share) for share in shares]
    by_loss = sorted(range(len(shares)), key=lambda index: shares[index] - parts[index], reverse=True)
    for index in by_loss[: units - sum(parts)]:
        parts[index] += 1
    return [currency.round(part * currency.rounding) for part in parts]


def safe_ratio(numerator, denominator):
    """``numerator / denominator``, 0 when there is nothing to divide by (no spend, no customers...)."""
    return numerator / denominator if denominator else 0.0


def calendar_periods(date_from, date_to, months):
    """Calendar periods of ``months`` months covering [date_from, date_to], clipped to it."""
    periods = []
    start = date_from
    while start <= date_to:
        period_start = start.replace(day=1)
        if months == 3:
            period_start = period_start.replace(month=3 * ((start.month - 1) // 3) + 1)
        end = min(period_start + relativedelta(months=months, days=-1), date_to)
        periods.append((start, end))
        start = end + relativedelta(days=1)
    return periods


def period_label(date_from, date_to, locale):
    """A whole calendar month, quarter or year as people write it in ``locale`` (a babel Locale):
    "Jun 2026" / "2026年6月", "Q2 2026" / "2026年第2季度", "2026" / "2026年"; None for any other period."""
    if date_from.day != 1 or (date_to + timedelta(days=1)).day != 1:
        return None
    months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
    skeleton = {1: "yMMM", 3: "yQQQ", 12: "y"}.get(months)
    if months == 3 and date_from.month % 3 != 1 or months == 12 and date_from.month != 1:
        skeleton = None
    return format_skeleton(skeleton, date_from, locale=locale) if skeleton else None


def format_period(env, date_from, date_to):
    """A period in the user's language: its month, quarter or year (:func:`period_label`), else its
    first and last days in the user's date format."""
    return period_label(date_from, date_to, babel_locale_parse(env.lang or "en_US")) \
        or f"{format_date(env, date_from)} – {format_date(env, date_to)}"
