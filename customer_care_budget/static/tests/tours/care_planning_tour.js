import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openMenu, pick } from "@customer_care_budget/../tests/tours/care_tour_utils";

// The care manager's planning journey: a new plan with a KPI target and a holdout, its gift money allocated by tier
// (weighted by the tiers' total CLV), submitted; then an account manager's expense approved from its form, and the
// two others from the list at once, the summary naming the one the budget refused.
registry.category("web_tour.tours").add("customer_care_planning_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        ...openMenu("Budgets", "care_budget_menu"),
        {
            content: "New plan",
            trigger: ".o_control_panel_main_buttons button.o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Planned in the tour",
        },
        {
            content: "It starts",
            trigger: "input[data-field=date_from]",
            run: "edit 01/01/2099",
        },
        {
            content: "It ends",
            trigger: "input[data-field=date_to]",
            run: "edit 12/31/2099 && click .o_form_sheet .oe_title",
        },
        {
            content: "Its KPI targets",
            trigger: ".o_notebook a[name=objectives]",
            run: "click",
        },
        {
            trigger: "div[name=objective_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Retention rate",
            trigger: "div[name=objective_ids] .o_selected_row [name=kpi] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains(Retention Rate)",
            run: "click",
        },
        {
            content: "Target",
            trigger: "div[name=objective_ids] .o_selected_row [name=target] input",
            run: "edit 85",
        },
        {
            content: "Hold out a fifth of the customers as the control group",
            trigger: ".o_notebook a[name=holdouts]",
            run: "click",
        },
        {
            trigger: "div[name=holdout_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Share",
            trigger: "div[name=holdout_ids] .o_selected_row [name=share_pct] input",
            run: "edit 20",
        },
        {
            content: "Allocate by Tier (saves the plan first)",
            trigger: "button:contains(Allocate by Tier)",
            run: "click",
        },
        ...pick("activity_type_id", "Gifts", ".modal"),
        {
            content: "The money to share",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 900 && click .modal .modal-title",
        },
        {
            content: "The preview shows the tiers' shares",
            trigger: ".modal .o_field_widget[name=preview] table:contains(Key)",
        },
        {
            content: "Weight the tiers by their customers' total CLV",
            trigger: ".modal .o_field_widget[name=weight_by] input[data-value=clv]",
            run: "click",
        },
        {
            content: "The preview shows the tiers' total CLV",
            trigger: ".modal .o_field_widget[name=preview] table:contains(Total CLV)",
        },
        {
            content: "Create the lines",
            trigger: ".modal button[name=action_allocate]",
            run: "click",
        },
        {
            content: "Back to the lines",
            trigger: ".o_notebook a[name=lines]",
            run: "click",
        },
        {
            content: "A line per tier, named in words",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Gifts):contains(Key)",
        },
        {
            content: "Submit",
            trigger: "button[name=action_submit]",
            run: "click",
        },
        {
            content: "Waiting for approval by another Manager",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(To Approve)",
        },
        ...openMenu("Expenses", "care_expense_menu_to_approve"),
        {
            content: "Open the expense waiting for me",
            trigger: ".o_data_row:contains(Tour Customer) .o_data_cell",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: "button[name=validate_tier]",
            run: "click",
        },
        {
            content: "Approved",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Back to the expenses to approve",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "The list no longer holds the approved one",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(90.00))) .o_data_row:contains(Tour Customer):eq(1)",
        },
        {
            content: "Select the account manager's expenses left",
            trigger: ".o_data_row:contains(Tour Customer):eq(0) .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_selection_box:contains(1)",
        },
        {
            trigger: ".o_data_row:contains(Tour Customer):eq(1) .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_selection_box:contains(2)",
        },
        {
            content: "Actions",
            trigger: ".o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Approve them all at once",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Approve)",
            run: "click",
        },
        {
            content: "The summary names the one refused and why",
            trigger: ".o_notification:contains(1 of 2 approved):contains(overspend)",
        },
    ],
});
