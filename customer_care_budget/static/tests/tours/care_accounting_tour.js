import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openMenu } from "@customer_care_budget/../tests/tours/care_tour_utils";

// The accountant's journey: post an approved expense and pay its bill; post another and cancel it,
// which reverses its bill by a credit note.
registry.category("web_tour.tours").add("customer_care_accountant_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        ...openMenu("Expenses", "care_expense_menu_to_post"),
        {
            content: "Open the expense of 111",
            trigger: ".o_data_row:contains(111.00) .o_data_cell",
            run: "click",
        },
        {
            content: "Post it",
            trigger: "button[name=action_post]",
            run: "click",
        },
        {
            content: "Posted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Open its vendor bill",
            trigger: "button[name=action_view_move]",
            run: "click",
        },
        {
            content: "Pay the bill",
            trigger: "button[name=action_register_payment]",
            run: "click",
        },
        {
            content: "Create the payment",
            trigger: ".modal button[name=action_create_payments]:visible",
            run: "click",
        },
        {
            content: "The bill is paid",
            trigger: ".o_form_view .ribbon:contains(Paid), .o_form_view .ribbon:contains(In Payment)",
        },
        ...openMenu("Expenses", "care_expense_menu_to_post"),
        {
            content: "Open the expense of 222",
            trigger: ".o_data_row:contains(222.00) .o_data_cell",
            run: "click",
        },
        {
            content: "Post it",
            trigger: "button[name=action_post]",
            run: "click",
        },
        {
            content: "Cancel and reverse",
            trigger: "button[name=action_cancel]:contains(Cancel and Reverse)",
            run: "click",
        },
        {
            content: "Confirm the reversal",
            trigger: ".modal button.btn-primary",
            run: "click",
        },
        {
            content: "Cancelled",
            trigger: ".o-mail-Message:contains(Bill reversed by)",
        },
    ],
});

// The administrator's journey: a setting and a care tier.
registry.category("web_tour.tours").add("customer_care_admin_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        {
            content: "Wait for the dashboard to load before using the menus",
            trigger: ".o_action_manager .o-spreadsheet, .o_action_manager .o_spreadsheet_dashboard_action",
        },
        ...openMenu("Configuration", "customer_care_menu_settings"),
        {
            content: "Segmentation window",
            trigger: ".o_field_widget[name=care_window_days] input",
            run: "edit 400",
        },
        {
            content: "Save the settings (the page reloads)",
            trigger: ".o_control_panel .o_form_button_save, button[name=execute]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved",
            trigger: ".o_field_widget[name=care_window_days] input:value(400)",
        },
        ...openMenu("Configuration", "care_tier_menu"),
        {
            content: "Open the Key tier",
            trigger: ".o_data_row:contains(KEY) .o_data_cell",
            run: "click",
        },
        {
            content: "Annual allowance",
            trigger: ".o_field_widget[name=annual_allowance] input",
            run: "edit 2500",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});
