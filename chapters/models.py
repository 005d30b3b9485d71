"""Regions of the network: chapters, the countries they cover, and their coordinators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from simple_history.models import HistoricalRecords


class Chapter(models.Model):
    """A regional chapter of RECPnet (e.g. Africa). Data, not code: the secretariat edits it."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ("position", "name")
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")

    def __str__(self) -> str:
        return self.name


class Country(models.Model):
    """An ISO 3166-1 country and the one chapter it belongs to."""

    code = models.CharField(_("ISO 3166-1 alpha-2 code"), max_length=2, primary_key=True)
    chapter = models.ForeignKey(
        Chapter, on_delete=models.PROTECT, related_name="countries", verbose_name=_("chapter")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso2"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(countries.name(self.code)) or self.code

    @property
    def numeric(self) -> int | None:
        """ISO 3166 numeric code (the id used by the world map's outlines)."""
        return countries.numeric(self.code)


class Coordinator(models.Model):
    """A user assigned to coordinate one chapter: reviews its members' submissions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coordinator_assignments",
        verbose_name=_("user"),
    )
    chapter = models.ForeignKey(
        Chapter, on_delete=models.CASCADE, related_name="coordinators", verbose_name=_("chapter")
    )
    assigned_on = models.DateField(_("assigned on"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chapter coordinator")
        verbose_name_plural = _("chapter coordinators")
        constraints = [
            models.UniqueConstraint(fields=("user", "chapter"), name="coordinator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.chapter}"
