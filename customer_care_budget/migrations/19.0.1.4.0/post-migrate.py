"""Databases installed before 19.0.1.4.0: the approval locks moved to one keyed table, care_expense_policy_lock
(allowances and recipients); the old allowance table holds nothing anyone reads."""


def migrate(cr, version):
    cr.execute("DROP TABLE IF EXISTS care_expense_allowance_lock")
