"""The shared case library: enterprise-level RECP cases documented by members with the common
indicators, their enterprise-level before/after figures, attachments and bulk imports.

Money is kept as entered (amount + ISO 4217 currency) with its USD value beside it; physical
values are kept as entered (value + unit) with the value in the indicator's stored unit beside
it. Conversions happen in ``knowledge.catalogue.units`` only, called from the services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from knowledge.evidence.models.review import Reviewable
from members.themes import THEME_CODES, THEMES
from recpnet import bounds

SECTOR_PATTERN = r"^[A-U]([0-9]{2})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
DEFAULT_LICENCE = "CC BY 4.0"

__all__ = [
    "DEFAULT_LICENCE",
    "FIGURE_KINDS",
    "SECTOR_PATTERN",
    "THEMES",
    "THEME_CODES",
    "Case",
    "CaseAttachment",
    "CaseFigure",
    "CaseImpact",
    "CaseImportJob",
    "EnterpriseSize",
    "FigureKind",
    "ImportState",
    "Methodology",
    "NameCheck",
    "Visibility",
]


class EnterpriseSize(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class Methodology(models.TextChoices):
    CP_ASSESSMENT = "cp_assessment", _("CP assessment")
    TEST = "test", _("TEST")
    CHEMICAL_LEASING = "chemical_leasing", _("Chemical leasing")
    ECO_INNOVATION = "eco_innovation", _("Eco-innovation")
    EIP = "eip", _("Eco-industrial park")
    ENERGY_AUDIT = "energy_audit", _("Energy audit")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    NETWORK = "network", _("Network only")


# The case's money figures: each an amount, its currency and its USD value at the rate of the
# case's year (``<prefix>_amount``, ``<prefix>_currency``, ``<prefix>_usd``).
MONEY_PREFIXES = ("investment", "annual_savings")


class Case(Reviewable):
    """An enterprise-level RECP case (or a documented group of enterprises) owned by a member.

    ``enterprise_name`` is network-only: never shown to visitors; title and summary are the
    member's public text. Only approved cases are in the library and count anywhere.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    enterprise_name = models.CharField(
        _("enterprise name"),
        max_length=200,
        blank=True,
        help_text=_("Network-only: never shown to visitors."),
    )
    country = models.ForeignKey(
        "chapters.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    sector = models.CharField(
        _("sector (ISIC Rev.4)"),
        max_length=3,
        help_text=_("Section letter, optionally with the division: C, C10, I55."),
    )
    enterprise_size = models.CharField(
        _("enterprise size"), max_length=10, choices=EnterpriseSize.choices
    )
    year = models.PositiveSmallIntegerField(_("year"))
    themes = models.JSONField(_("themes"), default=list, blank=True)
    methodology = models.CharField(_("methodology"), max_length=20, choices=Methodology.choices)
    summary = models.TextField(_("summary"))
    options_identified = models.PositiveIntegerField(_("options identified"), null=True, blank=True)
    options_implemented = models.PositiveIntegerField(
        _("options implemented"), null=True, blank=True
    )
    investment_amount = models.DecimalField(
        _("investment"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    investment_currency = models.CharField(_("investment currency"), max_length=3, blank=True)
    investment_usd = models.DecimalField(
        _("investment (USD)"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    annual_savings_amount = models.DecimalField(
        _("annual savings"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    annual_savings_currency = models.CharField(
        _("annual savings currency"), max_length=3, blank=True
    )
    annual_savings_usd = models.DecimalField(
        _("annual savings (USD)"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    output_unit = models.CharField(
        _("production output unit"),
        max_length=40,
        blank=True,
        help_text=_("The same basis before and after, e.g. “t of product” or “guest nights”."),
    )
    output_before = models.DecimalField(
        _("production output before"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    output_after = models.DecimalField(
        _("production output after"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    licence = models.CharField(_("licence"), max_length=60, default=DEFAULT_LICENCE)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=1)
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["search_vector"])

    class Meta:
        ordering = ("-year", "title")
        verbose_name = _("case")
        indexes = [
            models.Index(fields=("status", "year")),
            models.Index(fields=("member", "status")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sector__regex=SECTOR_PATTERN), name="case_sector_isic"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1970) & Q(year__lte=2100), name="case_year_range"
            ),
            models.CheckConstraint(
                condition=Q(options_implemented__isnull=True)
                | Q(options_identified__isnull=True)
                | Q(options_implemented__lte=F("options_identified")),
                name="case_implemented_le_identified",
            ),
            models.CheckConstraint(
                condition=Q(investment_amount__isnull=True) | Q(investment_amount__gte=0),
                name="case_investment_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(annual_savings_amount__isnull=True) | Q(annual_savings_amount__gte=0),
                name="case_savings_nonnegative",
            ),
            models.CheckConstraint(condition=Q(enterprises__gte=1), name="case_enterprises_min"),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="case_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        unknown = [t for t in self.themes or [] if t not in THEME_CODES]
        if not isinstance(self.themes, list) or unknown:
            errors["themes"] = _("Unknown themes: %(codes)s.") % {
                "codes": ", ".join(map(str, unknown)) or "?"
            }
        if (
            self.options_identified is not None
            and self.options_implemented is not None
            and self.options_implemented > self.options_identified
        ):
            errors["options_implemented"] = _(
                "Options implemented cannot exceed options identified."
            )
        for prefix in ("investment", "annual_savings"):
            amount = getattr(self, f"{prefix}_amount")
            currency = getattr(self, f"{prefix}_currency")
            if amount is not None and amount < 0:
                errors[f"{prefix}_amount"] = _("Enter an amount of zero or more.")
            if amount is not None and not currency:
                errors[f"{prefix}_currency"] = _("Give the currency of this amount.")
        if self.enterprises is not None and self.enterprises < 1:
            errors["enterprises"] = _("A case covers at least one enterprise.")
        if self.year is not None and not bounds.YEAR_MIN <= self.year <= bounds.year_max():
            errors["year"] = _("Enter a year from %(min)s to %(max)s.") % bounds.year_range()
        if errors:
            raise ValidationError(errors)

    @property
    def payback_years(self) -> Decimal | None:
        """Simple payback: investment / annual savings, both in USD."""
        if not self.investment_usd or not self.annual_savings_usd:
            return None
        ratio = Decimal(str(self.investment_usd)) / Decimal(str(self.annual_savings_usd))
        return ratio.quantize(Decimal("0.001"))

    @property
    def sector_section(self) -> str:
        return self.sector[:1]

    @property
    def implementation_rate(self) -> Decimal | None:
        if not self.options_identified or self.options_implemented is None:
            return None
        return Decimal(self.options_implemented * 100) / Decimal(self.options_identified)

    @property
    def theme_labels(self) -> list[str]:
        labels = dict(THEMES)
        return [str(labels.get(t, t)) for t in self.themes or []]


class CaseImpact(models.Model):
    """One impact of a case (annual, against the baseline), as entered and in stored units."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="impacts")
    indicator = models.ForeignKey(
        "knowledge.Indicator", on_delete=models.PROTECT, related_name="case_impacts"
    )
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=20)
    value_stored = models.DecimalField(_("value in stored unit"), max_digits=24, decimal_places=6)
    history = HistoricalRecords()

    class Meta:
        ordering = ("indicator__position",)
        verbose_name = _("case impact")
        constraints = [
            models.UniqueConstraint(fields=("case", "indicator"), name="caseimpact_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="caseimpact_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value} {self.unit}"


class FigureKind(models.TextChoices):
    ENERGY = "energy", _("Energy use")
    MATERIALS = "materials", _("Materials use")
    WATER = "water", _("Water use")
    WASTE = "waste", _("Waste generated")
    WASTEWATER = "wastewater", _("Wastewater generated")
    GHG = "ghg", _("GHG emissions")


@dataclass(frozen=True)
class FigureSpec:
    stored_unit: str
    resource: bool  # True: productivity = output / use; False: intensity = pollution / output
    impact: str  # the impact indicator whose saving must not exceed the baseline


FIGURE_KINDS: dict[str, FigureSpec] = {
    FigureKind.ENERGY: FigureSpec("MWh/yr", True, "energy_saved"),
    FigureKind.MATERIALS: FigureSpec("t/yr", True, "materials_saved"),
    FigureKind.WATER: FigureSpec("m3/yr", True, "water_saved"),
    FigureKind.WASTE: FigureSpec("t/yr", False, "waste_reduced"),
    FigureKind.WASTEWATER: FigureSpec("m3/yr", False, "wastewater_reduced"),
    FigureKind.GHG: FigureSpec("tCO2e/yr", False, "ghg_reduced"),
}


class CaseFigure(models.Model):
    """Enterprise-level use of a resource (or generation of a pollutant) before and after, per
    year, from which resource productivity and pollution intensity are derived."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(_("kind"), max_length=12, choices=FigureKind.choices)
    unit = models.CharField(_("unit"), max_length=20)
    before = models.DecimalField(_("before"), max_digits=24, decimal_places=6)
    after = models.DecimalField(_("after"), max_digits=24, decimal_places=6)
    before_stored = models.DecimalField(max_digits=24, decimal_places=6)
    after_stored = models.DecimalField(max_digits=24, decimal_places=6)
    history = HistoricalRecords()

    class Meta:
        ordering = ("pk",)
        verbose_name = _("enterprise figure")
        constraints = [
            models.UniqueConstraint(fields=("case", "kind"), name="casefigure_unique"),
            models.CheckConstraint(
                condition=Q(before__gte=0) & Q(after__gte=0), name="casefigure_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.before} → {self.after} {self.unit}"

    @property
    def spec(self) -> FigureSpec:
        return FIGURE_KINDS[self.kind]

    def ratio(self, output: Decimal | None, use: Decimal) -> Decimal | None:
        if output is None:
            return None
        if self.spec.resource:
            return output / use if use else None
        return use / output if output else None

    def derived(self, case: Case) -> dict[str, Any]:
        """Productivity (resource) or intensity (pollution) before and after, and % change."""
        before = self.ratio(case.output_before, self.before_stored)
        after = self.ratio(case.output_after, self.after_stored)
        change = None
        if before and after is not None:
            change = ((after - before) / before * 100).quantize(Decimal("0.1"))
        unit_label = self.spec.stored_unit.removesuffix("/yr")
        out = case.output_unit or _("output")
        label = (
            _("Resource productivity (%(out)s per %(unit)s)")
            if self.spec.resource
            else _("Pollution intensity (%(unit)s per %(out)s)")
        ) % {"out": out, "unit": unit_label}
        return {
            "label": label,
            "before": before,
            "after": after,
            "change_pct": change,
            "better_is_higher": self.spec.resource,
        }


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    # The stored name is random: the original (sanitised) name is only used for downloads.
    return f"case-attachments/{instance.case.public_id}/{uuid.uuid4().hex}"


class NameCheck(models.TextChoices):
    """What the search for the case's enterprise name in an attachment found (the search is
    ``knowledge.evidence.attachments``). Only a ``clear`` attachment may be public."""

    PENDING = "pending", _("not checked yet")
    CLEAR = "clear", _("the enterprise is not named")
    IN_FILENAME = "filename", _("the enterprise is named in the file name")
    IN_CONTENT = "content", _("the enterprise is named in the content")
    UNCHECKED = "unchecked", _("the file could not be checked")


class CaseAttachment(models.Model):
    """A supporting document (PDF, XLSX, PNG, JPEG), checked by content; served only through a
    permission-checked view as a download.

    Network-only unless the uploader makes it public, which only a file that does not name the
    enterprise (``name_check``) may be: a public attachment of an approved public case is
    served to visitors. ``unpublished_at`` is when the portal made a public attachment
    network-only because the enterprise's new name appears in it; the case page says so until
    the uploader chooses its visibility again."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=150)
    # The name the file was uploaded under: the sanitised ``filename`` drops the letters that
    # have no ASCII form ("Kırıkkale" becomes "Krkkale"), so the enterprise's name is searched
    # for in this one too, at upload and on every later search. Never shown or served.
    original_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.NETWORK,
        help_text=_("Public files must not name the enterprise, in their name or content."),
    )
    name_check = models.CharField(
        _("enterprise name check"),
        max_length=10,
        choices=NameCheck.choices,
        default=NameCheck.PENDING,
    )
    unpublished_at = models.DateTimeField(_("made network-only"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("uploaded_at", "pk")
        verbose_name = _("case attachment")
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values),
                name="caseattachment_visibility_valid",
            ),
            models.CheckConstraint(
                condition=Q(name_check__in=NameCheck.values),
                name="caseattachment_name_check_valid",
            ),
            # Enterprise names never leave the network: a file may be public only once the
            # search for the name has found nothing.
            models.CheckConstraint(
                condition=~Q(visibility=Visibility.PUBLIC) | Q(name_check=NameCheck.CLEAR),
                name="caseattachment_public_only_if_clear",
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def may_be_public(self) -> bool:
        """The one rule: only a file in which the search found no enterprise name may be
        public (the database's ``caseattachment_public_only_if_clear`` says the same)."""
        return self.name_check == NameCheck.CLEAR

    @property
    def flagged(self) -> bool:
        """The search found the enterprise's name, or could not search the file: it may not be
        public (one not searched yet is searched when someone asks to make it public)."""
        return not self.may_be_public and self.name_check != NameCheck.PENDING


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class CaseImportJob(models.Model):
    """A bulk import of cases for one member: all rows or none. Large files run in a Celery
    task; the page polls ``processed`` / ``total``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="case_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=150)
    content = models.BinaryField()
    state = models.CharField(max_length=10, choices=ImportState.choices, default="pending")
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a worker claims the job: the sweep fails a job still running long after this.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("case import")

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0
