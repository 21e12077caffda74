import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { fileUploadKanbanView } from "@account/views/file_upload_kanban/file_upload_kanban_view";
import { FileUploadKanbanRenderer } from "@account/views/file_upload_kanban/file_upload_kanban_renderer";

// The expense kanban takes receipts as the Expenses app does: dropped on the view (or sent with its
// Upload button), they open a new expense that keeps them (care.expense.create_document_from_attachment).
export class CareExpenseKanbanRenderer extends FileUploadKanbanRenderer {
    setup() {
        super.setup();
        this.dropZoneTitle = _t("Drop the receipts of one expense");
        this.dropZoneDescription = _t("A new expense opens with them attached: fill in the customer, activity and amount.");
    }
}

registry.category("views").add("care_expense_kanban", {
    ...fileUploadKanbanView,
    Renderer: CareExpenseKanbanRenderer,
});
