"""Writes of annual reports: create, edit, the review actions, and deadline reminders.

Reports are a reviewed type (:data:`REVIEWED_REPORT`): their review actions, edit claims,
emails and reminders are the one machinery's (:mod:`knowledge.evidence.review`,
:mod:`~knowledge.evidence.notifications`, :mod:`~knowledge.evidence.reminders`); what is the
reports' own is here — what blocks a submission, how a report is named, its deadline reminders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from knowledge.catalogue import units
from knowledge.catalogue.models import Indicator, IndicatorCategory
from knowledge.evidence import notifications, policies, reminders, review
from knowledge.evidence.deadlines import report_due
from knowledge.evidence.models.cases import Case, CaseImpact
from knowledge.evidence.models.reports import (
    ACTIVITY_FIELDS,
    AnnualReport,
    ReportImpact,
)
from knowledge.evidence.models.review import ReviewStatus
from members.models import Member, Status
from recpnet import bounds
from recpnet.exceptions import ConflictError
from recpnet.history import history_user, record_change
from recpnet.numbers import plain

ImpactInput = Mapping[str, Any]  # {"indicator", "value", "unit"} (money: unit = currency)


# --- who may write ------------------------------------------------------------------------


def _check_member_staff(*, actor: Any, member: Member, report: AnnualReport | None = None) -> None:
    """Member staff write their organisation's reports (the rulebook): others who may see the
    member (or the ``report`` being edited, e.g. an approved one) get 403, everyone else 404."""
    if report is None:
        policies.require(actor, "member", "create_report", member)
    else:
        policies.require(actor, "report", "edit", report)


def report_check_can_edit(*, actor: Any, report: AnnualReport) -> None:
    """Before an edit's input is read: 404 for a report the actor may not see, 403 for one it
    may not edit (the rulebook), 409 for a locked one (submitted or approved)."""
    policies.require(actor, "report", "edit", report)
    if not report.is_editable:
        raise ConflictError(
            _("This annual report is %(status)s and locked; it cannot be edited now.")
            % {"status": report.get_status_display().lower()}
        )


# --- validation ---------------------------------------------------------------------------


def _clean_impacts(*, impacts: Iterable[ImpactInput], year: int) -> list[ReportImpact]:
    """Parse and convert impact rows; errors name the row's field (``impacts``)."""
    catalogue = {i.code: i for i in Indicator.objects.exclude(category=IndicatorCategory.ACTIVITY)}
    rows: list[ReportImpact] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(impacts, start=1):
        code = str(item.get("indicator") or "")
        indicator = catalogue.get(code)
        if indicator is None:
            errors.append(
                _("Row %(n)s: unknown impact indicator “%(code)s”.") % {"n": n, "code": code}
            )
            continue
        if code in seen:
            errors.append(_("Row %(n)s: %(code)s is given twice.") % {"n": n, "code": code})
            continue
        seen.add(code)
        unit = str(item.get("unit") or "").strip()
        try:
            if indicator.category == IndicatorCategory.MONEY:
                value = units.parse_decimal(
                    item.get("value", ""), field="impacts", places=bounds.MONEY_PLACES
                )
                currency = (unit or "USD").upper()
                stored: Decimal | None
                try:
                    stored = units.to_usd(
                        amount=value, currency=currency, year=year, field="impacts"
                    )
                except units.MissingRate:
                    # A draft may wait for the secretariat's rate (the views warn at save
                    # time); submitting needs it (report_hard_errors).
                    stored = None
                rows.append(
                    ReportImpact(
                        indicator=indicator,
                        value=value,
                        unit="",
                        currency=currency,
                        stored_value=stored,
                    )
                )
            else:
                value = units.parse_decimal(item.get("value", ""), field="impacts")
                stored = units.convert(value=value, unit=unit, to=indicator.unit, field="impacts")
                rows.append(
                    ReportImpact(indicator=indicator, value=value, unit=unit, stored_value=stored)
                )
        except ValidationError as exc:
            for message in exc.message_dict.get("impacts", exc.messages):
                errors.append(
                    _("Row %(n)s (%(code)s): %(message)s")
                    % {"n": n, "code": code, "message": message}
                )
    if errors:
        raise ValidationError({"impacts": errors})
    return rows


