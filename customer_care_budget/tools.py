"""Arithmetic shared by the planning helpers and the evaluation."""

from math import floor


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
