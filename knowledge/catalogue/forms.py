"""Forms of the catalogue's pages: they parse input only; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recpnet import bounds
from recpnet.numbers import plain


class ExchangeRateForm(forms.Form):
    """Add or change a rate. The rules (source required, confirmation of a rate far from the
    nearest year's) are the service's; the form parses and shows what the service says."""

    currency = forms.RegexField(regex=r"^[A-Za-z]{3}$", max_length=3)
    year = bounds.YearFormField()
    usd_per_unit = bounds.FigureFormField(decimal_places=8, max_digits=18)
    # Not ``required`` here: the service requires it, so the API and the page say the same.
    source = forms.CharField(
        max_length=200,
        required=False,
        help_text=_(
            "Where the value comes from, e.g. the central bank's annual average series, "
            "or that it is an estimate."
        ),
        widget=forms.TextInput(attrs={"required": True}),
    )
    confirm = forms.BooleanField(
        required=False,
        label=_("Confirm"),
        help_text=_("Needed when the rate is more than 50 % away from the nearest known year's."),
    )

    @staticmethod
    def prefill(*, currency: str, year: int | None, current: Any = None) -> dict[str, Any]:
        """Prefill from the links of the missing-rates list and of each rate; ``current`` is
        that rate when it exists, shown as written so that saving it unchanged changes
        nothing."""
        initial: dict[str, Any] = {k: v for k, v in (("currency", currency), ("year", year)) if v}
        if current is not None:
            initial["usd_per_unit"] = plain(current.usd_per_unit)
            initial["source"] = current.source
        return initial

    def add_service_errors(self, exc: Any) -> None:
        """Show a service ``ValidationError`` on its fields (a request for confirmation goes
        on ``confirm`` and names the nearest rate and the deviation)."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for name, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
