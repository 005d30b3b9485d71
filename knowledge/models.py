"""Knowledge models: the indicator catalogue, the review workflow, cases, annual reports and
the statistics rolled up from them. One module per concept; all re-exported here."""

from knowledge.catalogue.models import ExchangeRate, Indicator, IndicatorCategory
from knowledge.evidence.models.cases import (
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
from knowledge.evidence.models.reminders import Reminder
from knowledge.evidence.models.reports import (
    ACTIVITY_FIELDS,
    AnnualReport,
    ReportImpact,
)
from knowledge.evidence.models.review import ReviewStatus, Transition
from knowledge.statistics.models import Statistic, StatisticSlice

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
    "Reminder",
    "ReportImpact",
    "ReviewStatus",
    "Statistic",
    "StatisticSlice",
    "Transition",
    "Visibility",
]
