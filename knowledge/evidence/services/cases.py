"""Every write to cases: create, update, the review actions (through
``knowledge.evidence.review``), attachments and bulk imports (exchange rates are the
catalogue's).

Each public function that takes an actor is keyword-only, checks the actor's right to act (the
evidence rulebook, ``knowledge.evidence.policies``: 404 for what the actor may not see, 403 for
what it sees), validates with messages that name the field, writes in one transaction and
leaves side effects (emails, tasks) to ``on_commit``. The building blocks without an actor
(:func:`case_build`, :func:`case_save_draft`, :func:`case_refresh_search_vector`,
:func:`case_check_submittable`) check nothing: their callers have.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, DataError, connection, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.models import Country
from knowledge.catalogue import selectors as catalogue_selectors
from knowledge.catalogue import units
from knowledge.catalogue.models import Indicator
from knowledge.evidence import attachments as name_search
from knowledge.evidence import policies, review
from knowledge.evidence.imports import STUCK_AFTER, WORKER_SOFT_TIME_LIMIT
from knowledge.evidence.models.cases import (
    FIGURE_KINDS,
    MONEY_PREFIXES,
    SECTOR_PATTERN,
    THEME_CODES,
    THEMES,
    Case,
    CaseAttachment,
    CaseFigure,
    CaseImpact,
    CaseImportJob,
    ImportState,
    NameCheck,
    Visibility,
)
from knowledge.evidence.models.review import ReviewStatus
from members.models import Member
from recpnet import bounds
from recpnet.exceptions import ConflictError
from recpnet.history import history_user
from recpnet.numbers import plain

logger = logging.getLogger(__name__)

EDITABLE_FIELDS: tuple[str, ...] = (
    "title",
    "enterprise_name",
    "country",
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
    "output_unit",
    "output_before",
    "output_after",
    "visibility",
    "licence",
    "enterprises",
)

# ISIC Rev.4: the divisions of each section (two-digit codes), for the sector check.
ISIC_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}


class _Errors:
    """Collects field errors so one request reports all of them at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(str(message))

    def absorb(self, exc: ValidationError, *, prefix: str = "") -> None:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add(name, f"{prefix}{message}")
        else:
            for message in exc.messages:
                self.add("__all__", f"{prefix}{message}")

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


@dataclass
class CaseDraft:
    """A validated case with its impact and figure rows, not yet written."""

    case: Case
    impacts: list[CaseImpact] | None = None
    figures: list[CaseFigure] | None = None
    indicators: dict[str, Indicator] = field(default_factory=dict)


def validate_sector(value: str) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(SECTOR_PATTERN, code):
        raise ValidationError(
            {"sector": _("Use an ISIC Rev.4 section letter, optionally with its division: C, C10.")}
        )
    if len(code) == 3:
        low, high = ISIC_DIVISIONS[code[0]]
        if not low <= int(code[1:]) <= high:
            raise ValidationError(
                {
                    "sector": _("Division %(div)s is not in ISIC section %(section)s.")
                    % {"div": code[1:], "section": code[0]}
                }
            )
    return code


def _decimal_or_none(
    value: Any, *, name: str, errors: _Errors, places: int = bounds.VALUE_PLACES
) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return units.parse_decimal(value, field=name, places=places)
    except ValidationError as exc:
        errors.absorb(exc)
        return None


