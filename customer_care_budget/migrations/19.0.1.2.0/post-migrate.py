"""Databases installed before 19.0.1.2.0: draft expenses show their customer's tier and stage (they were
empty until submission)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["care.expense"].search([("state", "=", "draft")])._compute_customer_segment()
