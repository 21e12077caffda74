import io
from datetime import datetime

from openpyxl import load_workbook

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_evaluation import EvaluationCommon


@tagged("post_install", "-at_install")
class TestXlsxReports(EvaluationCommon):
    """The three XLSX reports opened with openpyxl: headers, rows, totals against the books, formats."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a customer whose name would be a formula if written carelessly
        cls.customers["E"].name = '=HYPERLINK("http://evil.example","click")'
        cls._submit_and_approve(cls._expense(250, cls.customers["E"]))

    def _render(self, xmlid, records, user=None):
        report = self.env.ref(xmlid)
        content, kind = self.env["ir.actions.report"].with_user(user or self.care_manager)._render_xlsx(
            report.report_name, records.ids, {},
        )
        self.assertEqual(kind, "xlsx")
        return load_workbook(io.BytesIO(content))

    @staticmethod
    def _rows(sheet, header_row):
        """The rows below the header, as lists of values, up to the first empty row."""
        rows = []
        for values in sheet.iter_rows(min_row=header_row + 1, values_only=True):
            if not any(value not in (None, "") for value in values):
                break
            rows.append(list(values))
        return rows

    # ------------------------------------------------------------
    # budget vs actual
    # ------------------------------------------------------------

    def test_budget_vs_actual(self):
        book = self._render("customer_care_budget.care_budget_xlsx_report", self.plan)
        self.assertEqual(book.sheetnames, ["Care 2026", "By Month", "Overrides"])
        sheet = book["Care 2026"]
        header = [cell.value for cell in sheet[4]]
        self.assertEqual(header[:11], ["Activity", "Tier", "Key Account", "Start", "End", "Planned", "Revised",
                                       "Committed", "Actual", "Available", "Consumption (%)"])
        self.assertEqual(sheet.freeze_panes, "A5")
        rows = self._rows(sheet, 4)
        lines = [row for row in rows if not str(row[0]).startswith("Subtotal")]
        self.assertEqual(len(lines), len(self.plan.line_ids))
        gift_h1 = next(row for row in rows if row[0] == "Gifts" and row[3].month == 1)
        self.assertEqual(list(gift_h1[5:10]), [10000.0, 10000.0, 1250.0, 1000.0, 7750.0])  # E's new gift: committed
        subtotal = next(row for row in rows if row[0] == "Subtotal Gifts")
        self.assertEqual(list(subtotal[5:10]), [11000.0, 11000.0, 1550.0, 1000.0, 8450.0])  # C's July gift included
        # the lines' total, the reserve and the total budget at the bottom
        values = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
        self.assertEqual(list(values["Total lines"][5:10]), [
            self.plan.amount_planned, self.plan.amount_planned, self.plan.amount_committed, self.plan.amount_actual,
            self.plan.amount_available,
        ])
        self.assertEqual(values["Unallocated reserve"][6], 1000.0)
        self.assertEqual(values["Total budget"][6], self.plan.amount_total)
        self.assertEqual(values["Key"][5], 3000.0, "subtotal of the KEY tier lines")
        money = sheet.cell(5, 6).number_format
        self.assertIn("#,##0.00", money)

    def test_consumption_colours_and_overrides(self):
        self.meal_key_line.warning_threshold = 10.0  # 500 of 3,000 spent: 16.7 %
        self.tier_standard.annual_allowance = 0
        over = self._expense(1800, self.customers["G"], activity=self.meal, date="2026-06-16")
        over.action_submit()  # 400 + 1,800 of 2,000
        over.with_user(self.care_manager)._grant_override("Renewal at stake")
        over.with_user(self.care_manager).validate_tier()
        over.with_user(self.care_manager).validate_tier()
        self.assertEqual(over.state, "approved")
        refused = self._expense(900, self.customers["F"], activity=self.meal, date="2026-06-17")
        refused.action_submit()
        refused.with_user(self.care_manager)._grant_override("Not convincing")
        refused.with_user(self.care_manager)._reject("Over budget after all")
        self.assertEqual(refused.state, "rejected")  # its override consumes nothing: not listed below
        sheet = self._render("customer_care_budget.care_budget_xlsx_report", self.plan)["Care 2026"]
        fills = {
            (row[0].value, row[1].value): row[10].fill.fgColor.rgb
            for row in sheet.iter_rows(min_row=5, max_row=4 + len(self.plan.line_ids) + 3)
            if row[0].value and row[3].value
        }
        self.assertEqual(fills[("Business Meals", "Key")], "FFFFEB9C", "amber from the warning threshold")
        self.assertEqual(fills[("Business Meals", "Standard")], "FFFFC7CE", "red over 100 %")
        self.assertEqual(fills[("Customer Visits", "All tiers")], "00000000")
        overrides = self._rows(self._render("customer_care_budget.care_budget_xlsx_report", self.plan)["Overrides"], 1)
        self.assertEqual([(row[0], row[2], row[5], row[6]) for row in overrides],
                         [(over.name, "Care 2026", 1800.0, "Renewal at stake")])

    def test_awkward_plan_names_make_valid_sheets(self):
        self.plan.name = "'Plan: 2026/H1 [care]'"  # Excel refuses these characters, and quotes at the ends
        book = self._render("customer_care_budget.care_budget_xlsx_report", self.plan)
        self.assertEqual(book.sheetnames[0], "Plan  2026 H1  care")

    def test_budget_report_is_for_managers_and_accountants(self):
        report = self.env.ref("customer_care_budget.care_budget_xlsx_report")
        self.assertEqual(report.group_ids, self.env.ref("customer_care_budget.group_care_manager")
                         | self.env.ref("customer_care_budget.group_care_accountant"))
        self._render("customer_care_budget.care_budget_xlsx_report", self.plan, self.care_accountant)

    def test_months(self):
        book = self._render("customer_care_budget.care_budget_xlsx_report", self.plan)
        months = self._rows(book["By Month"], 1)
        june = next(row for row in months if (row[1].year, row[1].month) == (2026, 6))
        # approved: A's meal, B's and E's gifts, G's meal; posted: A's gift
        self.assertEqual(list(june[3:]), [2150.0, 1000.0])
        self.assertEqual(len(months), 12, "the lines' revised amounts spread over every month they cover")
        self.assertAlmostEqual(sum(row[2] for row in months), self.plan.amount_planned, places=6)
        self.assertEqual(sum(row[3] for row in months), self.plan.amount_committed)

    # ------------------------------------------------------------
    # expense ledger
    # ------------------------------------------------------------

    def test_ledger_totals_equal_the_journal(self):
        expenses = self.env["care.expense"].search([("budget_id", "=", self.plan.id)])
        book = self._render("customer_care_budget.care_expense_ledger_xlsx_report", expenses, self.care_accountant)
        sheet = book["Expense Ledger"]
        self.assertEqual([cell.value for cell in sheet[1]][:4], ["Reference", "Date", "Accounting Date", "Requester"])
        rows = self._rows(sheet, 1)
        totals = {row[0]: row[11] for row in rows if row[0].startswith("Total")}
        body = [row for row in rows if row[0] not in totals]
        self.assertEqual(len(body), len(expenses))
        self.assertEqual(set(totals), {"Total approved (USD)", "Total posted (USD)"})
        approved = expenses.filtered(lambda expense: expense.state == "approved")
        self.assertAlmostEqual(totals["Total approved (USD)"], sum(approved.mapped("amount_company")))
        journal = self.env["account.move.line"].search([
            ("care_expense_id", "in", expenses.ids), ("display_type", "=", "product"),
            ("parent_state", "=", "posted"),
        ])
        self.assertTrue(journal)
        self.assertAlmostEqual(totals["Total posted (USD)"], sum(journal.mapped("balance")))
        posted = next(row for row in body if row[0] == self.a_gift.name)
        self.assertEqual(posted[13], self.a_gift.with_user(self.care_accountant).move_id.name)
        self.assertEqual(posted[15], f"{self.expense_account.code} {self.expense_account.name}")
        self.assertEqual(posted[18], 1, "one receipt")

    def test_ledger_columns(self):
        """Every column of a posted expense, of a cancelled one in a foreign currency with two receipts, and
        of a draft without receipt outside any plan, in the order printed, then the total of the posted one."""
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        cancelled = self._expense(600, self.customers["G"], activity=self.meal, currency_id=eur.id, date="2026-06-16")
        self.env["ir.attachment"].create({
            "name": "receipt-2.pdf", "raw": b"%PDF receipt", "res_model": "care.expense", "res_id": cancelled.id,
        })
        self._submit_and_approve(cancelled)
        cancelled.with_user(self.care_accountant).action_post()
        cancelled.with_user(self.care_accountant).action_cancel()
        draft = self._expense(50, self.customers["F"], receipt=False, date="2027-03-01")
        sheet = self._render(
            "customer_care_budget.care_expense_ledger_xlsx_report", self.a_gift | cancelled | draft,
            self.care_accountant,
        )["Expense Ledger"]
        account = f"{self.expense_account.code} {self.expense_account.name}"
        analytic = self.plan.analytic_account_id.display_name
        bill, cancelled_bill = self.a_gift.with_env(self.env).move_id, cancelled.with_env(self.env).move_id
        self.assertEqual(self._rows(sheet, 1), [
            [self.a_gift.name, datetime(2026, 6, 15), datetime.combine(bill.date, datetime.min.time()), "Care User",
             "Customer A", "Key", "Gifts", "Care 2026", self.gift_line.display_name, 1000.0, "USD", 1000.0, "Posted",
             bill.name, None, account, analytic, "Not Paid", 1],
            [cancelled.name, datetime(2026, 6, 16), datetime.combine(cancelled_bill.date, datetime.min.time()),
             "Care User", "Customer G", "Standard", "Business Meals", "Care 2026", self.meal_std_line.display_name,
             600.0, "EUR", 300.0, "Cancelled", cancelled_bill.name, cancelled_bill.reversal_move_ids.name, account,
             analytic, "Not Paid", 2],
            [draft.name, datetime(2027, 3, 1), None, "Care User", "Customer F", "Standard", "Gifts", None, None, 50.0,
             "USD", 50.0, "Draft", None, None, None, None, "Not Paid", 0],
            ["Total posted (USD)", *[None] * 10, 1000.0, *[None] * 7],
        ])
        self.assertIn(eur.symbol, sheet["J3"].number_format, "amounts in their currency")
        self.assertIn(self.company.currency_id.symbol, sheet["L3"].number_format)

    def test_ledger_queries_do_not_grow_with_the_expenses(self):
        # requester, customer, activity and line of A's posted gift: only the number of expenses differs
        drafts = self.env["care.expense"].with_user(self.care_user).create([{
            "partner_id": self.customers["A"].id, "care_activity_type_id": self.gift.id, "date": "2026-06-15",
            "purpose": "Thank-you gift", "amount": 10 + index,
        } for index in range(39)])
        many = self.a_gift | drafts
        few = many[:5]
        # the first export fills the caches that outlive a transaction (access rules, translations)
        queries = [self._ledger_queries(expenses) for expenses in (few, few, many)]
        self.assertEqual(queries[1], queries[2], "as many queries for 40 expenses as for 5")

    def _ledger_queries(self, expenses):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        book = self._render("customer_care_budget.care_expense_ledger_xlsx_report", expenses, self.care_accountant)
        self.assertEqual(len(self._rows(book["Expense Ledger"], 1)), len(expenses) + 1, "and their total")
        return self.env.cr.sql_log_count - before

    def test_text_is_never_a_formula(self):
        expenses = self.env["care.expense"].search([("partner_id", "=", self.customers["E"].id)])
        book = self._render("customer_care_budget.care_expense_ledger_xlsx_report", expenses, self.care_accountant)
        cell = book["Expense Ledger"]["E2"]
        self.assertEqual(cell.value, '=HYPERLINK("http://evil.example","click")')
        self.assertEqual(cell.data_type, "s")

    def test_ledger_follows_the_readers_rights(self):
        mine = self._expense(80, self.customers["F"], date="2026-06-18")
        others = self._expense(90, self.customers["F"], user=self.care_manager, date="2026-06-18")
        book = self._render("customer_care_budget.care_expense_ledger_xlsx_report", mine, self.care_user)
        row = self._rows(book["Expense Ledger"], 1)[0]
        self.assertEqual(row[0], mine.name)
        self.assertIsNone(row[13], "no accounting rights: no bill column")
        with self.assertRaises(AccessError):
            self._render("customer_care_budget.care_expense_ledger_xlsx_report", mine | others, self.care_user)
        self._render("customer_care_budget.care_expense_ledger_xlsx_report", mine | others, self.care_accountant)

    def test_headers_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_care_budget"], ["zh_CN"], overwrite=True)
        self.care_accountant.lang = "zh_CN"
        expenses = self.env["care.expense"].search([("budget_id", "=", self.plan.id)])
        report = self.env.ref("customer_care_budget.care_expense_ledger_xlsx_report")
        content, _kind = self.env["ir.actions.report"].with_user(self.care_accountant).with_context(
            lang="zh_CN",
        )._render_xlsx(report.report_name, expenses.ids, {})
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        self.assertEqual([cell.value for cell in sheet[1]][:2], ["参考", "日期"])
        gift = next(row for row in self._rows(sheet, 1) if row[0] == self.a_gift.name)
        self.assertEqual(gift[5:7], ["重点", "礼品"], "tier and activity in the reader's language")
        self.assertEqual(gift[12], "已过账")

    # ------------------------------------------------------------
    # customer care ROI
    # ------------------------------------------------------------

    def test_roi_per_customer_and_tier(self):
        book = self._render("customer_care_budget.care_evaluation_roi_xlsx_report", self.evaluation)
        sheet = book.worksheets[0]
        self.assertEqual([cell.value for cell in sheet[4]][:6],
                         ["Customer", "Tier (now)", "Stage (now)", "CLV (now)", "Spend", "Revenue Before"])
        rows = self._rows(sheet, 4)
        customers = {row[0]: row for row in rows[:-1]}
        self.assertEqual(set(customers), {"Customer A", "Customer B", "Customer G"})
        self.assertEqual(list(customers["Customer A"][4:8]), [1500.0, 10000.0, 18000.0, 8000.0])
        self.assertEqual(rows[-1][0], "All customers served")
        self.assertEqual(rows[-1][4], self.evaluation.spend)
        self.assertAlmostEqual(sum(row[4] for row in customers.values()), self.evaluation.spend)
        self.assertAlmostEqual(rows[-1][11], self.evaluation.roi)
        header = [cell.value for cell in sheet[4]]
        self.assertEqual(header[12:20], ["Served, Matched", "Control Customers", "Incremental Revenue",
                                         "Per Customer, 90% Low", "Per Customer, 90% High", "Incremental ROI (%)",
                                         "Evidence", "Recommendation"])
        self.assertEqual(list(rows[-1][12:15]), [self.evaluation.served_matched, self.evaluation.control_matched,
                                                 self.evaluation.incremental_revenue])
        self.assertAlmostEqual(rows[-1][17], self.evaluation.incremental_roi)
        self.assertEqual(rows[-1][18], "Too Few Customers")
        tiers = [row for row in sheet.iter_rows(min_row=4 + len(rows) + 3, values_only=True) if row[0]]
        self.assertEqual({row[0]: row[4] for row in tiers}, {"Key": 2500.0, "Standard": 400.0})
