from . import care_budget_allocate
from . import care_approval_reason
from . import care_tier_pin
from . import comment_wizard
from . import care_budget_next
