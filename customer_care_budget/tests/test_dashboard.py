import json

from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestDashboard(CareTestCommon):
    """The Customer Care spreadsheet dashboard: its data sources exist, and who sees it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref("customer_care_budget.spreadsheet_dashboard_customer_care")
        cls.data = json.loads(cls.dashboard.spreadsheet_data)

    def _check_fields(self, model, fnames):
        missing = set(fnames) - set(self.env[model]._fields)
        self.assertFalse(missing, f"{model} has no field {missing}")

    def test_every_source_reads_existing_fields(self):
        sources = 0
        for pivot in self.data["pivots"].values():
            self._check_fields(
                pivot["model"],
                [group["fieldName"] for group in pivot["rows"] + pivot["columns"]]
                + [measure["fieldName"] for measure in pivot["measures"]],
            )
            sources += 1
        for odoo_list in self.data["lists"].values():
            self._check_fields(
                odoo_list["model"], odoo_list["columns"] + [order["name"] for order in odoo_list["orderBy"]]
            )
            self.env[odoo_list["model"]].search(odoo_list["domain"], limit=1)  # the domain is valid
            sources += 1
        for sheet in self.data["sheets"]:
            for figure in sheet["figures"]:
                meta = figure["data"].get("metaData")
                if meta:
                    self._check_fields(
                        meta["resModel"], [group.split(":")[0] for group in meta["groupBy"]] + [meta["measure"]]
                    )
                    sources += 1
        self.assertGreaterEqual(sources, 6)
        spend_charts = [
            figure["data"]["metaData"]["measure"]
            for sheet in self.data["sheets"] for figure in sheet["figures"]
            if figure["data"].get("metaData", {}).get("groupBy", [None])[0] == "customer_tier_id"
        ]
        self.assertEqual(spend_charts, ["amount_spent"], "spend is committed + actual, as in the evaluations")
        models = {pivot["model"] for pivot in self.data["pivots"].values()} | {
            odoo_list["model"] for odoo_list in self.data["lists"].values()
        }
        self.assertEqual(models, {"care.budget.report", "res.partner", "care.evaluation"})

    def test_managers_and_accountants_see_it(self):
        dashboards = self.env["spreadsheet.dashboard"]
        for user in (self.care_manager, self.care_accountant):
            self.assertIn(self.dashboard, dashboards.with_user(user).search([]), user.login)
        self.assertNotIn(self.dashboard, dashboards.with_user(self.care_user).search([]))
        action = self.env.ref("customer_care_budget.care_dashboard_action")
        self.assertEqual(action.params, {"dashboard_id": self.dashboard.id})
