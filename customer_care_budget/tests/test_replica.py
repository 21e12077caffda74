import json
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.customer_care_budget.controllers.report import CareReportController
from odoo.addons.customer_care_budget.report.care_xlsx_common import CareXlsxCommon

from .test_ui import UiCommon

XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive


@tagged("post_install", "-at_install")
class TestReadOnlyReports(UiCommon):
    """The addon's heavy reads are served on a read-only cursor, the replica's where Odoo has one
    (``db_replica_host``), and write nothing there (a write in a read-only transaction fails): the XLSX
    reports through both report routes, and the groupings the analyses and the dashboard read."""

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

    @contextmanager
    def _cursor_modes(self, cls, method):
        """Patch ``cls.method`` to record, in the list yielded, whether each call ran on a read-only cursor."""
        modes, original = [], getattr(cls, method)

        def recorded(records, *args, **kwargs):
            modes.append(records.env.cr.readonly)
            return original(records, *args, **kwargs)

        with patch.object(cls, method, recorded):
            yield modes

    def _printed_readonly(self, url, **params):
        """(content, [whether the cursor was read-only]) of the report printed by GET ``url``."""
        with self._cursor_modes(CareXlsxCommon, "create_xlsx_report") as modes:
            response = self.url_open(url, params=params)
        self.assertEqual(response.status_code, 200)
        return response.content, modes

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

    def test_analyses_read_on_a_read_only_cursor(self):
        """Budget Analysis, Tier Migration, Evaluation Results and the dashboard's sources group through
        Odoo's read-only RPC methods; their models' own SQL runs there as it is."""
        self.authenticate("tour_manager", "tour_manager")
        for model, groupby, aggregates in [
            ("care.budget.report", ["activity_type_id", "date:month"], ["amount_planned:sum", "amount_spent:sum"]),
            ("care.segment.history", ["tier_before_id", "tier_after_id"], ["__count"]),
            ("care.evaluation.result", ["kind"], ["spend:sum"]),
            ("care.evaluation", ["budget_id"], ["roi:avg"]),
            ("res.partner", ["care_tier_id", "care_stage"], ["care_clv:sum"]),
        ]:
            with self.subTest(model=model), self._cursor_modes(type(self.env[model]), "_read_group") as modes:
                groups = self.make_jsonrpc_request("/web/dataset/call_kw", {
                    "model": model, "method": "formatted_read_group", "args": [[]],
                    "kwargs": {"groupby": groupby, "aggregates": aggregates},
                })
                self.assertIsInstance(groups, list)
                self.assertTrue(modes)
                self.assertTrue(all(modes), "read on a read-only cursor")
