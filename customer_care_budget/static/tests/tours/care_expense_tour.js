import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openMenu, pick } from "@customer_care_budget/../tests/tours/care_tour_utils";

// The account manager's journey: a customer's tier, an expense recorded and submitted, the policy
// refusing it while the receipt is missing.
registry.category("web_tour.tours").add("customer_care_account_manager_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        {
            content: "Open the customers",
            trigger: ".o_main_navbar a[data-menu-xmlid='customer_care_budget.customer_care_menu_customers']",
            run: "click",
        },
        {
            content: "The customer shows its tier",
            trigger: ".o_kanban_record:contains(Tour Customer), .o_data_row:contains(Tour Customer)",
        },
        ...openMenu("Expenses", "care_expense_menu_mine"),
        {
            content: "My Expenses is open",
            trigger: ".o_control_panel .o_breadcrumb:contains(My Expenses)",
        },
        {
            content: "Record a new expense",
            trigger: ".o_control_panel_main_buttons button.o_list_button_add, .o-kanban-button-new",
            run: "click",
        },
        {
            content: "An unsaved expense has no number yet",
            trigger: ".o_form_view .oe_title:contains(New)",
        },
        ...pick("partner_id", "Tour Customer"),
        ...pick("care_activity_type_id", "Business Meals"),
        {
            content: "Say what it is for",
            trigger: ".o_field_widget[name=purpose] textarea",
            run: "edit Lunch with the purchasing team",
        },
        {
            content: "Type the amount",
            trigger: ".o_field_widget[name=amount] input",
            run: "edit 120",
        },
        {
            content: "The budget line is matched: its money left shows",
            trigger: ".o_field_widget[name=budget_available]:contains(5,000.00)",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "Saved with its number",
            trigger: ".o_form_saved .oe_title:contains(CARE/)",
        },
        {
            content: "Submit without a receipt",
            trigger: "button[name=action_submit]",
            run: "click",
        },
        {
            content: "The policy asks for the receipt",
            trigger: ".modal:contains(need a receipt)",
        },
        {
            content: "Close the message",
            trigger: ".modal .btn-primary",
            run: "click",
        },
        {
            content: "The expense stays a draft",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Draft)",
        },
    ],
});

// The same journey in Simplified Chinese: menus, title, activity and the policy's refusal in zh_CN.
registry.category("web_tour.tours").add("customer_care_account_manager_zh_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "打开客户维护"),
        ...openMenu("费用", "care_expense_menu_mine"),
        {
            trigger: ".o_control_panel .o_breadcrumb:contains(我的费用)",
        },
        {
            trigger: ".o_control_panel_main_buttons button.o_list_button_add, .o-kanban-button-new",
            run: "click",
        },
        {
            content: "新费用 until saved",
            trigger: ".o_form_view .oe_title:contains(新费用)",
        },
        ...pick("partner_id", "Tour Customer"),
        ...pick("care_activity_type_id", "商务宴请"),
        {
            trigger: ".o_field_widget[name=purpose] textarea",
            run: "edit 与采购团队午餐",
        },
        {
            trigger: ".o_field_widget[name=amount] input",
            run: "edit 80",
        },
        {
            trigger: ".o_field_widget[name=budget_available]:contains(5,000.00)",
        },
        {
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            trigger: ".o_form_saved .oe_title:contains(CARE/)",
        },
        {
            trigger: "button[name=action_submit]:contains(提交)",
            run: "click",
        },
        {
            content: "The refusal is in Chinese",
            trigger: ".modal:contains(须附票据)",
        },
        {
            trigger: ".modal .btn-primary",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(草稿)",
        },
    ],
});