# The largest counter of one report (the statistics add them up in 64-bit columns).
ACTIVITY_MAX = bounds.COUNT_MAX


def _clean_activity(activity: Mapping[str, Any]) -> dict[str, int]:
    """Whole numbers from 0 to :data:`ACTIVITY_MAX`; errors name the counter."""
    out: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in activity.items():
        if name not in ACTIVITY_FIELDS:
            errors[name] = [_("Unknown activity counter.")]
            continue
        try:
            out[name] = bounds.parse_count(0 if raw in (None, "") else raw, field=name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return out


def _check_year(year: Any) -> int:
    """A year from :data:`recpnet.bounds.YEAR_MIN` to the current one (a report is of a year
    that has begun)."""
    return bounds.parse_year(year)


def approved_case_sums(*, member_id: int, year: int) -> dict[str, Decimal]:
    """Sums of the member's approved cases of ``year`` by indicator code (stored units / USD),
    plus enterprises and options: a report's totals may not be below these."""
    cases = Case.objects.filter(member_id=member_id, year=year, status=ReviewStatus.APPROVED)
    sums: dict[str, Decimal] = {
        code: total
        for code, total in CaseImpact.objects.filter(case__in=cases)
        .values_list("indicator__code")
        .annotate(total=Sum("value_stored"))
        .order_by()
        if total is not None
    }
    agg = cases.aggregate(
        investment=Sum("investment_usd"),
        annual_savings=Sum("annual_savings_usd"),
        options_identified=Sum("options_identified"),
        options_implemented=Sum("options_implemented"),
        enterprises_assisted=Sum("enterprises"),
    )
    sums.update({k: Decimal(v) for k, v in agg.items() if v is not None})
    return sums


def report_hard_errors(report: AnnualReport) -> dict[str, list[str]]:
    """What blocks submission: implemented > identified, a money figure whose currency has no
    exchange rate for the year (once per currency), totals below the approved cases."""
    errors: dict[str, list[str]] = {}
    if report.options_implemented > report.options_identified:
        errors.setdefault("options_implemented", []).append(
            _("Options implemented (%(a)s) cannot exceed options identified (%(b)s).")
            % {"a": report.options_implemented, "b": report.options_identified}
        )
    figures: dict[str, Decimal] = {}
    missing: set[str] = set()
    unconverted: set[str] = set()
    for i in report.impacts.select_related("indicator"):
        try:
            figures[i.indicator.code] = _current_stored_value(i, year=report.year)
        except units.MissingRate:
            missing.add(i.currency)
            unconverted.add(i.indicator.code)
        except ValidationError as exc:
            # e.g. an amount whose USD value passes the bound at the rate added since.
            errors.setdefault("impacts", []).extend(
                f"{i.indicator.name}: {message}" for message in exc.messages
            )
            unconverted.add(i.indicator.code)
    for currency in sorted(missing):
        # One error per missing rate, however many money figures are in that currency.
        errors.setdefault("impacts", []).append(
            units.missing_rate_message(currency=currency, year=report.year)
        )
    figures.update({name: Decimal(getattr(report, name)) for name in ACTIVITY_FIELDS})
    names = dict(Indicator.objects.values_list("code", "name"))
    units_of = dict(Indicator.objects.values_list("code", "unit"))
    for code, case_total in sorted(
        approved_case_sums(member_id=report.member_id, year=report.year).items()
    ):
        if code in unconverted:
            continue  # not comparable before the rate exists, which is reported above
        reported = figures.get(code, Decimal(0))
        if reported < case_total:
            field = code if code in ACTIVITY_FIELDS else "impacts"
            errors.setdefault(field, []).append(
                _(
                    "%(indicator)s: the report gives %(reported)s %(unit)s, below the "
                    "%(cases)s %(unit)s of this member's approved cases for %(year)s."
                )
                % {
                    "indicator": names.get(code, code),
                    "reported": _fmt(reported),
                    "cases": _fmt(case_total),
                    "unit": units_of.get(code, ""),
                    "year": report.year,
                }
            )
    return errors


def _fmt(value: Decimal) -> str:
    return plain(value)


def _current_stored_value(impact: ReportImpact, *, year: int) -> Decimal:
    """The impact's stored value, money converted at today's rate of ``year`` (a draft saved
    before the rate existed has none yet). Raises ``units.MissingRate``."""
    if not impact.currency:
        return impact.stored_value or Decimal(0)
    return units.to_usd(amount=impact.value, currency=impact.currency, year=year, field="impacts")


def _refresh_money(report: AnnualReport) -> None:
    """Store the USD values of the report's money figures at today's rates (as a case's are
    refreshed at submission); figures still without a rate are left for the hard errors."""
    for impact in report.impacts.exclude(currency=""):
        try:
            usd = _current_stored_value(impact, year=report.year)
        except ValidationError:
            continue
        if usd != impact.stored_value:
            ReportImpact.objects.filter(pk=impact.pk).update(stored_value=usd)


def _validate(report: AnnualReport) -> None:
    _refresh_money(report)
    errors = report_hard_errors(report)
    if errors:
        raise ValidationError(errors)


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    member: Member,
    year: Any,
    actor: Any,
    activity: Mapping[str, Any] | None = None,
    impacts: Iterable[ImpactInput] = (),
    notes: str = "",
) -> AnnualReport:
    """A draft report of ``member`` for ``year``. One per member and year."""
    _check_member_staff(actor=actor, member=member)
    errors: dict[str, list[str]] = {}  # every bad field of the request at once
    checked_year = bounds.collect(errors, lambda: _check_year(year))
    counters = bounds.collect(errors, lambda: _clean_activity(activity or {})) or {}
    if (
        checked_year is not None
        and AnnualReport.objects.filter(member=member, year=checked_year).exists()
    ):
        errors.setdefault("year", []).append(
            _("%(member)s already has a report for %(year)s: edit that one.")
            % {"member": member.name, "year": checked_year}
        )
    rows = bounds.collect(
        errors, lambda: _clean_impacts(impacts=impacts, year=checked_year or bounds.year_max())
    )
    if errors or checked_year is None or rows is None:
        raise ValidationError(errors)
    year = checked_year
    report = AnnualReport(
        member=member, year=year, created_by=actor, notes=bounds.clean_text(notes), **counters
    )
    report.full_clean(
        exclude=["member", "created_by", "approved_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    _check_options(report)
    try:
        with transaction.atomic(), history_user(actor, report):
            report.save()
    except IntegrityError:
        # A concurrent create for the same member and year won the race.
        raise ValidationError(
            {
                "year": _("%(member)s already has a report for %(year)s: edit that one.")
                % {"member": member.name, "year": year}
            }
        ) from None
    for row in rows:
        row.report = report
    bulk_create_with_history(rows, ReportImpact, default_user=actor)
    return report


def _impact_key(rows: Iterable[ReportImpact]) -> list[tuple[Any, ...]]:
    return sorted((r.indicator_id, r.value, r.unit, r.currency) for r in rows)


def _check_options(report: AnnualReport) -> None:
    if report.options_implemented > report.options_identified:
        raise ValidationError(
            {"options_implemented": _("Options implemented cannot exceed options identified.")}
        )


@transaction.atomic
def report_update(
    *,
    report: AnnualReport,
    actor: Any,
    activity: Mapping[str, Any] | None = None,
    impacts: Iterable[ImpactInput] | None = None,
    notes: str | None = None,
    expected_version: Any = None,
) -> AnnualReport:
    """Edit a draft or returned report (its member's staff). A stale ``expected_version`` or
    a report that is no longer editable is a conflict. Every bad field is reported at once."""
    _check_member_staff(actor=actor, member=report.member, report=report)
    errors: dict[str, list[str]] = {}
    expected_version = bounds.collect(errors, lambda: bounds.parse_version(expected_version))
    counters = bounds.collect(errors, lambda: _clean_activity(activity or {})) or {}
    rows = (
        bounds.collect(errors, lambda: _clean_impacts(impacts=impacts, year=report.year))
        if impacts is not None
        else None
    )
    if errors:
        raise ValidationError(errors)
    notes = None if notes is None else bounds.clean_text(notes)
    unchanged = (
        all(getattr(report, name) == value for name, value in counters.items())
        and (notes is None or notes == report.notes)
        and (rows is None or _impact_key(rows) == _impact_key(report.impacts.all()))
    )
    for name, value in counters.items():
        setattr(report, name, value)
    _check_options(report)
    if unchanged:
        # Saved unchanged: no new version and no history entry (a conflict still shows).
        current = AnnualReport.objects.filter(
            pk=report.pk, status__in=(ReviewStatus.DRAFT, ReviewStatus.RETURNED)
        )
        if expected_version is not None:
            current = current.filter(version=expected_version)
        if not current.exists():
            raise ConflictError(
                _("This report was changed or submitted meanwhile; reload to see the change.")
            )
        report.refresh_from_db()
        return report
    fields: dict[str, Any] = dict(counters)
    if notes is not None:
        fields["notes"] = notes
    # The review's claim: one conditional UPDATE (still editable, at the version the editor
    # saw), so an edit or a submission that came in meanwhile makes this one a conflict.
    review.claim_edit(item=report, expected_version=expected_version, changes=fields)
    if rows is not None:
        # One by one so each deletion is in the history with the actor (a dozen rows at most).
        for old in report.impacts.all():
            with history_user(actor, old):
                old.delete()
        for row in rows:
            row.report = report
        bulk_create_with_history(rows, ReportImpact, default_user=actor)
    report.refresh_from_db()
    # The conditional UPDATE above sends no signal: record the edit in the history.
    record_change(report, actor=actor)
    return report


def _report_title(report: AnnualReport) -> str:
    return _("Annual report %(year)s of %(member)s") % {
        "year": report.year,
        "member": report.member.name,
    }


REVIEWED_REPORT = review.register(
    review.ReviewedType(
        model=AnnualReport,
        name="report",
        templates="emails/knowledge/reports",
        title=_report_title,
        path=lambda report: reverse(
            "knowledge:report-detail", kwargs={"slug": report.member.slug, "year": report.year}
        ),
        queue_path=lambda: reverse("knowledge:report-queue"),
        validate=_validate,
    )
)


# The review actions: named delegations to the one path (``review.act``).


def report_submit(
    *, report: AnnualReport, actor: Any, expected_version: Any = None
) -> AnnualReport:
    return review.act(item=report, action="submit", actor=actor, expected_version=expected_version)


def report_approve(
    *, report: AnnualReport, actor: Any, comment: str = "", expected_version: Any = None
) -> AnnualReport:
    return review.act(
        item=report,
        action="approve",
        actor=actor,
        comment=comment,
        expected_version=expected_version,
    )


def report_return(
    *, report: AnnualReport, actor: Any, comment: str, expected_version: Any = None
) -> AnnualReport:
    return review.act(
        item=report,
        action="return",
        actor=actor,
        comment=comment,
        expected_version=expected_version,
    )


def report_reopen(
    *, report: AnnualReport, actor: Any, comment: str, expected_version: Any = None
) -> AnnualReport:
    return review.act(
        item=report,
        action="reopen",
        actor=actor,
        comment=comment,
        expected_version=expected_version,
    )


# --- deadline and reminders ---------------------------------------------------------------

REMINDER_DAYS = (30, 14, 3)


def _deadline_reminders_due(today: dt.date) -> Iterator[reminders.Due]:
    """The staff of every active member whose report for the due year is not submitted yet,
    30, 14 and 3 days before the deadline (once per member, year and stage)."""
    year, deadline = report_due(today)
    days_left = (deadline - today).days
    stage = reminders.stage_before(days_left, REMINDER_DAYS)
    if stage is None:
        return
    done = AnnualReport.objects.filter(
        year=year, status__in=(ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)
    ).values("member_id")
    for member in Member.objects.filter(status=Status.ACTIVE).exclude(pk__in=done).order_by("pk"):
        yield reminders.Due(
            key=f"{member.pk}/{year}",
            stage=stage,
            to=partial(notifications.emails_of, review.member_staff(member)),  # read when sent
            context={"member": member, "year": year, "deadline": deadline, "days_left": days_left},
        )


REPORT_DEADLINE = reminders.register(
    reminders.ReminderKind(
        name="report_deadline",
        template="emails/knowledge/reports/reminder",
        due=_deadline_reminders_due,
    )
)


def report_reminders_send(*, today: dt.date | None = None) -> int:
    """The report-deadline reminders due today (see :mod:`knowledge.evidence.reminders`)."""
    return reminders.reminders_send(kind=REPORT_DEADLINE.name, today=today)
