import json

from odoo.http import request, route

from odoo.addons.report_xlsx.controllers.main import ReportController

MODULE_PREFIX = "customer_care_budget."


class CareReportController(ReportController):
    """The addon's XLSX reports only read: they are served on a read-only cursor, so on the replica where
    Odoo has one (``db_replica_host``). Other reports keep their routes' mode."""

    def _care_report_readonly(self, rule, args):
        """Whether the request prints one of the addon's XLSX reports: ``/report/xlsx/<reportname>``, or
        ``/report/download`` of such a URL (its ``data`` is ``[url, report type]``)."""
        if "reportname" in args:
            return args.get("converter") == "xlsx" and args["reportname"].startswith(MODULE_PREFIX)
        try:
            url, report_type = json.loads(request.httprequest.values.get("data", ""))
        except (TypeError, ValueError):
            return False
        return report_type == "xlsx" and str(url).partition("/report/xlsx/")[2].startswith(MODULE_PREFIX)

    @route(readonly=_care_report_readonly)
    def report_routes(self, reportname, docids=None, converter=None, **data):
        return super().report_routes(reportname, docids=docids, converter=converter, **data)

    @route(readonly=_care_report_readonly)
    def report_download(self, data, context=None, token=None, readonly=True):
        return super().report_download(data, context=context, token=token, readonly=readonly)
