from . import care_budget_report
