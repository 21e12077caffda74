from . import care_tier_pin
