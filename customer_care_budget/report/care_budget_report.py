from odoo import api, fields, models
from odoo.tools import SQL

# the columns of the analysis's rows, in the order every source query gives them
ROW_COLUMNS = (
    "id", "source", "budget_id", "budget_line_id", "company_id", "activity_type_id", "tier_id", "key_account_id",
    "partner_id", "customer_tier_id", "expense_id", "override_reason", "date", "amount_planned", "amount_committed",
    "amount_actual", "amount_spent", "amount_available",
)


class CareBudgetReport(models.Model):
    """Budget analysis: one row per budget line (planned), per approved or posted expense
    (committed / actual) and per journal item booked on a plan's analytic account (actual).

    This is the one place where consumption is defined: budget lines and plans sum these rows.
    A journal item counts on the line of its plan whose activity's expense account is the item's
    account and whose period holds its date: the key account line of the item's customer first,
    then the line for every tier, then the first such line. Items created by care expenses are
    left out: their expense counts instead.
    """

    _name = "care.budget.report"
    _description = "Customer Care Budget Analysis"
    _auto = False
    _order = "date desc, id"

    source = fields.Selection(
        [("plan", "Plan"), ("expense", "Care Expense"), ("journal", "Journal Item")],
        readonly=True,
    )
    budget_id = fields.Many2one("care.budget", readonly=True)
    budget_line_id = fields.Many2one("care.budget.line", readonly=True)
    budget_state = fields.Selection(related="budget_id.state")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    activity_type_id = fields.Many2one("care.activity.type", string="Activity", readonly=True)
    tier_id = fields.Many2one("care.tier", string="Line Tier", readonly=True)
    key_account_id = fields.Many2one("res.partner", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_tier_id = fields.Many2one(
        "care.tier",
        readonly=True,
        help="Of expenses: the customer's tier when the expense was submitted.",
    )
    expense_id = fields.Many2one("care.expense", readonly=True)
    override_reason = fields.Text(string="Over-Budget Reason", readonly=True)
    date = fields.Date(readonly=True, help="Start of the line for planned amounts, else the spending date.")
    amount_planned = fields.Monetary(string="Planned", readonly=True)
    amount_committed = fields.Monetary(string="Committed", readonly=True)
    amount_actual = fields.Monetary(string="Actual", readonly=True)
    amount_spent = fields.Monetary(
        string="Spend", readonly=True,
        help="Committed + actual: the approved money, posted or not. The one meaning of spend in the addon "
        "(dashboard, consumption, evaluations).",
    )
    amount_available = fields.Monetary(string="Available", readonly=True)

    @property
    def _table_query(self):
        return self._rows_query()

    @api.model
    def _rows_query(self, lines=None):
        """The rows of the analysis; with ``lines`` (an SQL query of budget line ids), only the rows
        of those lines, read from an index-friendly subset of the data."""
        return SQL(
            "%s UNION ALL %s UNION ALL %s",
            self._plan_query(lines),
            self._expense_query(lines),
            self._journal_query(lines),
        )

    @api.model
    def _plan_query(self, lines=None):
        return SQL(
            """
            SELECT l.id * 3 AS id, 'plan' AS source, l.budget_id, l.id AS budget_line_id, l.company_id,
                   l.activity_type_id, l.tier_id, l.partner_id AS key_account_id, NULL::int AS partner_id,
                   NULL::int AS customer_tier_id, NULL::int AS expense_id, NULL::text AS override_reason,
                   l.date_from AS date, l.amount_planned, 0.0 AS amount_committed, 0.0 AS amount_actual,
                   0.0 AS amount_spent, l.amount_planned AS amount_available
              FROM care_budget_line l
             WHERE %s
        """,
            _among("l.id", lines),
        )

    @api.model
    def _expense_query(self, lines=None):
        return SQL(
            """
            SELECT e.id * 3 + 1, 'expense', l.budget_id, l.id, l.company_id,
                   l.activity_type_id, l.tier_id, l.partner_id, e.partner_id,
                   e.customer_tier_id, e.id, e.override_reason,
                   e.date, 0.0,
                   CASE WHEN e.state = 'approved' THEN e.amount_company ELSE 0.0 END,
                   CASE WHEN e.state = 'posted' THEN e.amount_company ELSE 0.0 END,
                   e.amount_company, -e.amount_company
              FROM care_expense e
              JOIN care_budget_line l ON l.id = e.budget_line_id
             WHERE e.state IN ('approved', 'posted') AND %s
        """,
            _among("e.budget_line_id", lines),
        )

    @api.model
    def _journal_query(self, lines=None):
        """Journal items on a plan's analytic account, each on the one line it belongs to (see the
        class docstring). With ``lines``, only the items that could belong to them are read: those
        on their plans' analytic accounts, with their activities' accounts, in their periods."""
        column = SQL.identifier("aal", self.env.ref("customer_care_budget.analytic_plan_customer_care")._column_name())
        return SQL(
            """
            SELECT * FROM (
                WITH line_accounts AS MATERIALIZED (
                    SELECT l.id, l.budget_id, l.company_id, l.activity_type_id, l.tier_id, l.partner_id,
                           l.date_from, l.date_to, b.analytic_account_id,
                           (t.expense_account_id ->> l.company_id::text)::int AS account_id
                      FROM care_budget_line l
                      JOIN care_budget b ON b.id = l.budget_id AND b.analytic_account_id IS NOT NULL
                                       AND b.state IN ('approved', 'done')
                      JOIN care_activity_type t ON t.id = l.activity_type_id
                ), targets AS MATERIALIZED (
                    -- per analytic account and expense account, a superset of the periods of the lines
                    -- asked for; the attribution below narrows each item to the lines' own periods
                    SELECT analytic_account_id, account_id, MIN(date_from) AS date_from, MAX(date_to) AS date_to
                      FROM line_accounts l
                     WHERE %(among_targets)s
                  GROUP BY 1, 2
                ), items AS MATERIALIZED (
                    SELECT aal.id, aal.date, aal.amount, aal.general_account_id,
                           %(column)s AS analytic_account_id, aml.care_partner_id
                      FROM targets
                      JOIN account_analytic_line aal ON %(column)s = targets.analytic_account_id
                                                    AND aal.general_account_id = targets.account_id
                                                    AND aal.date BETWEEN targets.date_from AND targets.date_to
                      JOIN account_move_line aml ON aml.id = aal.move_line_id
                     WHERE aal.care_expense_id IS NULL
                )
                SELECT DISTINCT ON (items.id)
                       items.id * 3 + 2, 'journal', l.budget_id, l.id AS budget_line_id, l.company_id,
                       l.activity_type_id, l.tier_id, l.partner_id, items.care_partner_id,
                       NULL::int, NULL::int, NULL::text,
                       items.date, 0.0, 0.0, -items.amount, -items.amount, items.amount
                  FROM items
                  JOIN line_accounts l ON l.analytic_account_id = items.analytic_account_id
                                      AND l.account_id = items.general_account_id
                                      AND items.date BETWEEN l.date_from AND l.date_to
              ORDER BY items.id,
                       l.partner_id IS NOT DISTINCT FROM items.care_partner_id DESC,
                       (l.partner_id IS NULL AND l.tier_id IS NULL) DESC,
                       l.id
            ) attributed
             WHERE %(among)s
        """,
            column=column,
            among_targets=_among("l.id", lines),
            among=_among("attributed.budget_line_id", lines),
        )

    @api.model
    def _flush_sources(self):
        """The ORM does not know this query reads these tables: write their pending changes first."""
        for model in (
            "care.budget",
            "care.budget.line",
            "care.expense",
            "care.activity.type",
            "account.move.line",
            "account.analytic.line",
        ):
            self.env[model].flush_model()

    @api.model
    def _search(self, *args, **kwargs):
        self._flush_sources()
        return super()._search(*args, **kwargs)

    @api.model
    def _consumption_query(self, group_field, lines):
        """Committed and actual per ``group_field`` (budget line or plan) of the rows of ``lines``: the
        analysis's expense and journal rows (plan rows have neither), summed per source before they meet,
        so that each of a million expense rows carries only what the sums read."""
        sums = [
            SQL(
                """
                SELECT %(group)s, SUM(amount_committed) AS committed, SUM(amount_actual) AS actual
                  FROM (%(rows)s) AS source_rows(%(columns)s)
              GROUP BY 1
                """,
                group=SQL.identifier(group_field),
                rows=rows,
                columns=SQL(", ").join(map(SQL.identifier, ROW_COLUMNS)),
            )
            for rows in (self._expense_query(lines), self._journal_query(lines))
        ]
        return SQL(
            "SELECT %s, SUM(committed), SUM(actual) FROM (%s) consumption GROUP BY 1",
            SQL.identifier(group_field), SQL(" UNION ALL ").join(sums),
        )

    @api.model
    def _assign_consumption(self, records, group_field):
        """Compute committed, actual, available and consumption of ``records`` (budget lines, or
        plans: ``group_field`` says which) with one aggregate query over their rows."""
        self._flush_sources()
        ids = list(records._origin.ids)
        lines = SQL(
            "SELECT id FROM care_budget_line WHERE %s = ANY(%s)",
            SQL.identifier("id" if group_field == "budget_line_id" else group_field),
            ids,
        )
        figures = {}
        if ids:
            rows = self.env.execute_query(self._consumption_query(group_field, lines))
            figures = {record_id: (committed, actual) for record_id, committed, actual in rows}
        for record in records:
            committed, actual = figures.get(record._origin.id, (0.0, 0.0))
            record.amount_committed = committed
            record.amount_actual = actual
            record.amount_available = record.amount_planned - committed - actual
            record.consumption = 100 * (committed + actual) / record.amount_planned if record.amount_planned else 0.0


def _among(column, lines):
    """SQL condition: ``column`` is one of ``lines`` (an SQL query of budget line ids), or TRUE."""
    return SQL("TRUE") if lines is None else SQL("%s IN (%s)", SQL(column), lines)
