"""Forms of the secretariat's chapter pages (input parsing only; services validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Chapter


class ChapterForm(forms.Form):
    slug = forms.SlugField(label=_("Slug"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    position = forms.IntegerField(label=_("Position in lists"), min_value=0, initial=0)


class ChapterEditForm(ChapterForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["slug"]


class CountryAssignForm(forms.Form):
    country = forms.CharField(
        label=_("Country (ISO 3166-1 alpha-2 code)"), max_length=2, min_length=2
    )


class CoordinatorForm(forms.Form):
    email = forms.EmailField(label=_("Coordinator's email"))


def chapter_initial(chapter: Chapter) -> dict[str, Any]:
    return {"name": chapter.name, "description": chapter.description, "position": chapter.position}
