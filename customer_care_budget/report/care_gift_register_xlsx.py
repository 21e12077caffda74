from odoo import models
from odoo.tools import groupby


class CareGiftRegisterXlsx(models.AbstractModel):
    """The gifts & hospitality register for an audit: the printed rows by recipient, then by date, each
    recipient closed by a total of its events and values per person; the total of all in the last row. Read
    through the ORM with the reader's rights (a register is a compliance officer's selection, not a ledger)."""

    _name = "report.customer_care_budget.care_gift_register_xlsx"
    _inherit = "report.customer_care_budget.xlsx_common"
    _description = "Gifts and Hospitality Register XLSX"

    def generate_xlsx_report(self, workbook, data, rows):
        formats = self._formats(workbook, self.env.company.currency_id)
        sheet = self._add_sheet(workbook, self.env._("Gifts & Hospitality Register"))
        sheet.write_string(0, 0, self.env._("Gifts & Hospitality Register"), formats["title"])
        self._write_header(sheet, 1, self._columns(), formats)
        states = dict(rows._fields["state"]._description_selection(self.env))
        yes, no = self.env._("Yes"), self.env._("No")
        row = 2
        ordered = rows.sorted(lambda line: (line.recipient_id.name or "", line.recipient_id.id, line.date, line.id))
        for recipient, lines in groupby(ordered, key=lambda line: line.recipient_id):
            lines = rows.browse().concat(*lines)
            for line in lines:
                money = self._money_format(workbook, formats, line.currency_id)
                self._write_row(sheet, row, [
                    (line.recipient_id.name, None),
                    (yes if line.public_official else no, None),
                    (line.partner_id.name, None),
                    (line.date, formats["date"]),
                    (line.activity_type_id.name, None),
                    (line.purpose, None),
                    (line.person_count, formats["int"]),
                    (line.amount_per_person, money),
                    (line.expense_id.name, None),
                    (line.user_id.name, None),
                    (line.approver_id.name, None),
                    (states.get(line.state), None),
                    (line.company_id.name, None),
                ])
                row += 1
            row = self._write_total(
                workbook, sheet, row, self.env._("Total %(recipient)s", recipient=recipient.name), lines, formats,
            )
        self._write_total(workbook, sheet, row, self.env._("Total"), rows, formats)

    def _columns(self):
        return [
            (self.env._("Recipient"), 24),
            (self.env._("Public Official"), 10),
            (self.env._("Customer"), 24),
            (self.env._("Date"), 11),
            (self.env._("Activity"), 16),
            (self.env._("What"), 32),
            (self.env._("Persons"), 8),
            (self.env._("Value per Person"), 14),
            (self.env._("Expense"), 14),
            (self.env._("Requested By"), 18),
            (self.env._("Approved By"), 18),
            (self.env._("Status"), 10),
            (self.env._("Company"), 18),
        ]

    def _write_total(self, workbook, sheet, row, label, lines, formats):
        """A total row of ``lines``: its label with their number of events, and the sum of their values per
        person (a row per company currency)."""
        for currency in lines.currency_id:
            mine = lines.filtered(lambda line, currency=currency: line.currency_id == currency)
            cells = [(f"{label} ({len(mine)})", formats["total"])]
            cells += [(None, formats["total"])] * 6
            cells.append((sum(mine.mapped("amount_per_person")),
                          self._money_format(workbook, formats, currency, total=True)))
            self._write_row(sheet, row, cells)
            row += 1
        return row
