"""Knowledge models: the indicator catalogue, the review workflow, cases, annual reports and
the statistics rolled up from them. One module per concept; all re-exported here."""

from .cases import (
    Case,
    CaseAttachment,
    CaseFigure,
    CaseImpact,
    CaseImportJob,
    EnterpriseSize,
    FigureKind,
    ImportState,
    Methodology,
    Visibility,
)
from .catalogue import ExchangeRate, Indicator, IndicatorCategory
from .reports import ACTIVITY_FIELDS, AnnualReport, ReportImpact, ReportReminder
from .review import ReviewStatus, Transition
from .statistics import Statistic, StatisticSlice

__all__ = [
    "ACTIVITY_FIELDS",
    "AnnualReport",
    "Case",
    "CaseAttachment",
    "CaseFigure",
    "CaseImpact",
    "CaseImportJob",
    "EnterpriseSize",
    "ExchangeRate",
    "FigureKind",
    "ImportState",
    "Indicator",
    "IndicatorCategory",
    "Methodology",
    "ReportImpact",
    "ReportReminder",
    "ReviewStatus",
    "Statistic",
    "StatisticSlice",
    "Transition",
    "Visibility",
]
