"""Databases installed before 19.0.1.1.0: administrators' data became noupdate (their edits are kept from
now on too), and the reviews of plans and expenses name their group in full."""

from odoo import SUPERUSER_ID, api

ADMIN_DATA = (
    "analytic_plan_customer_care", "mail_activity_care_budget_approval", "tier_definition_care_budget_manager",
    "seq_care_expense", "mail_activity_care_expense_approval", "mail_activity_care_retention",
    "mail_activity_care_budget_warning",
)


def migrate(cr, version):
    cr.execute(
        "UPDATE ir_model_data SET noupdate = TRUE WHERE module = 'customer_care_budget' AND name IN %s",
        [ADMIN_DATA],
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["tier.review"].search([("model", "in", ["care.budget", "care.expense"])])._compute_todo_by()
