"""Forms of the membership pages: they parse input; the services validate and write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from recpnet import bounds

from .models import OrganisationType, Role, Status, Tier
from .themes import THEMES


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown keys go to the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ProfileForm(forms.Form):
    description = forms.CharField(label=_("Profile"), widget=forms.Textarea, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    established = bounds.YearFormField(
        label=_("Year established"), required=False, min_value=bounds.ESTABLISHED_MIN
    )
    themes = forms.MultipleChoiceField(
        label=_("Expertise themes"),
        choices=THEMES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.CharField(
        label=_("Expertise sectors"),
        required=False,
        help_text=_("ISIC Rev.4 codes separated by commas, e.g. C10, C13, I55."),
    )
    services = forms.CharField(label=_("Services offered"), widget=forms.Textarea, required=False)
    contact_email = forms.EmailField(label=_("Contact email (network only)"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone (network only)"), required=False, max_length=50
    )
    address = forms.CharField(
        label=_("Address (network only)"), widget=forms.Textarea, required=False
    )

    def clean_sectors(self) -> list[str]:
        raw = self.cleaned_data.get("sectors") or ""
        return [s.strip().upper() for s in raw.split(",") if s.strip()]

    def clean_established(self) -> int | None:
        return self.cleaned_data.get("established")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *list(countries)])
    organisation_type = forms.ChoiceField(
        label=_("Organisation type"), choices=OrganisationType.choices
    )
    established = bounds.YearFormField(
        label=_("Year established"), required=False, min_value=bounds.ESTABLISHED_MIN
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(label=_("Profile of the organisation"), widget=forms.Textarea)
    themes = forms.MultipleChoiceField(
        label=_("Expertise themes"),
        choices=THEMES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.CharField(label=_("Services offered"), widget=forms.Textarea, required=False)
    track_record = forms.CharField(
        label=_("RECP track record"),
        widget=forms.Textarea,
        help_text=_("Projects, assessments, trainings and results of the last three years."),
    )
    contact_email = forms.ChoiceField(
        label=_("Contact email"),
        error_messages={
            "required": _("Choose the contact email among your verified addresses."),
            "invalid_choice": _(
                "The contact email must be one of your verified addresses. Add and verify "
                "another address on your account's email page first."
            ),
        },
    )
    charter_accepted = forms.BooleanField(
        label=_("We accept the RECPnet Charter and its principles."), required=False
    )

    def __init__(self, *args: Any, contact_emails: Sequence[str] = (), **kwargs: Any) -> None:
        """``contact_emails``: the applicant's verified addresses, the only ones the portal
        sends the application to."""
        super().__init__(*args, **kwargs)
        field = self.fields["contact_email"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(email, email) for email in contact_emails]
        if contact_emails:
            field.initial = contact_emails[0]
        field.help_text = format_html(
            gettext(
                "Only an address you have verified. To use another one, add and verify it on "
                'your account\'s <a href="{url}">email page</a> first.'
            ),
            url=reverse("account_email"),
        )


class RecommendationForm(forms.Form):
    recommend = forms.TypedChoiceField(
        label=_("Recommendation"),
        choices=[("yes", _("Recommend admission")), ("no", _("Do not recommend"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("admit", _("Admit as observer member")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Required for a rejection; shown to the applicant."),
    )


class TierChangeForm(forms.Form):
    tier = forms.ChoiceField(label=_("New tier"), choices=Tier.choices)
    effective_on = forms.DateField(
        label=_("Effective on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today; an earlier date records history."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    effective_on = forms.DateField(
        label=_("Effective on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)


class SeatForm(forms.Form):
    title = forms.CharField(label=_("Seat"), max_length=100, initial="Member")
    term_start = forms.DateField(
        label=_("Term start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(
        label=_("Term end"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DirectoryFilterForm(forms.Form):
    chapter = forms.ChoiceField(label=_("Chapter"), required=False)
    country = forms.CharField(label=_("Country code"), required=False, max_length=2)
    tier = forms.ChoiceField(
        label=_("Tier"), choices=[("", _("Any")), *Tier.choices], required=False
    )
    organisation_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Any")), *OrganisationType.choices], required=False
    )
    theme = forms.ChoiceField(label=_("Theme"), choices=[("", _("Any")), *THEMES], required=False)

    def __init__(self, *args: Any, chapters: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chapter_field = self.fields["chapter"]
        assert isinstance(chapter_field, forms.ChoiceField)
        chapter_field.choices = [("", _("Any")), *((c.slug, c.name) for c in chapters)]

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
