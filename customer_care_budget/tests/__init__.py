from . import test_access
from . import test_i18n
from . import test_lifecycle_stage
from . import test_multi_company
from . import test_performance
from . import test_segmentation_rfm
from . import test_settings
from . import test_tier_pin
