from datetime import date

from babel import Locale

from odoo.tests import BaseCase, TransactionCase

from odoo.addons.customer_care_budget.tools import money_formatter, period_label, without_jit

EN, ZH = Locale.parse("en_US"), Locale.parse("zh_CN")


class TestPeriodLabel(BaseCase):
    """Periods named as people write them (no database): whole months, quarters and years only."""

    def test_calendar_periods_are_named_in_the_language(self):
        self.assertEqual(period_label(date(2026, 6, 1), date(2026, 6, 30), EN), "Jun 2026")
        self.assertEqual(period_label(date(2026, 6, 1), date(2026, 6, 30), ZH), "2026年6月")
        self.assertEqual(period_label(date(2026, 4, 1), date(2026, 6, 30), EN), "Q2 2026")
        self.assertEqual(period_label(date(2026, 4, 1), date(2026, 6, 30), ZH), "2026年第2季度")
        self.assertEqual(period_label(date(2026, 1, 1), date(2026, 12, 31), EN), "2026")
        self.assertEqual(period_label(date(2028, 2, 1), date(2028, 2, 29), EN), "Feb 2028")

    def test_other_periods_have_no_name(self):
        for start, end in [
            (date(2026, 2, 1), date(2026, 4, 30)),  # three months, not a quarter
            (date(2026, 7, 1), date(2027, 6, 30)),  # twelve months, not a year
            (date(2026, 6, 2), date(2026, 6, 30)),  # not from the first day
            (date(2026, 6, 1), date(2026, 6, 29)),  # not to the last day
            (date(2026, 6, 1), date(2026, 7, 31)),  # two months
        ]:
            self.assertIsNone(period_label(start, end, EN), (start, end))


class TestMoneyFormatter(TransactionCase):
    """The money formatter of the churn signals writes what ``currency.format`` writes, faster."""

    def test_same_text_as_the_currency_format(self):
        # thousands by commas, by no-break spaces with a decimal comma, by apostrophes; Indian lakhs
        languages = ["en_US", "fr_FR", "de_CH", "en_IN", "zh_CN"]
        for code in languages[1:]:
            self.env["res.lang"]._activate_lang(code)
        currencies = [self.env.ref(f"base.{code}") for code in ("USD", "EUR", "JPY", "CNY")]  # before, after, 0 digits
        currencies[1].active = currencies[2].active = currencies[3].active = True
        amounts = [0.0, 0.4, -0.4, 12.345, 999.995, -1234.5, 1234567.891, 98765432.1]
        for code in languages:
            env = self.env(context={"lang": code})
            for currency in currencies:
                format_money = money_formatter(env, currency.with_env(env))
                for amount in amounts:
                    with self.subTest(lang=code, currency=currency.name, amount=amount):
                        self.assertEqual(format_money(amount), currency.with_env(env).format(amount))
        self.assertEqual(money_formatter(self.env(context={"lang": "en_IN"}), currencies[0])(12345678.9),
                         "$\N{NO-BREAK SPACE}1,23,45,678.90")


class TestWithoutJit(TransactionCase):
    """The evaluation's queries run without PostgreSQL's JIT, the setting back as it was after them."""

    def _jit(self):
        self.env.cr.execute("SHOW jit")
        return self.env.cr.fetchone()[0]

    def test_jit_off_inside_only(self):
        self.env.cr.execute("SET LOCAL jit = on")
        with without_jit(self.env.cr):
            self.assertEqual(self._jit(), "off")
        self.assertEqual(self._jit(), "on")
