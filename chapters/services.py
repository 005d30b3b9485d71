"""Every write to chapters, countries and coordinators (the secretariat's)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recpnet import bounds, events
from recpnet.exceptions import ConflictError

from . import policies
from .events import CountryChapterChanged
from .models import Chapter, Coordinator, Country


def _check_unique(*, slug: str, name: str, exclude: Chapter | None = None) -> None:
    qs = Chapter.objects.all() if exclude is None else Chapter.objects.exclude(pk=exclude.pk)
    if qs.filter(slug=slug).exists():
        raise ValidationError({"slug": _("The slug “%(slug)s” is already taken.") % {"slug": slug}})
    if qs.filter(name__iexact=name).exists():
        raise ValidationError(
            {"name": _("A chapter named “%(name)s” already exists.") % {"name": name}}
        )


@transaction.atomic
def chapter_create(
    *, actor: Any, slug: str, name: str, description: str = "", position: int = 0
) -> Chapter:
    policies.authorize(actor, "chapter", "create")
    slug, name = (slug or "").strip(), (name or "").strip()
    if slug == "new":  # the path of the creation page
        raise ValidationError({"slug": _("The slug “new” is reserved.")})
    _check_unique(slug=slug, name=name)
    chapter = Chapter(slug=slug, name=name, description=description, position=position)
    chapter.full_clean()
    chapter.save()
    return chapter


@transaction.atomic
def chapter_update(
    *, actor: Any, chapter: Chapter, name: str, description: str = "", position: int = 0
) -> Chapter:
    """Rename or describe a chapter. The slug is its stable public identifier (URLs, API)."""
    policies.authorize(actor, "chapter", "edit", chapter)
    name = (name or "").strip()
    _check_unique(slug=chapter.slug, name=name, exclude=chapter)
    description = bounds.clean_text(description)
    if (chapter.name, chapter.description, chapter.position) == (name, description, position):
        return chapter  # saved unchanged: no history entry
    chapter.name, chapter.description, chapter.position = name, description, position
    chapter.full_clean()
    chapter.save()
    return chapter


@transaction.atomic
def country_assign(*, actor: Any, code: str, chapter: Chapter) -> Country:
    """Move a country to another chapter (its members' chapter follows)."""
    policies.authorize(actor, "chapter", "assign_country", chapter)
    country = Country.objects.select_for_update().filter(code=(code or "").upper()).first()
    if country is None:
        raise ValidationError({"country": _("Unknown country code “%(code)s”.") % {"code": code}})
    if country.chapter_id == chapter.pk:
        return country  # already there: no history entry
    old_chapter = country.chapter.slug
    country.chapter = chapter
    country.full_clean()
    country.save()
    # The country's figures of every year move to the new chapter: restated in this transaction.
    events.publish(
        CountryChapterChanged(
            country=country.code, old_chapter=old_chapter, new_chapter=chapter.slug
        )
    )
    return country


@transaction.atomic
def coordinator_assign(*, actor: Any, chapter: Chapter, email: str) -> Coordinator:
    """Assign a coordinator. Allowed even when the person is staff of a member in the chapter;
    the pages then warn that they cannot review that member's items
    (:func:`chapters.policies.coordinator_conflicts`)."""
    policies.authorize(actor, "chapter", "assign_coordinator", chapter)
    email = (email or "").strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise ValidationError(
            {
                "email": _("No account uses %(email)s: ask the person to sign up first.")
                % {"email": email}
            }
        )
    if Coordinator.objects.filter(user=user, chapter=chapter).exists():
        raise ValidationError(
            {
                "email": _("%(email)s already coordinates %(chapter)s.")
                % {"email": email, "chapter": chapter.name}
            }
        )
    coordinator = Coordinator(user=user, chapter=chapter)
    coordinator.full_clean()
    coordinator.save()
    return coordinator


@transaction.atomic
def coordinator_remove(*, actor: Any, coordinator: Coordinator) -> None:
    policies.authorize(actor, "coordinator", "remove", coordinator)
    deleted, _rows = Coordinator.objects.filter(pk=coordinator.pk).delete()
    if not deleted:
        raise ConflictError(_("This coordinator was already removed."))