def _count_or_none(value: Any, *, name: str, errors: _Errors, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    try:
        return bounds.parse_count(value, field=name, minimum=minimum)
    except ValidationError as exc:
        errors.absorb(exc)
        return None


def _apply_fields(case: Case, fields: Mapping[str, Any], errors: _Errors) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        errors.add("__all__", _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            continue
        if name == "country":
            if isinstance(value, Country):
                case.country = value
            else:
                code = str(value or "").strip().upper()
                country = Country.objects.filter(code=code).first()
                if country is None:
                    errors.add("country", _("Unknown country “%(c)s”.") % {"c": code})
                else:
                    case.country = country
        elif name == "sector":
            try:
                case.sector = validate_sector(value)
            except ValidationError as exc:
                errors.absorb(exc)
                case.sector = str(value or "")
        elif name in ("investment_currency", "annual_savings_currency"):
            setattr(case, name, str(value or "").strip().upper())
        elif name in ("investment_amount", "annual_savings_amount"):
            amount = _decimal_or_none(value, name=name, errors=errors, places=bounds.MONEY_PLACES)
            setattr(case, name, amount)
        elif name in ("output_before", "output_after"):
            setattr(case, name, _decimal_or_none(value, name=name, errors=errors))
        elif name in ("options_identified", "options_implemented"):
            setattr(case, name, _count_or_none(value, name=name, errors=errors))
        elif name == "enterprises":
            count = _count_or_none(value, name=name, errors=errors, minimum=1)
            case.enterprises = 1 if count is None else count
        elif name == "year":
            try:
                case.year = bounds.parse_year(value)
            except ValidationError as exc:
                errors.absorb(exc)
        elif name == "themes":
            # A set, kept in the catalogue's order (as the form lists them), each theme once.
            given = list(dict.fromkeys(value or []))
            case.themes = [code for code, _label in THEMES if code in given] + [
                t for t in given if t not in THEME_CODES
            ]
        elif name in ("title", "enterprise_name", "summary", "output_unit", "licence"):
            setattr(case, name, bounds.clean_text(value))
        else:
            setattr(case, name, value)


def _money_to_usd(case: Case, *, strict: bool, errors: _Errors) -> None:
    """Fill the USD values. A missing rate is allowed in a draft (the USD value stays empty;
    :func:`~knowledge.evidence.selectors.cases.case_rate_warning` says so at save time) and blocks
    submission (``strict``)."""
    missing: dict[tuple[str, int], str] = {}
    for prefix in MONEY_PREFIXES:
        amount = getattr(case, f"{prefix}_amount")
        currency = getattr(case, f"{prefix}_currency")
        if amount is None:
            setattr(case, f"{prefix}_usd", None)
            continue
        if not re.fullmatch(r"[A-Z]{3}", currency or ""):
            errors.add(f"{prefix}_currency", _("Use a three-letter ISO 4217 code, e.g. EUR."))
            continue
        try:
            usd = units.to_usd(
                amount=amount, currency=currency, year=case.year, field=f"{prefix}_currency"
            )
        except units.MissingRate as exc:
            setattr(case, f"{prefix}_usd", None)
            # Investment and savings are usually in one currency: one missing rate is one
            # error (on the first amount that needs it), not one per amount, which the pages
            # showed as the same message twice.
            missing.setdefault((exc.currency, exc.year), f"{prefix}_currency")
            continue
        except ValidationError as exc:
            # Only a missing rate may wait in a draft; an amount out of range never may.
            setattr(case, f"{prefix}_usd", None)
            errors.absorb(exc)
            continue
        setattr(case, f"{prefix}_usd", usd)
    if strict:
        for (code, year), name in missing.items():
            errors.add(name, units.missing_rate_message(currency=code, year=year))


def _build_impacts(
    case: Case, rows: Sequence[Mapping[str, Any]], indicators: dict[str, Indicator], errors: _Errors
) -> list[CaseImpact]:
    built: list[CaseImpact] = []
    seen: set[str] = set()
    for row in rows:
        code = str(row.get("indicator") or "").strip()
        indicator = indicators.get(code)
        if indicator is None:
            errors.add("impacts", _("Unknown impact indicator “%(c)s”.") % {"c": code})
            continue
        label = f"{indicator.name}: "
        if code in seen:
            errors.add("impacts", label + _("given twice."))
            continue
        seen.add(code)
        unit = str(row.get("unit") or "").strip()
        try:
            value = units.parse_decimal(row.get("value", ""), field="impacts")
            stored = units.convert(value=value, unit=unit, to=indicator.unit, field="impacts")
        except ValidationError as exc:
            errors.absorb(exc, prefix=label)
            continue
        built.append(
            CaseImpact(case=case, indicator=indicator, value=value, unit=unit, value_stored=stored)
        )
    return built


def _build_figures(
    case: Case, rows: Sequence[Mapping[str, Any]], errors: _Errors
) -> list[CaseFigure]:
    built: list[CaseFigure] = []
    seen: set[str] = set()
    for row in rows:
        kind = str(row.get("kind") or "")
        spec = FIGURE_KINDS.get(kind)
        if spec is None or kind in seen:
            errors.add("figures", _("Unknown or repeated figure “%(k)s”.") % {"k": kind})
            continue
        seen.add(kind)
        unit = str(row.get("unit") or "").strip()
        name = f"figures.{kind}"
        try:
            before = units.parse_decimal(row.get("before", ""), field=name)
            after = units.parse_decimal(row.get("after", ""), field=name)
            before_s = units.convert(value=before, unit=unit, to=spec.stored_unit, field=name)
            after_s = units.convert(value=after, unit=unit, to=spec.stored_unit, field=name)
        except ValidationError as exc:
            errors.absorb(exc)
            continue
        built.append(
            CaseFigure(
                case=case,
                kind=kind,
                unit=unit,
                before=before,
                after=after,
                before_stored=before_s,
                after_stored=after_s,
            )
        )
    if built and (case.output_before is None or case.output_after is None):
        errors.add(
            "output_before",
            _("Give the production output before and after, on the same basis as the figures."),
        )
    return built


def _check_savings_within_baseline(
    impacts: Sequence[CaseImpact], figures: Sequence[CaseFigure], errors: _Errors
) -> None:
    baseline = {FIGURE_KINDS[f.kind].impact: f for f in figures}
    for impact in impacts:
        figure = baseline.get(impact.indicator.code)
        if figure is not None and impact.value_stored > figure.before_stored:
            errors.add(
                "impacts",
                _(
                    "%(name)s (%(value)s %(unit)s) is larger than the baseline "
                    "%(figure)s (%(before)s %(unit)s)."
                )
                % {
                    "name": impact.indicator.name,
                    "value": plain(impact.value_stored),
                    "unit": impact.indicator.unit,
                    "figure": figure.get_kind_display().lower(),
                    "before": plain(figure.before_stored),
                },
            )


def case_build(
    *,
    member: Member,
    fields: Mapping[str, Any],
    impacts: Sequence[Mapping[str, Any]] | None = None,
    figures: Sequence[Mapping[str, Any]] | None = None,
    case: Case | None = None,
    indicators: dict[str, Indicator] | None = None,
) -> CaseDraft:
    """Validate a case and its rows without writing anything (also used row by row by the
    bulk import). Raises one ``ValidationError`` listing every field error."""
    errors = _Errors()
    if case is None:
        case = Case(member=member)
    _apply_fields(case, fields, errors)
    indicators = indicators if indicators is not None else catalogue_selectors.physical_indicators()
    built_impacts = (
        _build_impacts(case, impacts, indicators, errors) if impacts is not None else None
    )
    built_figures = _build_figures(case, figures, errors) if figures is not None else None
    if case.pk and (built_impacts is None or built_figures is None):
        current_impacts = built_impacts
        if current_impacts is None:
            current_impacts = list(case.impacts.select_related("indicator"))
        current_figures = built_figures if built_figures is not None else list(case.figures.all())
        _check_savings_within_baseline(current_impacts, current_figures, errors)
    else:
        _check_savings_within_baseline(built_impacts or [], built_figures or [], errors)
    if case.year:
        _money_to_usd(case, strict=False, errors=errors)
    try:
        # The database constraints back the same rules checked above with clearer messages.
        case.full_clean(
            exclude=["member", "created_by", "approved_by", "search_vector"],
            validate_constraints=False,
        )
    except ValidationError as exc:
        # A field already refused above is not reported a second time in other words.
        for name, messages in exc.message_dict.items():
            if name not in errors.by_field:
                for message in messages:
                    errors.add(name, message)
    errors.raise_if_any()
    return CaseDraft(case=case, impacts=built_impacts, figures=built_figures)


def case_save_draft(*, draft: CaseDraft, actor: Any = None) -> Case:
    """Write a case built by :func:`case_build` and replace its impacts/figures; every row's
    history is attributed to ``actor`` (needed where there is no request, e.g. an import run
    by the worker). It checks nothing: its callers have (:func:`case_create`,
    :func:`case_update`, the import) or write for the secretariat (the demo loader)."""
    case = draft.case
    with history_user(actor, case):
        case.save()
    if draft.impacts is not None:
        for old in case.impacts.all():
            with history_user(actor, old):
                old.delete()
        for impact in draft.impacts:
            impact.case = case
            with history_user(actor, impact):
                impact.save()
    if draft.figures is not None:
        for old_figure in case.figures.all():
            with history_user(actor, old_figure):
                old_figure.delete()
        for figure in draft.figures:
            figure.case = case
            with history_user(actor, figure):
                figure.save()
    case_refresh_search_vector(case=case)
    return case


def case_refresh_search_vector(*, case: Case) -> None:
    """Recompute the case's full-text search vector from its title and summary (PostgreSQL
    only; elsewhere the search reads the text itself)."""
    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector

    Case.objects.filter(pk=case.pk).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
    )


@transaction.atomic
def case_create(
    *,
    actor: Any,
    member: Member,
    fields: Mapping[str, Any],
    impacts: Sequence[Mapping[str, Any]] | None = None,
    figures: Sequence[Mapping[str, Any]] | None = None,
) -> Case:
    """A new draft case of ``member``, written by one of its staff."""
    policies.require(actor, "member", "create_case", member)
    draft = case_build(member=member, fields=fields, impacts=impacts or [], figures=figures or [])
    draft.case.created_by = actor
    return case_save_draft(draft=draft, actor=actor)


def case_check_can_edit(*, actor: Any, case: Case) -> None:
    """Before an edit's input is read: 404 for a case the actor may not see, 403 for one it
    may not edit (the rulebook), 409 for a locked one (submitted or approved)."""
    policies.require(actor, "case", "edit", case)
    if not case.is_editable:
        raise ConflictError(
            _("This case is %(status)s and locked; it cannot be edited now.")
            % {"status": case.get_status_display().lower()}
        )


@transaction.atomic
def case_update(
    *,
    actor: Any,
    case: Case,
    fields: Mapping[str, Any],
    impacts: Sequence[Mapping[str, Any]] | None = None,
    figures: Sequence[Mapping[str, Any]] | None = None,
    expected_version: Any = None,
) -> Case:
    """Edit a draft or returned case. ``impacts``/``figures`` of None leave those rows as they
    are; a list replaces them. A stale ``expected_version`` is a conflict; a malformed one is
    reported with every other bad field. A new enterprise name is searched for in the case's
    attachments (:func:`case_attachments_search`)."""
    case_check_can_edit(actor=actor, case=case)
    errors: dict[str, list[str]] = {}
    version = bounds.collect(errors, lambda: bounds.parse_version(expected_version))
    current = Case.objects.get(pk=case.pk)
    if version is not None and current.version != version:
        raise ConflictError(_("This case was changed meanwhile; reload to see the change."))
    current.member = case.member
    case_check_can_edit(actor=actor, case=current)
    read_version = current.version
    enterprise_name = current.enterprise_name
    before = _snapshot(current)
    draft = bounds.collect(
        errors,
        lambda: case_build(
            member=case.member, fields=fields, impacts=impacts, figures=figures, case=current
        ),
    )
    if errors or draft is None:
        raise ValidationError(errors)
    if _snapshot(current, impacts=draft.impacts, figures=draft.figures) == before:
        # Saved unchanged: no new version and no history entry, so the history shows only
        # what someone changed.
        current.refresh_from_db()
        return current
    # The review's claim (a conditional UPDATE on the version read above): an edit or a
    # submission that came in meanwhile makes this one a conflict, never a lost update.
    draft.case.version = review.claim_edit(item=current, expected_version=read_version)
    saved = case_save_draft(draft=draft, actor=actor)
    if name_search.normalise(saved.enterprise_name) != name_search.normalise(enterprise_name):
        case_attachments_search(case=saved)
    return saved


def _snapshot(
    case: Case,
    *,
    impacts: Sequence[CaseImpact] | None = None,
    figures: Sequence[CaseFigure] | None = None,
) -> tuple[Any, ...]:
    """What an edit can change, comparable by value (``Decimal("20") == Decimal("20.0")``):
    the editable fields and the impact and figure rows (the stored ones when not given)."""
    if impacts is None:
        impacts = list(case.impacts.select_related("indicator"))
    if figures is None:
        figures = list(case.figures.all())
    return (
        tuple(
            case.country_id if name == "country" else getattr(case, name)
            for name in EDITABLE_FIELDS
        ),
        sorted((i.indicator.code, i.value, i.unit) for i in impacts),
        sorted((f.kind, f.unit, f.before, f.after) for f in figures),
    )


def case_check_submittable(case: Case) -> None:
    """Hard errors that block submission, with the USD values refreshed at today's rates."""
    errors = _Errors()
    _money_to_usd(case, strict=True, errors=errors)
    if not case.summary.strip():
        errors.add("summary", _("Write a summary: it is the public text of the case."))
    errors.raise_if_any()
    Case.objects.filter(pk=case.pk).update(
        investment_usd=case.investment_usd, annual_savings_usd=case.annual_savings_usd
    )


REVIEWED_CASE = review.register(
    review.ReviewedType(
        model=Case,
        name="case",
        templates="emails/knowledge/cases",
        title=lambda case: case.title,
        path=lambda case: reverse("knowledge:case-detail", args=[case.public_id]),
        queue_path=lambda: reverse("knowledge:case-queue"),
        validate=case_check_submittable,
    )
)


# The review actions: named delegations to the one path (``review.act``).


def case_submit(*, actor: Any, case: Case, expected_version: Any = None) -> Case:
    return review.act(item=case, action="submit", actor=actor, expected_version=expected_version)


def case_approve(
    *, actor: Any, case: Case, comment: str = "", expected_version: Any = None
) -> Case:
    return review.act(
        item=case, action="approve", actor=actor, comment=comment, expected_version=expected_version
    )


def case_return(*, actor: Any, case: Case, comment: str, expected_version: Any = None) -> Case:
    return review.act(
        item=case, action="return", actor=actor, comment=comment, expected_version=expected_version
    )


def case_reopen(*, actor: Any, case: Case, comment: str, expected_version: Any = None) -> Case:
    return review.act(
        item=case, action="reopen", actor=actor, comment=comment, expected_version=expected_version
    )


# --- attachments ----------------------------------------------------------------------------

ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def detect_attachment_type(head: bytes, stream: Any) -> str | None:
    """The file's kind from its content (magic bytes, and for XLSX the workbook part inside
    the zip), never from its name."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
            return "xlsx"
    return None


def sanitise_filename(name: str, kind: str) -> str:
    """A safe download name: ASCII letters, digits, dot, dash and underscore; the extension
    the content says it has."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    base = base.rsplit(".", 1)[0] if "." in base else base
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-_")[:100] or "attachment"
    return f"{base}.{kind}"


def _attachment_visibility(value: Any) -> str:
    """The visibility asked for (none: network-only, the default)."""
    if value in (None, ""):
        return Visibility.NETWORK
    if value not in Visibility.values:
        raise ValidationError(
            {
                "visibility": _("Visibility: choose “%(public)s” or “%(network)s”.")
                % {"public": Visibility.PUBLIC.label, "network": Visibility.NETWORK.label}
            }
        )
    return str(value)


def _public_refusal(*, check: str, filename: str) -> ValidationError:
    """Why the attachment ``filename`` may not be public, on its visibility field."""
    if check == NameCheck.IN_FILENAME:
        message = _(
            "Visibility: “%(file)s” cannot be public: the enterprise's name appears in its file "
            "name. Keep it network-only, or rename the file and attach it again."
        )
    elif check == NameCheck.IN_CONTENT:
        message = _(
            "Visibility: “%(file)s” cannot be public: the enterprise's name appears in its "
            "content. Keep it network-only, or remove the name from the file and attach it again."
        )
    else:
        message = _(
            "Visibility: “%(file)s” cannot be public: it could not be checked for the "
            "enterprise's name (the file is damaged or protected, is a scan with no text, or is "
            "longer than %(pages)s pages or %(cells)s cells). Keep it network-only."
        )
    return ValidationError(
        {
            "visibility": message
            % {
                "file": filename,
                "pages": settings.ATTACHMENT_CHECK_MAX_PAGES,
                "cells": settings.ATTACHMENT_CHECK_MAX_CELLS,
            }
        }
    )


def _search_stored(attachment: CaseAttachment, *, enterprise_name: str) -> NameCheck:
    """Search a stored attachment for ``enterprise_name`` (a missing file: not checked)."""
    if len(name_search.normalise(enterprise_name)) < name_search.MIN_NAME_LENGTH:
        return NameCheck.CLEAR  # nothing to look for: the file need not be opened
    try:
        with attachment.file.open("rb") as stream:
            return name_search.search(
                enterprise_name=enterprise_name,
                filename=attachment.filename,
                original_name=attachment.original_name,
                content_type=attachment.content_type,
                stream=stream,
            )
    except OSError:
        logger.warning("Attachment %s could not be opened", attachment.public_id)
        return NameCheck.UNCHECKED


@transaction.atomic
def case_attachment_add(
    *, actor: Any, case: Case, upload: UploadedFile, visibility: Any = Visibility.NETWORK
) -> CaseAttachment:
    """Attach a file to an editable case: network-only unless ``visibility`` is public, which
    a file that names the enterprise (or could not be searched for its name) may not be: such
    a file is kept, network-only, with the finding (``flagged``) for the uploader to see, so
    nothing uploaded is lost. The file is searched, whatever its visibility, for the name of
    the case's row as locked here: a rename (:func:`case_update`) waits, and then searches
    this file for the new name."""
    case_check_can_edit(actor=actor, case=case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    case_check_can_edit(actor=actor, case=case)
    visibility = _attachment_visibility(visibility)
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}}
        )
    upload.seek(0)
    head = upload.read(16)
    kind = detect_attachment_type(head, upload)
    if kind is None:
        raise ValidationError(
            {"file": _("Attach a PDF, XLSX, PNG or JPEG file (checked by its content).")}
        )
    # Without control characters (a NUL cannot be stored), which the search ignores anyway.
    original_name = "".join(
        ch
        for ch in (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        if unicodedata.category(ch)[0] != "C"
    )[:255]
    filename = sanitise_filename(original_name, kind)
    check = name_search.search(
        enterprise_name=case.enterprise_name,
        filename=filename,
        original_name=original_name,
        content_type=ATTACHMENT_TYPES[kind],
        stream=upload,
    )
    attachment = CaseAttachment(
        case=case,
        filename=filename,
        original_name=original_name,
        content_type=ATTACHMENT_TYPES[kind],
        size=upload.size,
        visibility=visibility,
        name_check=check,
        uploaded_by=actor,
    )
    if not attachment.may_be_public:
        attachment.visibility = Visibility.NETWORK
    upload.seek(0)
    attachment.file.save("upload", upload, save=False)
    attachment.full_clean(exclude=["file"])
    attachment.save()
    return attachment


def case_attachment_set_visibility(
    *, actor: Any, attachment: CaseAttachment, visibility: Any
) -> CaseAttachment:
    """Make an attachment public or network-only, while its case may be edited. Making it
    public searches it again for the case's current enterprise name; if the name is found (or
    the file cannot be searched) it stays network-only, the finding is kept, and the refusal
    names the visibility field and where the name was found."""
    policies.require(actor, "case_attachment", "edit", attachment)
    case_check_can_edit(actor=actor, case=attachment.case)
    wanted = _attachment_visibility(visibility)
    refusal: ValidationError | None = None
    with transaction.atomic():
        # The case's row, locked: a rename or a submission waits until this is decided.
        case = Case.objects.select_for_update().get(pk=attachment.case_id)
        case_check_can_edit(actor=actor, case=case)
        current = CaseAttachment.objects.select_for_update().get(pk=attachment.pk)
        if wanted == Visibility.PUBLIC:
            current.name_check = _search_stored(current, enterprise_name=case.enterprise_name)
            if not current.may_be_public:
                refusal = _public_refusal(check=current.name_check, filename=current.filename)
        if refusal is None:
            current.visibility = wanted
            current.unpublished_at = None  # the uploader has chosen again
        current.full_clean(exclude=["file", "case", "uploaded_by"])
        current.save(update_fields=["visibility", "name_check", "unpublished_at"])
    if refusal is not None:
        raise refusal
    return current


@transaction.atomic
def case_attachments_search(*, case: Case) -> list[CaseAttachment]:
    """Search the public attachments of ``case`` again for its enterprise name (after a
    rename): one in which the name is found (or that cannot be searched) becomes network-only,
    dated so that the case page tells the uploader. Returns those. The network-only ones are
    not opened: what was found in them concerned the old name, so they are marked not searched
    yet (one UPDATE), and :func:`case_attachment_set_visibility` searches one when someone asks
    to make it public. It checks nothing: its caller (:func:`case_update`) has."""
    now = timezone.now()
    unpublished: list[CaseAttachment] = []
    attachments = CaseAttachment.objects.filter(case=case)
    attachments.filter(visibility=Visibility.NETWORK).update(name_check=NameCheck.PENDING)
    for attachment in attachments.filter(visibility=Visibility.PUBLIC).select_for_update():
        attachment.name_check = _search_stored(attachment, enterprise_name=case.enterprise_name)
        if not attachment.may_be_public:
            attachment.visibility = Visibility.NETWORK
            attachment.unpublished_at = now
            unpublished.append(attachment)
        attachment.save(update_fields=["visibility", "name_check", "unpublished_at"])
    return unpublished


@transaction.atomic
def case_attachment_delete(*, actor: Any, attachment: CaseAttachment) -> None:
    policies.require(actor, "case_attachment", "delete", attachment)
    case_check_can_edit(actor=actor, case=attachment.case)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- bulk import ----------------------------------------------------------------------------

IMPORT_ASYNC_ROWS = 200


@dataclass
class ImportOutcome:
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


class _RowFailed(Exception):
    """An unexpected error (its ``__cause__``) while validating or writing row ``row``."""

    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def case_import_validate(
    *,
    member: Member,
    rows: Sequence[Any],
    progress: Callable[[int], None] | None = None,
) -> tuple[list[CaseDraft], list[dict[str, Any]]]:
    """Validate every row (no writes). Returns the drafts and the errors, each
    ``{"row": n, "field": name, "message": text}`` with the row number as in the file. Any
    other exception stops validation as ``_RowFailed`` naming the row."""
    from knowledge.evidence.imports import row_to_input

    indicators = catalogue_selectors.physical_indicators()
    drafts: list[CaseDraft] = []
    errors: list[dict[str, Any]] = []
    for i, row in enumerate(rows, start=1):
        number = row.number
        try:
            fields, impacts = row_to_input(row.values)
            drafts.append(
                case_build(member=member, fields=fields, impacts=impacts, indicators=indicators)
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    errors.append(
                        {
                            "row": number,
                            "field": "" if name == "__all__" else name,
                            "message": message,
                        }
                    )
        except Exception as exc:
            raise _RowFailed(number) from exc
        if progress is not None:
            progress(i)
    return drafts, errors


def _import_upload(content: bytes | IO[bytes]) -> bytes:
    """The upload's bytes, refused by its size before any of it is read (a file many times
    the limit costs nothing but this check)."""
    limit = settings.IMPORT_MAX_BYTES
    too_large = ValidationError(
        {
            "file": _("The file is larger than %(max)s; split it and import the parts one by one.")
            % {"max": filesizeformat(limit)}
        }
    )
    if isinstance(content, bytes):
        if len(content) > limit:
            raise too_large
        return content
    size = getattr(content, "size", None)
    if size is None:
        size = content.seek(0, io.SEEK_END)
    if size > limit:
        raise too_large
    content.seek(0)
    data = content.read(limit + 1)
    if len(data) > limit:  # the declared size understated the content
        raise too_large
    return data


def case_import_start(
    *, actor: Any, member: Member, filename: str, content: bytes | IO[bytes]
) -> CaseImportJob:
    """Record an import and run it: at once for small files, in a Celery task for large ones
    (the page polls the job's progress). ``content`` is the upload (or its bytes): refused by
    its size before it is read, and while it is parsed as soon as it has too many rows."""
    from knowledge.evidence.imports import ImportFileError, parse_rows

    policies.require(actor, "member", "import_cases", member)
    data = _import_upload(content)
    try:
        rows = parse_rows(filename=filename, content=data)
    except ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    with transaction.atomic():
        job = CaseImportJob.objects.create(
            member=member,
            created_by=actor,
            filename=filename[:150],
            content=data,
            total=len(rows),
        )
        if len(rows) > IMPORT_ASYNC_ROWS:
            # By its registered name: the tasks call the services, never the other way round.
            run = current_app.tasks["knowledge.run_case_import"]
            transaction.on_commit(lambda: run.delay(job.pk))
            return job
    return case_import_run(job_id=job.pk)


def case_import_run(*, job_id: int) -> CaseImportJob:
    """Run a recorded import once: claimed by a conditional UPDATE, so a re-delivered task or
    a second worker does nothing. Validation reports progress (committed as it goes); the
    writes are one transaction, all rows or none. The job always ends ``done`` or ``failed``:
    an unexpected error (a value the database refuses, the soft time limit) fails it with a
    message naming the row where known; a worker killed outright is ``case_import_sweep``'s."""
    claimed = CaseImportJob.objects.filter(pk=job_id, state=ImportState.PENDING).update(
        state=ImportState.RUNNING, started_at=timezone.now()
    )
    job = CaseImportJob.objects.select_related("member", "created_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        _import_execute(job)
    except Exception as exc:  # whatever it was, the job must not stay "running"
        logger.exception("Case import %s failed", job_id)
        if not connection.in_atomic_block:
            # If the error broke the connection, a fresh one records the failure.
            connection.close_if_unusable_or_obsolete()
        _import_finish(job_id=job_id, errors=[_import_failure(exc)])
    job.refresh_from_db()
    return job


def _import_execute(job: CaseImportJob) -> None:
    from knowledge.evidence.imports import ImportFileError, parse_rows

    try:
        rows = parse_rows(filename=job.filename, content=bytes(job.content))
    except ImportFileError as exc:  # the limits were lowered since the file was accepted
        _import_finish(
            job_id=job.pk,
            errors=[{"row": exc.row or 0, "field": "file", "message": str(exc)}],
        )
        return

    def progress(done: int) -> None:
        if done % 25 == 0 or done == len(rows):
            CaseImportJob.objects.filter(pk=job.pk).update(processed=done)

    drafts, errors = case_import_validate(member=job.member, rows=rows, progress=progress)
    if not errors and not policies.allows(job.created_by, "member", "import_cases", job.member):
        errors = [{"row": 0, "field": "", "message": _("You are no longer staff here.")}]
    if errors:
        _import_finish(job_id=job.pk, errors=errors, processed=len(rows))
        return
    # Without errors every row gave one draft, in order, so each draft has its row number.
    with transaction.atomic():
        for row, draft in zip(rows, drafts, strict=True):
            draft.case.created_by = job.created_by
            try:
                case_save_draft(draft=draft, actor=job.created_by)
            except Exception as exc:
                raise _RowFailed(row.number) from exc
        # Done in the transaction of the writes: the cases exist exactly when the job says so.
        # If the sweep failed the job meanwhile, the writes go with it.
        if not _import_finish(job_id=job.pk, errors=[], created=len(drafts), processed=len(rows)):
            transaction.set_rollback(True)


def _import_finish(
    *, job_id: int, errors: list[dict[str, Any]], created: int = 0, processed: int | None = None
) -> bool:
    """End a running job, failed if there are errors. Conditional on it still running, so the
    sweep's verdict is never overwritten; returns whether it was."""
    changes: dict[str, Any] = {
        "state": ImportState.FAILED if errors else ImportState.DONE,
        "errors": errors[:1000],
        "created": created,
        "content": b"",
        "finished_at": timezone.now(),
    }
    if processed is not None:
        changes["processed"] = processed
    return bool(
        CaseImportJob.objects.filter(pk=job_id, state=ImportState.RUNNING).update(**changes)
    )


def _import_failure(exc: BaseException) -> dict[str, Any]:
    """An unexpected error as a line on the job page (the details are in the log)."""
    row = exc.row if isinstance(exc, _RowFailed) else 0
    cause = exc.__cause__ if isinstance(exc, _RowFailed) and exc.__cause__ else exc
    if isinstance(cause, SoftTimeLimitExceeded):
        message = _(
            "The import took longer than %(minutes)s minutes and was stopped; import the rows "
            "in smaller files."
        ) % {"minutes": WORKER_SOFT_TIME_LIMIT // 60}
    elif isinstance(cause, (DataError, OverflowError)):
        message = _("The database refused a value of this row (a number too large?).")
    elif isinstance(cause, DatabaseError):
        message = _("The database refused this row.") if row else _("The database failed.")
    else:
        message = _("An unexpected error stopped the import; it has been logged.")
    return {"row": row, "field": "", "message": message}


def case_import_sweep(*, now: datetime | None = None) -> int:
    """Fail the imports whose worker is gone: still pending or running ``STUCK_AFTER`` after
    they were queued or claimed, longer than any worker may run. Conditional UPDATE, so a job
    that ends meanwhile keeps its result (a job's writes commit with its ``done``); safe to
    run at any time. Returns how many it failed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STUCK_AFTER)
    message = _(
        "The import did not finish within %(minutes)s minutes (its worker stopped). Nothing was "
        "imported; import the file again."
    ) % {"minutes": STUCK_AFTER // 60}
    stuck = CaseImportJob.objects.filter(
        Q(state=ImportState.PENDING, created_at__lt=cutoff)
        | Q(state=ImportState.RUNNING, started_at__lt=cutoff)
        | Q(state=ImportState.RUNNING, started_at__isnull=True, created_at__lt=cutoff)
    )
    count = stuck.update(
        state=ImportState.FAILED,
        errors=[{"row": 0, "field": "", "message": message}],
        content=b"",
        finished_at=now,
    )
    if count:
        logger.warning("Failed %s case import(s) whose worker stopped", count)
    return count


__all__ = [
    "EDITABLE_FIELDS",
    "IMPORT_ASYNC_ROWS",
    "REVIEWED_CASE",
    "CaseDraft",
    "ReviewStatus",
    "case_approve",
    "case_attachment_add",
    "case_attachment_delete",
    "case_attachment_set_visibility",
    "case_attachments_search",
    "case_build",
    "case_check_submittable",
    "case_create",
    "case_import_run",
    "case_import_start",
    "case_import_sweep",
    "case_import_validate",
    "case_reopen",
    "case_return",
    "case_submit",
    "case_update",
]
