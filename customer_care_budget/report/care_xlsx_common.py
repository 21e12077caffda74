import io
from datetime import date, datetime

import xlsxwriter

from odoo import models
from odoo.tools import SQL

PERCENT = "0.0"  # percentages are stored as 0-100, not as fractions
INVALID_SHEET_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


class CareXlsxCommon(models.AbstractModel):
    """What the addon's XLSX reports share: streamed workbooks, cell formats, typed writing.

    Reports print what the reader may read: the reader's access to the printed records is checked once,
    then they read through the ORM with the reader's rights (the expense ledger reads its rows in SQL).
    The workbook is written in xlsxwriter's ``constant_memory`` mode: each row goes to a temporary file
    once written, so a large export never holds its cells in memory; rows must therefore be written top
    to bottom.
    """

    _name = "report.customer_care_budget.xlsx_common"
    _inherit = "report.report_xlsx.abstract"
    _description = "Customer Care XLSX Report"

    def get_workbook_options(self):
        # text stays text: a customer named "=HYPERLINK(...)" must never become a formula (or a number,
        # or a link) in the reader's spreadsheet
        return {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        }

    def create_xlsx_report(self, docids, data):
        """As report_xlsx's, with the reader's access checked first, and the file returned without a copy
        (``getvalue()`` hands the buffer over, ``read()`` copies it): a large export is held once."""
        records = self._get_objs_for_report(docids, data)
        self._check_report_access(records)
        file_data = io.BytesIO()
        workbook = xlsxwriter.Workbook(file_data, self.get_workbook_options())
        self.generate_xlsx_report(workbook, data, records)
        workbook.close()
        return file_data.getvalue(), "xlsx"

    def _check_report_access(self, records):
        """The reader's rights and record rules on ``records``, checked once whatever the cache holds, by
        counting them in SQL: ``check_access()`` would load every record of a large export to match it
        against the rules, so it only runs to raise its error when some are missing from the count."""
        query, _printed = self._printed_query(records)
        if len(query) < len(records):
            records.check_access("read")

    def _printed_query(self, records):
        """(query, alias) of ``records`` as the reader may read them, each as often as its id comes in
        ``records``; ``alias``.ordinality is the rank of the id. The ids join as one array parameter,
        lighter to send than an ``IN`` list."""
        query = records._search([], active_test=False)
        ids = SQL("(SELECT * FROM UNNEST(%s::int[]) WITH ORDINALITY)", records.ids)
        return query, query.join(query.table, "id", ids, "unnest", "printed")

    def _formats(self, workbook, currency):
        """Cell formats, money in ``currency`` (its symbol and decimals)."""
        money = self._report_xlsx_currency_format(currency)
        add = workbook.add_format
        return {
            "title": add({"bold": True, "font_size": 14}),
            "note": add({"italic": True, "font_color": "#595959"}),
            "header": add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}),
            "text": add({}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "int": add({"num_format": "0"}),
            "money": add({"num_format": money}),
            "percent": add({"num_format": PERCENT}),
            "warning": add({"num_format": PERCENT, "bg_color": "#FFEB9C", "font_color": "#9C5700"}),
            "over": add({"num_format": PERCENT, "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "total": add({"bold": True, "top": 1}),
            "total_money": add({"bold": True, "top": 1, "num_format": money}),
            "total_percent": add({"bold": True, "top": 1, "num_format": PERCENT}),
        }

    def _money_format(self, workbook, formats, currency, total=False):
        """The money format of ``currency`` (made once per workbook): companies may differ in currency."""
        key = ("total_money" if total else "money", currency.id)
        if key not in formats:
            options = {"num_format": self._report_xlsx_currency_format(currency)}
            formats[key] = workbook.add_format({**options, "bold": True, "top": 1} if total else options)
        return formats[key]

    def _add_sheet(self, workbook, name):
        # Excel refuses some characters, more than 31 of them, and a quote at either end
        return workbook.add_worksheet(name.translate(INVALID_SHEET_CHARS)[:31].strip("' ") or "-")

    def _write_header(self, sheet, row, columns, formats):
        """``columns``: [(label, width)]. The rows above and the header stay visible when scrolling."""
        for col, (label, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(row, col, label, formats["header"])
        sheet.freeze_panes(row + 1, 0)

    def _write_row(self, sheet, row, cells):
        """``cells``: [(value, format)], written by type: text always as text, never as a formula."""
        for col, (value, cell_format) in enumerate(cells):
            if value is None or value is False:
                sheet.write_blank(row, col, None, cell_format)
            elif isinstance(value, (int, float)):
                sheet.write_number(row, col, value, cell_format)
            elif isinstance(value, (date, datetime)):
                sheet.write_datetime(row, col, value, cell_format)
            else:
                sheet.write_string(row, col, str(value), cell_format)

    def _consumption_format(self, formats, consumption, threshold):
        """Red over 100 % (``None``: spending on nothing planned), amber from the warning threshold."""
        if consumption is None or consumption > 100:
            return formats["over"]
        return formats["warning"] if consumption >= threshold else formats["percent"]
