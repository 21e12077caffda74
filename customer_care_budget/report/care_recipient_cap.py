from odoo import fields, models
from odoo.tools import SQL

from .care_gift_register import official_sql


class CareRecipientCap(models.Model):
    """Each recipient's year against each yearly cap that weighs it (rules *Value per recipient per calendar
    year*): what approved and posted expenses gave the recipient that year, in the rule's activity if it has
    one, and the share of the cap it uses. What a compliance officer reads to see who is near their cap before
    the next gift. Our own people among the recipients are weighed by no cap."""

    _name = "care.recipient.cap"
    _description = "Recipient Yearly Cap"
    _auto = False
    _order = "cap_used_pct desc, id"
    _rec_name = "recipient_id"

    recipient_id = fields.Many2one("res.partner", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    rule_id = fields.Many2one("care.expense.rule", readonly=True)
    severity = fields.Selection(related="rule_id.severity")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    year = fields.Integer(readonly=True)
    public_official = fields.Boolean(readonly=True)
    event_count = fields.Integer(string="Events", readonly=True)
    amount = fields.Monetary(string="Received", readonly=True, help="Value per person of the year's events.")
    cap = fields.Monetary(readonly=True, help="The rule's yearly limit per recipient.")
    cap_used_pct = fields.Float(string="Cap Used (%)", readonly=True, aggregator="max")

    @property
    def _table_query(self):
        # grouped on what the filters name (company, year, recipient, rule): PostgreSQL applies them before
        # grouping. Ids stay below 2^53 for a browser: recipient id x 10^5 + rule id (below 1,000) x 100 + the
        # year's last two digits.
        return SQL(
            """
            SELECT (rel.partner_id::bigint * 1000 + rule.id) * 100 + MOD(EXTRACT(YEAR FROM e.date)::int, 100) AS id,
                   rel.partner_id AS recipient_id, e.partner_id, rule.id AS rule_id, e.company_id,
                   EXTRACT(YEAR FROM e.date)::int AS year, BOOL_OR(official.is_official) AS public_official,
                   COUNT(*) AS event_count, SUM(e.amount_per_person) AS amount, rule.amount_limit AS cap,
                   SUM(e.amount_per_person) / rule.amount_limit * 100 AS cap_used_pct
              FROM care_expense_recipient_rel rel
              JOIN care_expense e ON e.id = rel.expense_id AND e.state IN ('approved', 'posted')
              JOIN res_partner recipient ON recipient.id = rel.partner_id
                                        -- the customer's contacts
                                        AND recipient.commercial_partner_id = e.partner_id
              CROSS JOIN LATERAL (SELECT %s AS is_official) official
              JOIN care_expense_rule rule ON rule.kind = 'recipient_year' AND rule.active AND rule.amount_limit > 0
                                         AND COALESCE(rule.company_id, e.company_id) = e.company_id
                                         AND COALESCE(rule.activity_type_id, e.care_activity_type_id)
                                             = e.care_activity_type_id
                                         AND (rule.scope = 'all' OR official.is_official)
          GROUP BY rel.partner_id, e.partner_id, rule.id, e.company_id, EXTRACT(YEAR FROM e.date)
            """,
            official_sql("recipient", SQL.identifier("e", "company_id")),
        )
