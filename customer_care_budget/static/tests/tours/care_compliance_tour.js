import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { openMenu } from "@customer_care_budget/../tests/tours/care_tour_utils";

/**
 * A spending rule that only warns: the account manager's dinner is refused until a justification is given, then
 * submitted with it; the warning and the justification show on the form.
 */
registry.category("web_tour.tours").add("customer_care_justification_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        ...openMenu("Expenses", "care_expense_menu_mine"),
        {
            content: "Open the dinner",
            trigger: ".o_data_row:contains(Tour Customer) td.o_data_cell",
            run: "click",
        },
        {
            content: "Submit it",
            trigger: "button[name=action_submit]",
            run: "click",
        },
        {
            content: "The rule warns with its numbers and asks for a justification",
            trigger: ".modal:contains(above the limit of):contains(give a justification)",
        },
        {
            content: "Close the message",
            trigger: ".modal .btn-primary",
            run: "click",
        },
        {
            content: "Say why the dinner is right",
            trigger: ".o_field_widget[name=justification] textarea",
            run: "edit The contract signing dinner",
        },
        {
            content: "Submit again",
            trigger: "button[name=action_submit]",
            run: "click",
        },
        {
            content: "Submitted: the warning and the justification show for the reviewers",
            trigger: ".alert-warning:contains(above the limit of):contains(The contract signing dinner)",
        },
    ],
});

/** The compliance officer finds the dinner among the expenses submitted on a warning, with its reason. */
registry.category("web_tour.tours").add("customer_care_compliance_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("customer_care_budget.customer_care_menu_root", "Open Customer Care"),
        ...openMenu("Compliance", "care_expense_menu_warned"),
        {
            content: "The dinner is listed with its justification",
            trigger: ".o_data_row:contains(The contract signing dinner)",
        },
        ...openMenu("Compliance", "care_recipient_cap_menu"),
        {
            content: "The buyer is near the yearly cap",
            trigger: ".o_data_row:contains(Tour Buyer):contains(90)",
        },
    ],
});
