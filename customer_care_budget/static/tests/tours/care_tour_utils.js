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
    ];
}
