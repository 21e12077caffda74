from odoo.tools import SQL


def uninstall_hook(env):
    # the approval lock rows (see care.expense._lock_policy_rows) live in a plain table the ORM does not drop
    env.cr.execute(SQL("DROP TABLE IF EXISTS care_expense_policy_lock"))
