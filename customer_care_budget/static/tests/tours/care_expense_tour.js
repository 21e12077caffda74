import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { inputFiles } from "@web/../tests/utils";
import { openMenu, pick } from "@customer_care_budget/../tests/tours/care_tour_utils";

/**
 * The account manager's journey, in the words of the user's language: a customer's tier, an expense
 * recorded, the policy refusing it while the receipt is missing, the receipt attached, submitted.
 */
function accountManagerSteps(words) {
    return [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        {
            content: "Open the customers",
            trigger: ".o_main_navbar a[data-menu-xmlid='customer_care_budget.customer_care_menu_customers']",
            run: "click",
        },
        {
            content: "Look the customer up",
            trigger: ".o_control_panel .o_searchview_input",
            run: "edit Tour Customer",
        },
        {
            content: "Search it by name (the first proposal)",
            trigger: ".o_searchview_autocomplete .o-dropdown-item.focus",
            run: "click",
        },
        {
            content: "The customer shows its tier",
            trigger: ".o_kanban_record:contains(Tour Customer), .o_data_row:contains(Tour Customer)",
        },
        ...openMenu(words.expenses, "care_expense_menu_mine"),
        {
            content: "My Expenses is open",
            trigger: `.o_control_panel .o_breadcrumb:contains(${words.myExpenses})`,
        },
        {
            content: "Record a new expense",
            trigger: ".o_control_panel_main_buttons button.o_list_button_add, .o-kanban-button-new",
            run: "click",
        },
        {
            content: "An unsaved expense has no number yet",
            trigger: `.o_form_view .oe_title:contains(${words.newExpense})`,
        },
        ...pick("partner_id", "Tour Customer"),
        ...pick("care_activity_type_id", words.activity),
        {
            content: "Say what it is for",
            trigger: ".o_field_widget[name=purpose] textarea",
            run: `edit ${words.purpose}`,
        },
        {
            content: "Type the amount",
            trigger: ".o_field_widget[name=amount] input",
            run: `edit ${words.amount}`,
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
            trigger: `button[name=action_submit]:contains(${words.submit})`,
            run: "click",
        },
        {
            content: "The policy asks for the receipt",
            trigger: `.modal:contains(${words.receiptRefusal})`,
        },
        {
            content: "Close the message",
            trigger: ".modal .btn-primary",
            run: "click",
        },
        {
            content: "The expense stays a draft",
            trigger: `.o_statusbar_status button.o_arrow_button_current:contains(${words.draft})`,
        },
        {
            content: "Attach the receipt in the chatter",
            trigger: ".o-mail-Chatter-topbar",
            async run() {
                const receipt = new File(["Lunch, 2 guests"], "receipt.txt", { type: "text/plain" });
                await inputFiles(".o-mail-Chatter-fileUploader", [receipt]);
            },
        },
        {
            content: "The receipt is attached",
            trigger: ".o-mail-AttachmentContainer:contains(receipt)",
        },
        {
            content: "Submit again",
            trigger: `button[name=action_submit]:contains(${words.submit})`,
            run: "click",
        },
        {
            content: "Submitted for approval",
            trigger: `.o_statusbar_status button.o_arrow_button_current:contains(${words.submitted})`,
        },
    ];
}

registry.category("web_tour.tours").add("customer_care_account_manager_tour", {
    url: "/odoo",
    steps: () => accountManagerSteps({
        expenses: "Expenses", myExpenses: "My Expenses", newExpense: "New Expense", activity: "Business Meals",
        purpose: "Lunch with the purchasing team", amount: "120", submit: "Submit",
        receiptRefusal: "need a receipt", draft: "Draft", submitted: "Submitted",
    }),
});

registry.category("web_tour.tours").add("customer_care_account_manager_zh_tour", {
    url: "/odoo",
    steps: () => accountManagerSteps({
        expenses: "费用", myExpenses: "我的费用", newExpense: "新费用", activity: "商务宴请",
        purpose: "与采购团队午餐", amount: "80", submit: "提交", receiptRefusal: "须附票据", draft: "草稿", submitted: "已提交",
    }),
});
