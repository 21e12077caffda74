// Layouts: the main screens at a phone's width, and beside the chatter on a wide screen.
import { registry } from "@web/core/registry";
import { pickOnPhone } from "@customer_care_budget/../tests/tours/care_tour_utils";

/** A step that fails when the page is wider than the phone: nothing to scroll sideways to. */
function fitsTheScreen(what) {
    return {
        content: `${what} fits the phone's width`,
        trigger: ".o_action_manager .o_view_controller",
        run() {
            const overflow = document.documentElement.scrollWidth - window.innerWidth;
            if (overflow > 0) {
                throw new Error(`${what} is ${overflow}px wider than the screen`);
            }
        },
    };
}

// The account manager on a phone (375 px): My Expenses as cards, a new expense recorded and saved.
registry.category("web_tour.tours").add("customer_care_phone_expense_tour", {
    steps: () => [
        {
            content: "My Expenses show as cards on a phone",
            trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
        },
        fitsTheScreen("The expense cards"),
        {
            content: "Record a new expense",
            trigger: ".o-kanban-button-new",
            run: "click",
        },
        ...pickOnPhone("partner_id", "Tour Customer"),
        ...pickOnPhone("care_activity_type_id", "Business Meals"),
        {
            trigger: ".o_field_widget[name=purpose] textarea",
            run: "edit Coffee with the buyer",
        },
        {
            trigger: ".o_field_widget[name=amount] input",
            run: "edit 35 && click .o_form_sheet .oe_title",
        },
        {
            content: "The matched line's money shows",
            trigger: ".o_field_widget[name=budget_available]:contains(5,000.00)",
        },
        fitsTheScreen("The expense form"),
        {
            content: "Save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "Saved with its number",
            trigger: ".o_form_saved .oe_title:contains(CARE/)",
        },
    ],
});

// The manager on a phone: an approved plan's form, its figures and lines.
registry.category("web_tour.tours").add("customer_care_phone_plan_tour", {
    steps: () => [
        {
            content: "The plan's lines show",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Gifts)",
        },
        fitsTheScreen("The plan form"),
        {
            content: "Its consumption shows",
            trigger: ".o_field_widget[name=consumption]",
        },
    ],
});

// The manager on a wide screen, the chatter beside the form: the plan's lines show every figure, and
// the activities' names in full (they were cut at the right edge and truncated).
registry.category("web_tour.tours").add("customer_care_plan_layout_tour", {
    steps: () => [
        {
            content: "The chatter sits beside the plan",
            trigger: ".o_form_view .o-aside .o-mail-Chatter",
        },
        {
            content: "The lines' last column fits in the form, and no activity name is cut",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Business Meals)",
            run() {
                const list = document.querySelector(".o_field_widget[name=line_ids]").getBoundingClientRect();
                const last = document.querySelector(".o_field_widget[name=line_ids] th[data-name=consumption]");
                if (last.getBoundingClientRect().right > list.right + 1) {
                    throw new Error("the consumption column is cut at the right edge");
                }
                for (const cell of document.querySelectorAll(".o_data_row td[name=activity_type_id]")) {
                    if (cell.scrollWidth > cell.clientWidth + 1) {
                        throw new Error(`the activity "${cell.textContent}" is truncated`);
                    }
                }
            },
        },
    ],
});
