"""Databases installed before 19.0.1.3.0: analytic lines carry the care expense of their journal item,
filled in one statement here rather than recomputed record by record by the update."""


def migrate(cr, version):
    cr.execute("ALTER TABLE account_analytic_line ADD COLUMN IF NOT EXISTS care_expense_id int4")
    cr.execute(
        """
        UPDATE account_analytic_line aal
           SET care_expense_id = aml.care_expense_id
          FROM account_move_line aml
         WHERE aml.id = aal.move_line_id AND aml.care_expense_id IS NOT NULL
        """
    )
