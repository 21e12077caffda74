"""Money, ratio and calendar arithmetic shared by the planning helpers, the evaluation and the reports; the
set-based insert of computed rows."""

import ast
import json
from contextlib import contextmanager
from datetime import timedelta
from math import floor

from babel.dates import format_skeleton
from dateutil.relativedelta import relativedelta

from odoo.tools import SQL, format_date
from odoo.tools.float_utils import float_round
from odoo.tools.misc import babel_locale_parse, get_lang

from odoo.addons.base.models.res_lang import intersperse


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


def money_formatter(env, currency):
    """``currency.format`` in the user's language as a plain function of the amount, for wording thousands of
    amounts at once (the churn signals of every customer): the language and the currency are read once, the
    text is the same."""
    lang = env["res.lang"]._get_data(code=get_lang(env).code)
    grouping, separator = ast.literal_eval(lang.grouping), lang.thousands_sep or ""
    places, rounding = currency.decimal_places, currency.rounding
    before = f"{currency.symbol or ''}\N{NO-BREAK SPACE}" if currency.position == "before" else ""
    after = "" if before else f"\N{NO-BREAK SPACE}{currency.symbol or ''}"
    # Python's own grouping is the usual one, thousands (the language's separators swapped in below)
    thousands = grouping in ([3, 0], [3])
    swap = str.maketrans({",": separator, ".": lang.decimal_point, " ": "\N{NO-BREAK SPACE}",
                          "-": "-\N{ZERO WIDTH NO-BREAK SPACE}"})

    def format_money(amount):
        amount = float_round(amount, precision_rounding=rounding)
        if thousands:
            number = f"{amount:,.{places}f}"
        else:
            integer, point, decimals = f"{amount:.{places}f}".partition(".")
            number = intersperse(integer, grouping, ",")[0] + point + decimals
        return f"{before}{number.translate(swap)}{after}"

    return format_money


def success_notification(message, next_action):
    """The client action that shows ``message`` as a success, then runs ``next_action``."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {"type": "success", "message": message, "next": next_action},
    }


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


def insert_rows(model, vals_list):
    """Insert ``vals_list`` into the table of ``model`` in one statement, from one JSON array (``json``, not
    ``jsonb``: read once, it needs no binary form, which took half the time of 20,000 rows).

    For rows a computation writes by the thousand (evaluation results, segment history): values are stored
    column values (ids, numbers, ISO dates; a column a row leaves out is NULL), monetary ones rounded to their
    row's currency, creation and write user and date set. Nothing of ``create()`` runs (defaults, computes,
    constraints, access checks): the caller has checked what it writes, and the cache of the one2many fields
    that list the new rows is its to invalidate.
    """
    if not vals_list:
        return
    fnames = list(dict.fromkeys(fname for vals in vals_list for fname in vals))
    currencies = {model._fields[fname].get_currency_field(model)
                  for fname in fnames if model._fields[fname].type == "monetary"}
    if not currencies <= set(fnames) or len(currencies) > 1:
        raise ValueError(f"the monetary values of {model._name} need their one currency column")

    def value(fname):
        if model._fields[fname].type == "monetary":
            return SQL("ROUND(given.%s, currency.decimal_places)", SQL.identifier(fname))
        return SQL("given.%s", SQL.identifier(fname))

    currency_join = SQL("JOIN res_currency AS currency ON currency.id = given.%s", SQL.identifier(*currencies)) \
        if currencies else SQL()
    now = model.env.cr.now()
    model.env.cr.execute(SQL(
        """
        INSERT INTO %(table)s (%(columns)s, create_uid, create_date, write_uid, write_date)
             SELECT %(values)s, %(uid)s, %(now)s, %(uid)s, %(now)s
               FROM json_populate_recordset(NULL::%(table)s, %(rows)s::json) AS given %(currency_join)s
        """,
        table=SQL.identifier(model._table),
        columns=SQL(", ").join(SQL.identifier(fname) for fname in fnames),
        values=SQL(", ").join(value(fname) for fname in fnames),
        uid=model.env.uid, now=now, rows=json.dumps(vals_list, default=str), currency_join=currency_join,
    ))


@contextmanager
def without_jit(cr):
    """Run the queries of the block without PostgreSQL's JIT compilation, back to the setting after it.

    PostgreSQL compiles a plan whose estimated cost is high; the evaluation's analytic queries (CTEs over
    a period, a lateral lookup per customer) are estimated far above what they read, and compiling them
    takes seconds where running them takes a fraction of one."""
    cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
    previous = cr.fetchone()[0]
    yield
    cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))
