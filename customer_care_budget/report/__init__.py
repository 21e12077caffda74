from . import care_budget_report
from . import care_gift_register
from . import care_recipient_cap
from . import care_xlsx_common
from . import care_budget_xlsx
from . import care_expense_ledger_xlsx
from . import care_evaluation_roi_xlsx
from . import care_gift_register_xlsx
