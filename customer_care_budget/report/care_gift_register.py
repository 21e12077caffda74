from odoo import fields, models
from odoo.tools import SQL


def official_sql(recipient, company):
    """SQL: the partner row ``recipient`` (a table alias) is a public official in ``company`` (a column): flagged,
    or tagged with a category the company's settings name; as ``res.partner.care_is_official`` says."""
    return SQL(
        """
        (COALESCE(%(recipient)s.care_public_official, FALSE) OR EXISTS (
            SELECT 1 FROM res_partner_res_partner_category_rel tag
              JOIN care_company_official_category_rel official ON official.category_id = tag.category_id
             WHERE tag.partner_id = %(recipient)s.id AND official.company_id = %(company)s
        ))
        """,
        recipient=SQL.identifier(recipient), company=company,
    )


class CareGiftRegister(models.Model):
    """The gifts & hospitality register (礼品与招待登记): one row per recipient of every approved or posted care
    expense — who received what, when, worth how much per person, on which expense, approved by whom. What a
    compliance officer reads to answer "what did we give to this person this year?"."""

    _name = "care.gift.register"
    _description = "Gifts and Hospitality Register"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "recipient_id"

    expense_id = fields.Many2one("care.expense", readonly=True)
    recipient_id = fields.Many2one("res.partner", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(readonly=True)
    activity_type_id = fields.Many2one("care.activity.type", string="Activity", readonly=True)
    purpose = fields.Char(string="What", readonly=True)
    person_count = fields.Integer(string="Persons", readonly=True)
    amount_per_person = fields.Monetary(
        string="Value per Person", readonly=True, help="The expense in company currency / its persons.",
    )
    user_id = fields.Many2one("res.users", string="Requested By", readonly=True)
    approver_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, help="Who gave the expense's last approval.",
    )
    public_official = fields.Boolean(
        readonly=True, help="The recipient is flagged a public official, or has a tag the settings treat as one.",
    )
    state = fields.Selection(
        [("approved", "Approved"), ("posted", "Posted")], readonly=True,
    )

    @property
    def _table_query(self):
        return SQL(
            """
            -- stable ids: an approved expense's recipients no longer change
            SELECT e.id::bigint * 1000 + ROW_NUMBER() OVER (PARTITION BY e.id ORDER BY rel.partner_id) AS id,
                   e.id AS expense_id, rel.partner_id AS recipient_id, e.partner_id, e.company_id, e.date,
                   e.care_activity_type_id AS activity_type_id, e.purpose, e.person_count, e.amount_per_person,
                   e.user_id, e.state,
                   %s AS public_official,
                   (SELECT r.done_by FROM tier_review r
                     WHERE r.model = 'care.expense' AND r.res_id = e.id AND r.status = 'approved'
                  ORDER BY r.reviewed_date DESC NULLS LAST, r.id DESC LIMIT 1) AS approver_id
              FROM care_expense_recipient_rel rel
              JOIN care_expense e ON e.id = rel.expense_id
              JOIN res_partner recipient ON recipient.id = rel.partner_id
             WHERE e.state IN ('approved', 'posted')
            """,
            official_sql("recipient", SQL.identifier("e", "company_id")),
        )
