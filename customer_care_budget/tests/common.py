from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.service.model import call_kw

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.customer_care_budget.models.care_guard_mixin import workflow
from odoo.addons.mail.tests.common import mail_new_test_user


class CareTestCommon(AccountTestInvoicingCommon):
    """A company with explicit segmentation settings, the four data tiers and one user per group."""

    today = date(2026, 6, 30)

    @classmethod
    def default_env_context(cls):
        # tracking on: tier and stage changes must reach the chatter, and count in query budgets
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        # the accounting test user runs the setups: let it configure Customer Care too
        cls.env.user.group_ids |= cls.env.ref("customer_care_budget.group_care_admin")
        cls.company.write({
            "care_window_days": 364,  # halves of 182 days
            "care_new_days": 90,
            "care_at_risk_drop_pct": 50.0,
            "care_gap_factor": 2.0,
            "care_dormant_days": 180,
            "care_lost_days": 365,
            "care_gross_margin_pct": 40.0,
            "care_relationship_years": 3.0,
        })
        cls.tier_strategic = cls.env.ref("customer_care_budget.care_tier_strategic")
        cls.tier_key = cls.env.ref("customer_care_budget.care_tier_key")
        cls.tier_standard = cls.env.ref("customer_care_budget.care_tier_standard")
        cls.tier_basic = cls.env.ref("customer_care_budget.care_tier_basic")

        companies = [Command.set(cls.company.ids)]
        cls.care_user = cls._care_user("care_user", "customer_care_budget.group_care_user", companies)
        cls.care_manager = cls._care_user("care_manager", "customer_care_budget.group_care_manager", companies)
        cls.care_accountant = cls._care_user(
            "care_accountant", "customer_care_budget.group_care_accountant", companies,
        )
        cls.care_admin = cls._care_user("care_admin", "customer_care_budget.group_care_admin", companies)
        cls.care_manager_2 = cls._care_user("care_manager_2", "customer_care_budget.group_care_manager", companies)
        cls.care_compliance = cls._care_user(
            "care_compliance", "customer_care_budget.group_care_compliance", companies,
        )

    @classmethod
    def _budget(cls, lines=((1000.0, "2027-01-01", "2027-12-31"),), reserve=0.0, objectives=True, **values):
        """A draft budget for 2027 with one KPI target and ``lines`` (amount, start, end) of gifts."""
        gift = cls.env.ref("customer_care_budget.care_activity_gift")
        return cls.env["care.budget"].with_user(cls.care_manager).create({
            "name": "Care 2027",
            "date_from": "2027-01-01",
            "date_to": "2027-12-31",
            "reserve_amount": reserve,
            "objective_ids": [Command.create({"kpi": "retention_rate", "baseline": 70, "target": 80})]
            if objectives else [],
            "line_ids": [
                Command.create({"activity_type_id": gift.id, "amount_original": amount, "date_from": start,
                                "date_to": end})
                for amount, start, end in lines
            ],
            **values,
        })

    @classmethod
    def _setup_expense_accounting(cls):
        """Gifts, meals and visits post to the default expense account, through the purchase journal."""
        cls.gift = cls.env.ref("customer_care_budget.care_activity_gift")
        cls.meal = cls.env.ref("customer_care_budget.care_activity_meal")
        cls.visit = cls.env.ref("customer_care_budget.care_activity_visit")
        cls.expense_account = cls.company_data["default_account_expense"]
        for activity in cls.gift | cls.meal | cls.visit:
            activity.with_company(cls.company).expense_account_id = cls.expense_account
        cls.company.care_expense_journal_id = cls.company_data["default_journal_purchase"]
        cls.tier_key.annual_allowance = 0  # no allowance unless a test sets one

    @classmethod
    def _setup_expenses(cls):
        """An approved 2026 plan (gifts for everyone 10,000; meals for KEY customers 3,000; reserve
        1,000), the posting journal and expense accounts, and an active KEY customer."""
        cls._setup_expense_accounting()
        cls.plan = cls.env["care.budget"].with_user(cls.care_manager).create({
            "name": "Care 2026",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "reserve_amount": 1000.0,
            "objective_ids": [Command.create({"kpi": "retention_rate", "baseline": 70, "target": 80})],
            "line_ids": [
                Command.create({"activity_type_id": cls.gift.id, "amount_original": 10000.0,
                                "date_from": "2026-01-01", "date_to": "2026-12-31"}),
                Command.create({"activity_type_id": cls.meal.id, "tier_id": cls.tier_key.id,
                                "amount_original": 3000.0, "date_from": "2026-01-01", "date_to": "2026-12-31"}),
            ],
        })
        cls._approve(cls.plan)
        cls.gift_line, cls.meal_line = cls.plan.line_ids.sorted("amount_original", reverse=True)
        cls.customer = cls._customer("Kept Customer")
        cls._set_segment(cls.customer, care_tier_id=cls.tier_key.id, care_stage="active")

    @classmethod
    def _expense(cls, amount, partner=None, user=None, activity=None, receipt=True, **values):
        """A draft expense of ``user`` (care_user), dated 2026-06-15, with a receipt of its own attached."""
        expense = cls.env["care.expense"].with_user(user or cls.care_user).create({
            "partner_id": (partner or cls.customer).id,
            "care_activity_type_id": (activity or cls.gift).id,
            "date": "2026-06-15",
            "purpose": "Thank-you gift",
            "amount": amount,
            **values,
        })
        if receipt:
            cls.env["ir.attachment"].create({
                "name": "receipt.pdf", "raw": b"%%PDF receipt %d" % expense.id, "res_model": "care.expense",
                "res_id": expense.id,
            })
        return expense

    @classmethod
    def _submit_and_approve(cls, expense, approver=None):
        """Submitted, then approved by ``approver`` (care_manager), after the compliance officer for a public
        official."""
        expense.action_submit()
        if expense.state == "submitted" and expense.official_recipient:
            expense.with_user(cls.care_compliance).validate_tier()
        if expense.state == "submitted":
            expense.with_user(approver or cls.care_manager).validate_tier()
        return expense

    @classmethod
    def _approve(cls, budget):
        """Submitted by its creator (care_manager), approved by another Manager (care_manager_2)."""
        budget.with_user(cls.care_manager).action_submit()
        budget.with_user(cls.care_manager_2).validate_tier()
        return budget

    @classmethod
    def _care_user(cls, login, group, company_ids):
        return mail_new_test_user(
            cls.env,
            login=login,
            name=login.replace("_", " ").title(),
            groups=f"base.group_user,{group}",
            company_id=company_ids[0][2][0],
            company_ids=company_ids,
        )

    @classmethod
    def _set_segment(cls, partner, company=None, **values):
        """Set what the recompute would (a tier, a stage, scores) without invoices behind them."""
        workflow(partner.with_company(company or cls.company)).write(values)

    def rpc(self, user, model, method, *args, **kwargs):
        """Call ``method`` as ``user`` the way an XML-RPC / JSON-RPC client does: through Odoo's dispatcher
        (public methods only, arguments as sent), in a plain environment of the user."""
        env = self.env(user=user.id, su=False, context={})
        return call_kw(env[model], method, list(args), kwargs)

    def assertRpcRefused(self, user, model, method, *args, **kwargs):
        """The call is refused with a clear error and leaves nothing behind."""
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():  # AccessError included
            self.rpc(user, model, method, *args, **kwargs)
        self.env.invalidate_all()
        return caught.exception

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "is_company": True, "customer_rank": 1, **values})

    @classmethod
    def _invoice(cls, partner, amount, days_ago, move_type="out_invoice", post=True, **values):
        """A customer invoice (or refund) of ``amount`` untaxed, dated ``days_ago`` days before ``today``."""
        return cls._create_invoice(
            move_type=move_type,
            invoice_date=cls.today - timedelta(days=days_ago),
            post=post,
            partner_id=partner,
            invoice_line_ids=[cls._prepare_invoice_line(price_unit=amount, tax_ids=[])],
            **values,
        )

    def _recompute(self, company=None, on_date=None):
        """Run the recompute on a date, then what its commit runs (the chatter tracking)."""
        with freeze_time(on_date or self.today):
            changed = self.env["res.partner"]._care_recompute_company(company or self.company)
            self.env.cr.precommit.run()
        return changed

    def _tracked_values(self, partner, fname):
        """(old, new) of the tracked changes of ``fname`` on ``partner``, newest first."""
        self.env.cr.precommit.run()
        values = self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", "res.partner"),
            ("mail_message_id.res_id", "=", partner.id),
            ("field_id.name", "=", fname),
        ], order="id desc")
        return [(value.old_value_char, value.new_value_char) for value in values]
