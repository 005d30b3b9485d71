"""Knowledge models: the indicator catalogue, the review workflow, cases, annual reports and
the statistics rolled up from them. One module per concept; all re-exported here."""

from .catalogue import ExchangeRate, Indicator, IndicatorCategory
from .review import ReviewStatus, Transition

__all__ = [
    "ExchangeRate",
    "Indicator",
    "IndicatorCategory",
    "ReviewStatus",
    "Transition",
]
