import functools

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from .care_guard_mixin import given_values, in_workflow

CARE_MODELS = ("care.budget", "care.expense")


class TierReview(models.Model):
    _inherit = "tier.review"

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _compute_todo_by(self):
        res = super()._compute_todo_by()
        # "Group Manager" says nothing: name the group as the user's settings do (Customer Care / Manager)
        for review in self.filtered(lambda rev: rev.model in CARE_MODELS and rev.reviewer_group_id):
            review.todo_by = review.reviewer_group_id.full_name
        return res

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, bypass_access=False, **kwargs):
        # the reviews of a Customer Care record are as confidential as the record (its rejection reasons,
        # who requested it); base_tier_validation lets every internal user read every review
        if not (self.env.su or bypass_access):
            domain = Domain(domain) & self._care_readable_domain()
        return super()._search(domain, offset, limit, order, bypass_access=bypass_access, **kwargs)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if self.env.su or operation != "read":
            return result
        forbidden = result[0] if result else self.browse()
        # sudo: which record a review belongs to decides who reads it
        for model in CARE_MODELS:
            reviews = self.sudo().filtered(lambda review, model=model: review.model == model)
            records = self.env[model].browse(set(reviews.mapped("res_id"))).exists()
            readable = set(records._filtered_access("read").ids)
            forbidden |= reviews.filtered(lambda review, readable=readable: review.res_id not in readable).sudo(False)
        if not forbidden:
            return None
        return forbidden, functools.partial(
            AccessError, self.env._("You cannot read the reviews of a Customer Care record you cannot read."),
        )

    @api.model_create_multi
    def create(self, vals_list):
        if any(given_values(self, vals).get("model") in CARE_MODELS for vals in vals_list):
            self._check_care_workflow()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("model") in CARE_MODELS or any(review.model in CARE_MODELS for review in self):
            self._check_care_workflow()
        return super().write(vals)

    def unlink(self):
        if any(review.model in CARE_MODELS for review in self):
            self._check_care_workflow()
        return super().unlink()

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _care_readable_domain(self):
        """Reviews of other models, and those of the Customer Care records the user may read."""
        domain = Domain("model", "not in", CARE_MODELS)
        for model in CARE_MODELS:
            records = self.env[model]
            if records.has_access("read"):
                domain |= Domain("model", "=", model) & Domain("res_id", "in", records._search([]))
        return domain

    def _check_care_workflow(self):
        # base_tier_validation lets every internal user write reviews: for Customer Care records,
        # only their approval workflow may, or a requester could approve their own review
        if not in_workflow(self) and not self.env.su:
            raise AccessError(self.env._(
                "Reviews of Customer Care budgets and expenses only change by approving or rejecting them."
            ))
