from collections import defaultdict

from odoo import models
from odoo.tools import SQL

FETCH_SIZE = 1000  # rows held in memory at once

# the expenses' many2ones read through the ORM (names, display names): few records, each read once
REFERENCES = (
    "user_id", "customer_tier_id", "care_activity_type_id", "budget_id", "budget_line_id", "currency_id", "company_id",
)


class CareExpenseLedgerXlsx(models.AbstractModel):
    """Expense ledger (费用明细账), for accountants: one row per expense with its bill, accounts and payment.

    The rows come from one SQL query, fetched in batches, and the workbook streams them to disk (see the
    common report): 100,000 expenses export in bounded memory, close to bare xlsxwriter. The few records
    the rows name (requesters, tiers, activities, plans, lines, currencies, accounts) are read once each
    through the ORM: names in the reader's language, display names, account codes per company. Totals
    are per company currency, of approved and of posted expenses; the posted total equals the balance of
    the expense lines of their bills. Accounting columns stay empty for a reader without accounting rights.
    """

    _name = "report.customer_care_budget.care_expense_ledger_xlsx"
    _inherit = "report.customer_care_budget.xlsx_common"
    _description = "Customer Care Expense Ledger XLSX"

    def generate_xlsx_report(self, workbook, data, expenses):
        formats = self._formats(workbook, self.env.company.currency_id)
        sheet = self._add_sheet(workbook, self.env._("Expense Ledger"))
        self._write_header(sheet, 0, self._columns(), formats)
        states = dict(expenses._fields["state"]._description_selection(self.env))
        payments = dict(expenses._fields["payment_status"]._description_selection(self.env))
        accounting = self.env["account.move.line"].has_access("read")
        records, booked_accounts = self._references(expenses, accounting)
        users = {user.id: user.name for user in records["user_id"]}
        tiers = {tier.id: tier.name for tier in records["customer_tier_id"]}
        activities = {activity.id: activity.name for activity in records["care_activity_type_id"]}
        budgets = {budget.id: budget.name for budget in records["budget_id"]}
        analytic_accounts = {budget.id: budget.analytic_account_id.display_name for budget in records["budget_id"]}
        lines = {line.id: line.display_name for line in records["budget_line_id"]}
        company_currencies = {company.id: company.currency_id.id for company in records["company_id"]}
        currencies = {currency.id: currency for currency in records["currency_id"] | records["company_id"].currency_id}
        currency_names = {currency.id: currency.name for currency in currencies.values()}
        money = {currency.id: self._money_format(workbook, formats, currency) for currency in currencies.values()}
        accounts = {
            (account_id, company_id): self._account_label(
                self.env["account.account"].browse(account_id).with_company(company_id),
            )
            for account_id, company_id in booked_accounts
        }
        # no format for text: an empty text cell is left out, as bare xlsxwriter does
        text, date, integer = None, formats["date"], formats["int"]

        # all the rest is read: nothing below may query, the rows are being fetched from the cursor
        rows = self._rows_query(expenses, accounting)
        self.env.flush_query(rows)
        self.env.cr.execute(rows)
        row, totals = 1, defaultdict(float)
        while batch := self.env.cr.fetchmany(FETCH_SIZE):
            for (name, expense_date, user_id, partner, tier_id, activity_id, budget_id, line_id, amount, currency_id,
                 amount_company, company_id, state, payment_status, accounting_date, bill, credit_note, account_id,
                 account_company_id, receipt_count) in batch:
                company_currency_id = company_currencies[company_id]
                self._write_row(
                    sheet,
                    row,
                    [
                        (name, text),
                        (expense_date, date),
                        (accounting_date, date),
                        (users[user_id], text),
                        (partner, text),
                        (tiers.get(tier_id), text),
                        (activities[activity_id], text),
                        (budgets.get(budget_id), text),
                        (lines.get(line_id), text),
                        (amount, money[currency_id]),
                        (currency_names[currency_id], text),
                        (amount_company, money[company_currency_id]),
                        (states[state], text),
                        (bill, text),
                        (credit_note, text),
                        (accounts.get((account_id, account_company_id)), text),
                        (analytic_accounts.get(budget_id) if account_id else None, text),
                        (payments.get(payment_status), text),
                        (receipt_count, integer),
                    ],
                )
                row += 1
                if state in ("approved", "posted"):
                    totals[company_currency_id, state] += amount_company
        totals = {(currencies[currency_id], state): amount for (currency_id, state), amount in totals.items()}
        self._write_totals(workbook, sheet, row, totals, states, formats)

    def _references(self, expenses, accounting):
        """({field: records} of the ``REFERENCES`` of ``expenses``, [(account id, company id)] of their
        booked accounts), their distinct ids in one query."""
        query, _printed = self._printed_query(expenses)
        columns = [expenses._field_to_sql(query.table, fname, query) for fname in REFERENCES]
        if accounting:
            items, booked = self.env["account.move.line"], self._join_booked_item(query, expenses)
            account_id = items._field_to_sql(booked, "account_id", query)
            accounts = SQL(
                "ARRAY_AGG(DISTINCT ARRAY[%s, %s]) FILTER (WHERE %s IS NOT NULL)",
                account_id, items._field_to_sql(booked, "company_id", query), account_id,
            )
        else:
            accounts = SQL("NULL")
        *ids, account_ids = self.env.execute_query(query.select(
            *(SQL("COALESCE(ARRAY_AGG(DISTINCT %s) FILTER (WHERE %s IS NOT NULL), '{}')", column, column)
              for column in columns),
            accounts,
        ))[0]
        records = {
            fname: self.env[expenses._fields[fname].comodel_name].browse(record_ids)
            for fname, record_ids in zip(REFERENCES, ids)
        }
        return records, account_ids or []

    def _rows_query(self, expenses, accounting):
        """SQL of the ledger's rows, ``expenses`` in their order: the values the columns show, or the ids of
        the records they name (``REFERENCES``); the accounting ones (NULL without ``accounting``): the bill's
        date and name, the credit note's name, the booked account and its company (the code is per company);
        the number of receipts. The customer's name is shown to whoever may read the expense, as its form
        shows it."""
        query, printed = self._printed_query(expenses)
        alias = query.table
        partner = self._left_join(query, expenses, "partner_id")

        def field(fname):
            return expenses._field_to_sql(alias, fname, query)

        columns = [
            field("name"),
            field("date"),
            field("user_id"),
            self.env["res.partner"]._field_to_sql(partner, "name", query),
            *map(field, [
                "customer_tier_id", "care_activity_type_id", "budget_id", "budget_line_id", "amount", "currency_id",
                "amount_company", "company_id", "state", "payment_status",
            ]),
        ]
        # receipts counted by grouping on what identifies the row: a subquery per row would cost enough for
        # PostgreSQL to JIT-compile the plan of a large export, a second or so
        groups = [SQL.identifier(printed, "ordinality"), SQL.identifier(alias, "id"), SQL.identifier(partner, "id")]
        if accounting:
            moves, items = self.env["account.move"], self.env["account.move.line"]
            bill = self._left_join(query, expenses, "move_id")
            credit_note = self._left_join(query, expenses, "reversal_move_id")
            booked = self._join_booked_item(query, expenses)
            columns += [
                moves._field_to_sql(bill, "date", query),
                moves._field_to_sql(bill, "name", query),
                moves._field_to_sql(credit_note, "name", query),
                items._field_to_sql(booked, "account_id", query),
                items._field_to_sql(booked, "company_id", query),
            ]
            groups += [SQL.identifier(bill, "id"), SQL.identifier(credit_note, "id"), SQL.identifier(booked, "id")]
        else:
            columns += [SQL("NULL")] * 5
        columns.append(SQL("COUNT(%s)", SQL.identifier(self._join_receipts(query, expenses), "id")))
        query.groupby = SQL(", ").join(groups)
        query.order = SQL.identifier(printed, "ordinality")
        return query.select(*columns)

    def _left_join(self, query, expenses, fname):
        """Join the record the many2one ``fname`` of the expenses of ``query`` names; return its alias."""
        field = expenses._fields[fname]
        joined = query.make_alias(query.table, fname)
        query.add_join("LEFT JOIN", joined, self.env[field.comodel_name]._table, SQL(
            "%s = %s", expenses._field_to_sql(query.table, fname, query), SQL.identifier(joined, "id"),
        ))
        return joined

    def _join_booked_item(self, query, expenses):
        """Join the expense line of the bill of the expenses of ``query``; return its alias. A bill has one:
        only the expense's posting links journal items to it (see account.move.line)."""
        items = self.env["account.move.line"]
        booked = query.make_alias(query.table, "booked_item")
        query.add_join("LEFT JOIN", booked, items._table, SQL(
            "%s = %s AND %s = %s AND %s = 'product'",
            items._field_to_sql(booked, "care_expense_id", query), SQL.identifier(query.table, "id"),
            items._field_to_sql(booked, "move_id", query), expenses._field_to_sql(query.table, "move_id", query),
            items._field_to_sql(booked, "display_type", query),
        ))
        return booked

    def _join_receipts(self, query, expenses):
        """Join the receipts of the expenses of ``query``, as their ``receipt_count`` counts them (the
        attachments of the expense, readable by whoever may read it, not those of binary fields); return
        their alias."""
        attachments = self.env["ir.attachment"]
        receipts = query.make_alias(query.table, "receipts")
        query.add_join("LEFT JOIN", receipts, attachments._table, SQL(
            "%s = %s AND %s = %s AND %s IS NULL",
            attachments._field_to_sql(receipts, "res_model", query), expenses._name,
            attachments._field_to_sql(receipts, "res_id", query), SQL.identifier(query.table, "id"),
            attachments._field_to_sql(receipts, "res_field", query),
        ))
        return receipts

    def _write_totals(self, workbook, sheet, row, totals, states, formats):
        """One total per company currency and state that consumes budgets (approved, posted): the posted
        total equals the balance of the bills' expense lines."""
        for (currency, state), amount in sorted(totals.items(), key=lambda item: (item[0][0].name, item[0][1])):
            label = self.env._("Total %(state)s (%(currency)s)", state=states[state].lower(), currency=currency.name)
            cells = [(label, formats["total"])] + [(None, formats["total"])] * 10
            self._write_row(sheet, row, [*cells, (amount, self._money_format(workbook, formats, currency, total=True))])
            row += 1

    def _columns(self):
        return [
            (self.env._("Reference"), 16),
            (self.env._("Date"), 11),
            (self.env._("Accounting Date"), 11),
            (self.env._("Requester"), 18),
            (self.env._("Customer"), 24),
            (self.env._("Tier"), 12),
            (self.env._("Activity"), 18),
            (self.env._("Plan"), 22),
            (self.env._("Budget Line"), 30),
            (self.env._("Amount"), 13),
            (self.env._("Currency"), 8),
            (self.env._("Amount (Company)"), 14),
            (self.env._("Status"), 11),
            (self.env._("Bill"), 16),
            (self.env._("Credit Note"), 16),
            (self.env._("Expense Account"), 24),
            (self.env._("Analytic Account"), 22),
            (self.env._("Payment"), 11),
            (self.env._("Receipts"), 8),
        ]

    def _account_label(self, account):
        """Code and name of ``account``, the code of the company of its environment (it is per company)."""
        return f"{account.code} {account.name}"
