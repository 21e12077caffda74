from datetime import date

from babel import Locale

from odoo.tests import BaseCase

from odoo.addons.customer_care_budget.tools import period_label

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
