// Steps the Customer Care tours share.

/** Open a menu of the Customer Care navbar, then one of its entries (by xml id). */
export function openMenu(section, xmlid) {
    return [
        {
            content: `Open ${section}`,
            trigger: `.o_main_navbar button:contains(${section}), .o_main_navbar a:contains(${section})`,
            run: "click",
        },
        {
            trigger: `.dropdown-item[data-menu-xmlid='customer_care_budget.${xmlid}']`,
            run: "click",
        },
    ];
}

/** Type ``text`` in the many2one ``field`` (inside ``scope``) and pick the suggestion showing it. */
export function pick(field, text, scope = ".o_form_view") {
    return [
        {
            content: `Choose ${text}`,
            trigger: `${scope} .o_field_widget[name=${field}] input`,
            run: `edit ${text}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains(${text})`,
            run: "click",
        },
        {
            content: `${text} is chosen`,
            trigger: `${scope} .o_field_widget[name=${field}]:not(:has(.o-autocomplete--dropdown-menu))`,
        },
    ];
}

/** On a phone a many2one opens a search dialog: search ``text`` there and tap its card. */
export function pickOnPhone(field, text) {
    return [
        {
            content: `Choose ${text}`,
            trigger: `.o_form_view .o_field_widget[name=${field}] input`,
            run: "click",
        },
        {
            content: "Open the dialog's search bar",
            trigger: ".modal button:has(.fa-search)",
            run: "click",
        },
        {
            trigger: ".modal .o_searchview_input",
            run: `edit ${text}`,
        },
        {
            content: "Search the names for it",
            trigger: ".o_searchview_autocomplete .o-dropdown-item.focus",
            run: "click",
        },
        {
            trigger: `.modal .o_kanban_record:contains(${text})`,
            run: "click",
        },
        {
            content: `${text} is chosen`,
            trigger: `body:not(:has(.modal)) .o_field_widget[name=${field}] input:value(${text})`,
        },
    ];
}
