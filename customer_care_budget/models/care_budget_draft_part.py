from odoo import api, models

from .care_guard_mixin import given_values


class CareBudgetDraftPart(models.AbstractModel):
    """A row a Manager sets on a budget plan while it is a draft (a KPI target, a holdout): created, changed
    and deleted in draft only, locked once the plan is submitted. Each model names its ``budget_id``, the
    fields a Manager types in (:meth:`_draft_fields`) and what a late change is told (:meth:`_locked_message`)."""

    _name = "care.budget.draft.part"
    _description = "Customer Care Plan Row Set in Draft"
    _inherit = ["care.guard.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        budgets = self.env["care.budget"].browse([given_values(self, vals).get("budget_id") for vals in vals_list])
        budgets._check_state("draft", self._locked_message())
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        self.budget_id._check_state("draft", self._locked_message())

    def _draft_fields(self):
        raise NotImplementedError

    def _locked_message(self):
        raise NotImplementedError

    def _care_state(self):
        return self.budget_id.state

    def _care_initial_state(self):
        return "draft"

    def _care_states(self):
        return self.env["care.budget"]._care_states()

    def _care_writable_fields(self, state):
        return self._draft_fields() if state == "draft" else set()

    def _care_create_fields(self):
        return self._draft_fields() | {"budget_id"}
