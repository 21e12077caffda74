import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openMenu, pick } from "@customer_care_budget/../tests/tours/care_tour_utils";

// The care manager's journey on an approved plan: Transfer and Release Reserve from their forms, then
// Evaluations › New on the plan, Compute, Confirm and Plan Next Period.
registry.category("web_tour.tours").add("customer_care_manager_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        ...openMenu("Budgets", "care_budget_menu"),
        {
            content: "Open the approved plan",
            trigger: ".o_data_row:contains(Tour plan) .o_data_cell",
            run: "click",
        },
        {
            content: "Transfer",
            trigger: "button[name=action_open_change]:contains(Transfer)",
            run: "click",
        },
        ...pick("line_from_id", "Gifts", ".modal"),
        ...pick("line_to_id", "Business Meals", ".modal"),
        {
            content: "Amount to move",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 100",
        },
        {
            content: "Why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit More dinners with key accounts",
        },
        {
            content: "Move",
            trigger: ".modal button[name=action_save]",
            run: "click",
        },
        {
            content: "The transfer is logged on the plan",
            trigger: ".o-mail-Message:contains(Transferred)",
        },
        {
            content: "Release Reserve",
            trigger: "button[name=action_open_change]:contains(Release Reserve)",
            run: "click",
        },
        ...pick("line_to_id", "Gifts", ".modal"),
        {
            content: "Amount to release",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 50",
        },
        {
            content: "Why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Trade fair",
        },
        {
            content: "Release",
            trigger: ".modal button[name=action_save]",
            run: "click",
        },
        {
            content: "The release is logged on the plan",
            trigger: ".o-mail-Message:contains(Released)",
        },
        ...openMenu("Budgets", "care_evaluation_menu"),
        {
            content: "Evaluations is open",
            trigger: ".o_control_panel .o_breadcrumb:contains(Evaluations)",
        },
        {
            content: "New evaluation",
            trigger: ".o_control_panel_main_buttons button.o_list_button_add",
            run: "click",
        },
        {
            content: "A new evaluation says so",
            trigger: ".o_form_view:contains(New Evaluation)",
        },
        ...pick("budget_id", "Tour plan"),
        {
            content: "Compute",
            trigger: "button[name=action_compute]:contains(Compute)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: "button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Confirm it is frozen",
            trigger: ".modal button.btn-primary",
            run: "click",
        },
        {
            content: "Confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Confirmed)",
        },
        {
            content: "Plan the next period from it",
            trigger: "button[name=action_plan_next]",
            run: "click",
        },
        {
            content: "The wizard says what set the pace",
            trigger: ".modal .alert-info:contains(the evaluated period)",
        },
        {
            content: "Create the draft plan",
            trigger: ".modal button[name=action_create]",
            run: "click",
        },
        {
            content: "The next plan opens as a draft",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains(Draft)",
        },
    ],
});
