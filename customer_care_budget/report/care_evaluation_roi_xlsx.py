from odoo import models
from odoo.exceptions import AccessError


class CareEvaluationRoiXlsx(models.AbstractModel):
    """Customer care ROI (投资回报率) of an evaluation: its figures per customer served and per tier, as the
    evaluation stored them (a confirmed evaluation prints the same figures whenever it is printed)."""

    _name = "report.customer_care_budget.care_evaluation_roi_xlsx"
    _inherit = "report.customer_care_budget.xlsx_common"
    _description = "Customer Care ROI XLSX"

    def create_xlsx_report(self, docids, data):
        # every customer's spending and revenue: the Managers' view, whatever route asks for the file
        if not self.env.user.has_group("customer_care_budget.group_care_manager"):
            raise AccessError(self.env._("Only Customer Care Managers can print the Customer Care ROI workbook."))
        return super().create_xlsx_report(docids, data)

    def generate_xlsx_report(self, workbook, data, evaluations):
        for evaluation in evaluations:
            self._write_evaluation_sheet(workbook, evaluation, self._formats(workbook, evaluation.currency_id))

    def _figure_columns(self):
        return [
            (self.env._("Spend"), 13),
            (self.env._("Revenue Before"), 14),
            (self.env._("Revenue"), 14),
            (self.env._("Raw Uplift"), 14),
            (self.env._("CSAT"), 7),
            (self.env._("NPS"), 7),
            (self.env._("Raw CLV Change"), 13),
            (self.env._("Raw ROI (%)"), 9),
            (self.env._("Served, Matched"), 9),
            (self.env._("Control Customers"), 9),
            (self.env._("Incremental Revenue"), 14),
            (self.env._("Per Customer, 90% Low"), 12),
            (self.env._("Per Customer, 90% High"), 12),
            (self.env._("Incremental ROI (%)"), 11),
            (self.env._("Evidence"), 14),
            (self.env._("Recommendation"), 14),
        ]

    def _figure_cells(self, result, formats, labels, total=False):
        money = formats["total_money" if total else "money"]
        number = formats["total_percent" if total else "percent"]
        text = formats["total" if total else "text"]
        return [
            (result.spend, money),
            (result.revenue_before, money),
            (result.revenue, money),
            (result.revenue_uplift, money),
            (result.csat if result.csat_count else None, number),
            (result.nps if result.nps_count else None, number),
            (result.clv_change, money),
            (result.roi, number),
            (result.served_matched, formats["int"]),
            (result.control_matched, formats["int"]),
            (result.incremental_revenue, money),
            (result.incremental_low, money),
            (result.incremental_high, money),
            (result.incremental_roi, number),
            (labels["evidence"].get(result.evidence), text),
            (labels["recommendation"].get(result.recommendation), text),
        ]

    def _write_evaluation_sheet(self, workbook, evaluation, formats):
        sheet = self._add_sheet(workbook, f"{evaluation.date_from} {evaluation.budget_id.name}")
        labels = {fname: dict(evaluation._fields[fname]._description_selection(self.env))
                  for fname in ("recommendation", "evidence")}
        stages = dict(self.env["res.partner"]._fields["care_stage"]._description_selection(self.env))
        sheet.write_string(
            0, 0, self.env._("Customer care ROI: %(evaluation)s", evaluation=evaluation.name), formats["title"]
        )
        sheet.write_string(
            1,
            0,
            self.env._(
                "Incremental ROI = (incremental revenue x gross margin %(margin)s%% - spend) / spend, against "
                "%(control)s; raw ROI = (uplift x gross margin - spend) / spend; %(state)s",
                margin=evaluation.gross_margin_pct,
                control=dict(evaluation._fields["control_source"]._description_selection(self.env)).get(
                    evaluation.control_source, "-"),
                state=dict(evaluation._fields["state"]._description_selection(self.env))[evaluation.state],
            ),
            formats["note"],
        )
        if not evaluation.computed_on:
            sheet.write_string(3, 0, self.env._("Not computed yet: compute the evaluation first."), formats["note"])
            return
        self._write_header(
            sheet,
            3,
            [
                (self.env._("Customer"), 28),
                (self.env._("Tier (now)"), 12),
                (self.env._("Stage (now)"), 11),
                (self.env._("CLV (now)"), 13),
                *self._figure_columns(),
            ],
            formats,
        )
        row = 4
        customers = evaluation.customer_result_ids.sorted(lambda result: (-result.roi, result.partner_id.name or ""))
        for result in customers:
            partner = result.partner_id.with_company(evaluation.company_id)  # tier, stage, CLV: per company
            self._write_row(
                sheet,
                row,
                [
                    (partner.name, formats["text"]),
                    (partner.care_tier_id.name, formats["text"]),
                    (stages.get(partner.care_stage), formats["text"]),
                    (partner.care_clv, formats["money"]),
                    *self._figure_cells(result, formats, labels),
                ],
            )
            row += 1
        total = [(self.env._("All customers served"), formats["total"])] + [(None, formats["total"])] * 3
        self._write_row(sheet, row, total + self._figure_cells(evaluation, formats, labels, total=True))
        row += 2
        sheet.write_string(row, 0, self.env._("By tier"), formats["title"])
        for result in evaluation.tier_result_ids.sorted(lambda result: result.tier_id.sequence):
            row += 1
            self._write_row(
                sheet,
                row,
                [(result.display_name, formats["text"])]
                + [(None, formats["text"])] * 3
                + self._figure_cells(result, formats, labels),
            )
