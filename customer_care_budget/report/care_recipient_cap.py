from odoo import fields, models
from odoo.tools import SQL


class CareRecipientCap(models.Model):
    """Each recipient's year against each yearly cap that weighs it (rules *Value per recipient per calendar
    year*): what the register holds for the recipient that year, in the rule's activity if it has one, and the
    share of the cap it uses. What a compliance officer reads to see who is near their cap before the next
    gift."""

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
        return SQL(
            """
            -- ids stable as long as the rules and the years are: a rule, a recipient, a year
            SELECT (rule.id::bigint * 10000 + EXTRACT(YEAR FROM register.date)::bigint) * 1000000000
                       + register.recipient_id AS id,
                   register.recipient_id, register.partner_id, rule.id AS rule_id, register.company_id,
                   EXTRACT(YEAR FROM register.date)::int AS year, BOOL_OR(register.public_official) AS public_official,
                   COUNT(*) AS event_count, SUM(register.amount_per_person) AS amount, rule.amount_limit AS cap,
                   SUM(register.amount_per_person) / rule.amount_limit * 100 AS cap_used_pct
              FROM (%s) register
              JOIN res_partner recipient ON recipient.id = register.recipient_id
              JOIN care_expense_rule rule ON rule.kind = 'recipient_year' AND rule.active AND rule.amount_limit > 0
                                         AND COALESCE(rule.company_id, register.company_id) = register.company_id
                                         AND COALESCE(rule.activity_type_id, register.activity_type_id)
                                             = register.activity_type_id
                                         AND (rule.scope = 'all' OR register.public_official)
             -- the customer's contacts: our own people are no recipients a cap weighs
             WHERE recipient.commercial_partner_id = register.partner_id
          GROUP BY register.recipient_id, register.partner_id, rule.id, register.company_id,
                   EXTRACT(YEAR FROM register.date)
            """,
            self.env["care.gift.register"]._table_query,
        )
