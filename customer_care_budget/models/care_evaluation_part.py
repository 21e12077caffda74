from odoo import api, fields, models
from odoo.exceptions import AccessError

from .care_guard_mixin import in_workflow


class CareEvaluationPart(models.AbstractModel):
    """A row an evaluation's Compute writes (a result, a KPI outcome): nothing else creates, changes or
    deletes it, and a confirmed evaluation's rows are frozen."""

    _name = "care.evaluation.part"
    _description = "Customer Care Evaluation Row"

    evaluation_id = fields.Many2one("care.evaluation", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="evaluation_id.company_id", store=True, index=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_in_compute()
        return super().create(vals_list)

    def write(self, vals):
        self._check_in_compute()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_outside_compute(self):
        self._check_in_compute()

    def _check_in_compute(self):
        if not in_workflow(self):
            raise AccessError(self.env._("Evaluation results only change through Compute on a draft evaluation."))
        self.evaluation_id._check_draft()
