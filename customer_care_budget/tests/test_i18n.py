from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestTranslations(CareTestCommon):
    """The addon speaks Simplified Chinese: data, fields, selections and error messages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["customer_care_budget"], ["zh_CN"], overwrite=True)
        cls.care_user.lang = "zh_CN"
        cls._setup_expenses()

    def test_data_and_fields_are_translated(self):
        zh = self.env(context={"lang": "zh_CN"})
        self.assertEqual(self.tier_key.with_env(zh).name, "重点")
        self.assertEqual(zh["res.partner"]._fields["care_stage"].get_description(zh)["string"], "生命周期阶段")
        stages = dict(zh["res.partner"]._fields["care_stage"]._description_selection(zh))
        self.assertEqual(stages["at_risk"], "流失风险")
        self.assertEqual(zh.ref("customer_care_budget.customer_care_menu_root").name, "客户维护")

    def test_budget_planning_is_translated(self):
        zh = self.env(context={"lang": "zh_CN"})
        self.assertEqual(zh.ref("customer_care_budget.care_activity_gift").name, "礼品")
        states = dict(zh["care.budget"]._fields["state"]._description_selection(zh))
        self.assertEqual(states["to_approve"], "待审批")
        self.assertEqual(zh["care.budget.line"]._fields["amount_planned"].get_description(zh)["string"], "调整后")
        budget = self._budget(objectives=False)
        with self.assertRaisesRegex(UserError, "KPI 目标"):
            budget.with_user(self.care_manager).with_context(lang="zh_CN").action_submit()

    def test_names_speak_the_users_language(self):
        zh = self.env(context={"lang": "zh_CN"})
        self.assertEqual(self.gift_line.with_env(zh).display_name, "礼品 / 所有等级 / 2026年")
        with freeze_time("2026-06-30"):
            evaluation = self.env["care.evaluation"].with_user(self.care_manager).create({"budget_id": self.plan.id})
        self.assertEqual(evaluation.with_env(zh).name, "Care 2026，2026/01/01 – 2026/06/30")
        self.assertEqual(evaluation.name, "Care 2026, 01/01/2026 – 06/30/2026", "each reader, their language")

    def test_errors_speak_the_users_language(self):
        customer = self._customer("顾客")
        with self.assertRaisesRegex(AccessError, "根据已过账的发票重新计算"):
            # the web client sends the user's language in the context
            customer.with_user(self.care_user).with_context(lang=self.care_user.lang).write({"care_stage": "active"})
        expense = self._expense(100.0)
        with self.assertRaisesRegex(AccessError, "不能手工输入"):
            expense.with_user(self.care_user).with_context(lang=self.care_user.lang).write({"amount_company": 1.0})

    def test_churn_reason_in_company_language(self):
        self.company.partner_id.lang = "zh_CN"
        customer = self._customer("Declining")
        self._invoice(customer, 1000.0, 300)
        self._invoice(customer, 100.0, 30)
        self._recompute()
        self.assertIn("下降了 90%", customer.care_churn_reason)

    def test_expense_refusals_are_translated(self):
        zh = self.env(context={"lang": "zh_CN"})
        states = dict(zh["care.expense"]._fields["state"]._description_selection(zh))
        self.assertEqual(states["posted"], "已过账")
        self.assertEqual(zh["care.budget.line"]._fields["consumption"].get_description(zh)["string"], "预算执行率（%）")
        expense = self._expense(2500.0, receipt=False).with_context(lang="zh_CN")
        with self.assertRaisesRegex(UserError, "票据") as error:
            expense.action_submit()
        self.assertNotIn("need a receipt", str(error.exception))

    def test_evaluation_speaks_chinese(self):
        zh = self.env(context={"lang": "zh_CN"})
        recommendations = dict(zh["care.evaluation.result"]._fields["recommendation"]._description_selection(zh))
        self.assertEqual([recommendations[key] for key in ("increase", "keep", "reduce", "stop")],
                         ["增加", "保持", "减少", "停止"])
        with self.assertRaisesRegex(UserError, "只有已审批或已关闭的预算才能进行效果评估"):
            self.env["care.evaluation"].with_user(self.care_manager).with_context(lang="zh_CN").create({
                "budget_id": self._budget().id,
            })
        evaluation = self.env["care.evaluation"].with_user(self.care_manager).with_context(lang="zh_CN").create({
            "budget_id": self.plan.id,
        })
        evaluation.action_compute()
        self.assertIn("本期间未发生支出", evaluation.recommendation_reason)
