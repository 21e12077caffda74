"""Administrators' data became noupdate: a database installed before keeps their edits from now on too."""

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
