"""Forms of the case pages: they parse input only; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chapters.models import Country
from knowledge.catalogue import units
from knowledge.evidence.imports import IMPACT_CODES
from knowledge.evidence.models.cases import (
    FIGURE_KINDS,
    THEMES,
    EnterpriseSize,
    FigureKind,
    Methodology,
    Visibility,
)
from recpnet import bounds
from recpnet.numbers import plain

IMPACT_STORED = {
    "energy_saved": "MWh/yr",
    "water_saved": "m3/yr",
    "materials_saved": "t/yr",
    "waste_reduced": "t/yr",
    "wastewater_reduced": "m3/yr",
    "ghg_reduced": "tCO2e/yr",
}
IMPACT_LABELS = {
    "energy_saved": _("Energy saved"),
    "water_saved": _("Water saved"),
    "materials_saved": _("Materials saved"),
    "waste_reduced": _("Waste reduced"),
    "wastewater_reduced": _("Wastewater reduced"),
    "ghg_reduced": _("GHG emissions reduced"),
}


def _unit_choices(stored: str) -> list[tuple[str, str]]:
    return [(u, u) for u in units.compatible_units(stored)]


class CaseForm(forms.Form):
    title = forms.CharField(max_length=200, help_text=_("Public: do not name the enterprise."))
    enterprise_name = forms.CharField(
        max_length=200,
        required=False,
        help_text=_(
            "Network-only: never shown to visitors. An attachment that names the enterprise "
            "cannot be public."
        ),
    )
    country = forms.ModelChoiceField(queryset=Country.objects.all(), to_field_name="code")
    sector = forms.CharField(
        max_length=3, help_text=_("ISIC Rev.4 section, optionally with the division: C, C10, I55.")
    )
    enterprise_size = forms.ChoiceField(choices=EnterpriseSize.choices)
    year = bounds.WholeNumberFormField()
    themes = forms.MultipleChoiceField(
        choices=THEMES, widget=forms.CheckboxSelectMultiple, required=False
    )
    methodology = forms.ChoiceField(choices=Methodology.choices)
    summary = forms.CharField(widget=forms.Textarea, help_text=_("Public text of the case."))
    options_identified = bounds.WholeNumberFormField(required=False, min_value=0)
    options_implemented = bounds.WholeNumberFormField(required=False, min_value=0)
    # min_value: the form reports a negative figure with every other field error at once (the
    # service, which holds every other range, runs only on a form without errors).
    investment_amount = bounds.FigureFormField(required=False, min_value=0, label=_("Investment"))
    investment_currency = forms.CharField(
        max_length=3, required=False, label=_("Investment currency (ISO 4217)")
    )
    annual_savings_amount = bounds.FigureFormField(
        required=False, min_value=0, label=_("Annual savings")
    )
    annual_savings_currency = forms.CharField(
        max_length=3, required=False, label=_("Annual savings currency (ISO 4217)")
    )
    enterprises = bounds.WholeNumberFormField(initial=1, min_value=1)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    licence = forms.CharField(max_length=60, initial="CC BY 4.0")
    output_unit = forms.CharField(max_length=40, required=False, label=_("Production output unit"))
    output_before = bounds.FigureFormField(
        required=False, min_value=0, label=_("Production output before")
    )
    output_after = bounds.FigureFormField(
        required=False, min_value=0, label=_("Production output after")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in IMPACT_CODES:
            stored = IMPACT_STORED[code]
            self.fields[f"impact_{code}_value"] = bounds.FigureFormField(
                required=False, min_value=0, label=IMPACT_LABELS[code]
            )
            self.fields[f"impact_{code}_unit"] = forms.ChoiceField(
                choices=_unit_choices(stored), initial=units.STORED_SYMBOL[stored], required=False
            )
        for kind, spec in FIGURE_KINDS.items():
            label = FigureKind(kind).label
            self.fields[f"fig_{kind}_before"] = bounds.FigureFormField(
                required=False, min_value=0, label=_("%(l)s before") % {"l": label}
            )
            self.fields[f"fig_{kind}_after"] = bounds.FigureFormField(
                required=False, min_value=0, label=_("%(l)s after") % {"l": label}
            )
            self.fields[f"fig_{kind}_unit"] = forms.ChoiceField(
                choices=_unit_choices(spec.stored_unit),
                initial=units.STORED_SYMBOL[spec.stored_unit],
                required=False,
            )

    @property
    def impact_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"impact_{c}_value"], self[f"impact_{c}_unit"]) for c in IMPACT_CODES]

    @property
    def figure_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"fig_{k}_before"], self[f"fig_{k}_after"], self[f"fig_{k}_unit"])
            for k in FIGURE_KINDS
        ]

    def service_input(self) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        data = self.cleaned_data
        fields = {
            name: data.get(name) for name in self.fields if not name.startswith(("impact_", "fig_"))
        }
        impacts = [
            {
                "indicator": code,
                "value": data[f"impact_{code}_value"],
                "unit": data[f"impact_{code}_unit"],
            }
            for code in IMPACT_CODES
            if data.get(f"impact_{code}_value") is not None
        ]
        figures = [
            {
                "kind": kind,
                "before": data[f"fig_{kind}_before"],
                "after": data[f"fig_{kind}_after"],
                "unit": data[f"fig_{kind}_unit"],
            }
            for kind in FIGURE_KINDS
            if data.get(f"fig_{kind}_before") is not None
            or data.get(f"fig_{kind}_after") is not None
        ]
        return fields, impacts, figures

    @classmethod
    def initial_for(cls, case: Any) -> dict[str, Any]:
        initial = {
            name: getattr(case, name)
            for name in (
                "title",
                "enterprise_name",
                "sector",
                "enterprise_size",
                "year",
                "themes",
                "methodology",
                "summary",
                "options_identified",
                "options_implemented",
                "investment_amount",
                "investment_currency",
                "annual_savings_amount",
                "annual_savings_currency",
                "enterprises",
                "visibility",
                "licence",
                "output_unit",
                "output_before",
                "output_after",
            )
        }
        # Decimals as the person wrote them (``20``, not ``2E+1`` or ``20.000000``), so that
        # saving the form unchanged parses back to the same numbers.
        for name in ("investment_amount", "annual_savings_amount", "output_before", "output_after"):
            initial[name] = plain(initial[name])
        initial["country"] = case.country_id
        for impact in case.impacts.select_related("indicator"):
            initial[f"impact_{impact.indicator.code}_value"] = plain(impact.value)
            initial[f"impact_{impact.indicator.code}_unit"] = impact.unit
        for figure in case.figures.all():
            initial[f"fig_{figure.kind}_before"] = plain(figure.before)
            initial[f"fig_{figure.kind}_after"] = plain(figure.after)
            initial[f"fig_{figure.kind}_unit"] = figure.unit
        return initial

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            target: str | None = name if name in self.fields else None
            if name == "impacts":
                target = None
            elif name.startswith("figures."):
                target = f"fig_{name.split('.', 1)[1]}_before"
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class ReviewForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


PUBLIC_FILE_WARNING = _(
    "A public file reaches visitors once the case is approved. The enterprise must not be "
    "named in it: not in its file name, not in its content. A file that names it stays "
    "network-only. A picture (PNG, JPEG) is checked by its file name only: look at it before "
    "making it public."
)


class AttachmentForm(forms.Form):
    file = forms.FileField()
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        initial=Visibility.NETWORK,
        required=False,  # none chosen: network-only
        widget=forms.RadioSelect,
        help_text=PUBLIC_FILE_WARNING,
    )


class AttachmentVisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)


class ImportForm(forms.Form):
    file = forms.FileField(help_text=_("CSV (UTF-8) or XLSX, with the template's columns."))
