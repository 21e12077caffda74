import json
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.customer_care_budget.controllers.report import CareReportController
from odoo.addons.customer_care_budget.report.care_xlsx_common import CareXlsxCommon

from .test_ui import UiCommon

XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive


@tagged("post_install", "-at_install")
class TestReadOnlyReports(UiCommon):
    """The addon's XLSX reports are served on a read-only cursor, the replica's where Odoo has one
    (``db_replica_host``): downloaded through both report routes, each is printed in a read-only
    transaction and writes nothing (a write there would fail the download)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expense = cls.env["care.expense"].with_user(cls.account_manager).create({
            "partner_id": cls.customer.id, "care_activity_type_id": cls.meal.id, "purpose": "Lunch",
            "amount": 80.0,
        })
        cls.evaluation = cls.env["care.evaluation"].create({"budget_id": cls.budget.id})
        cls.evaluation.action_compute()
        cls.reports = {
            "customer_care_budget.care_budget_xlsx": cls.budget,
            "customer_care_budget.care_expense_ledger_xlsx": cls.expense,
            "customer_care_budget.care_evaluation_roi_xlsx": cls.evaluation,
        }

    def _printed_readonly(self, url, **params):
        """(content, [whether the cursor was read-only]) of the report printed by GET ``url``."""
        cursors = []
        create_xlsx_report = CareXlsxCommon.create_xlsx_report

        def record_cursor(report, docids, data):
            cursors.append(report.env.cr.readonly)
            return create_xlsx_report(report, docids, data)

        with patch.object(CareXlsxCommon, "create_xlsx_report", record_cursor):
            response = self.url_open(url, params=params)
        self.assertEqual(response.status_code, 200)
        return response.content, cursors

    def test_reports_print_on_a_read_only_cursor(self):
        self.authenticate("tour_manager", "tour_manager")  # a Manager prints all three
        for report_name, records in self.reports.items():
            url = f"/report/xlsx/{report_name}/{','.join(map(str, records.ids))}"
            with self.subTest(report=report_name, route="report"):
                content, cursors = self._printed_readonly(url)
                self.assertTrue(content.startswith(XLSX_MAGIC), content[:200])
                self.assertEqual(cursors, [True])
            with self.subTest(report=report_name, route="download"):
                content, cursors = self._printed_readonly(
                    "/report/download", data=json.dumps([url, "xlsx"]), context="{}",
                )
                self.assertTrue(content.startswith(XLSX_MAGIC), content[:200])
                self.assertEqual(cursors, [True])

    def test_other_reports_keep_their_mode(self):
        readonly = CareReportController._care_report_readonly
        self.assertTrue(readonly(None, None, {"reportname": "customer_care_budget.care_budget_xlsx",
                                              "converter": "xlsx"}))
        self.assertFalse(readonly(None, None, {"reportname": "account.report_invoice", "converter": "pdf"}))
        self.assertFalse(readonly(None, None, {"reportname": "customer_care_budget.x", "converter": "pdf"}))
