from odoo import fields, models


class CareClvModelDecile(models.Model):
    """One decile of a model's holdout check: its customers (by predicted purchases, highest first), what the model
    predicted for them and what they bought."""

    _name = "care.clv.model.decile"
    _description = "Customer Value Model Decile"
    _inherit = ["care.guard.mixin"]
    _order = "model_id, rank"

    model_id = fields.Many2one("care.clv.model", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="model_id.company_id", store=True)
    rank = fields.Integer(string="Decile", readonly=True, help="1: the customers predicted to buy most.")
    customer_count = fields.Integer(string="Customers", readonly=True)
    predicted = fields.Float(readonly=True, digits=(16, 1))
    actual = fields.Float(readonly=True, digits=(16, 1))

    def _care_writable_fields(self, state):
        return set()
