"""The declared range of every quantity the portal accepts, in one place.

Every path that takes a number, a year or a date from a person (pages, API, bulk import, the
admin) checks it here, and the error names the field. The ranges are sized so that any sum the
statistics can make of accepted rows fits its column: a value of one item is at most
:data:`VALUE_MAX` in its stored unit (``Statistic.total`` holds 22 integer digits, room for ten
billion such items), a counter of one item at most :data:`COUNT_MAX` (the statistics count with
64-bit integers).

Numbers are parsed from ASCII digits only: ``"²".isdigit()`` is true in Python but ``int("²")``
fails, and a page must answer 400, not 500.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

T = TypeVar("T")

# A count of one item (enterprises assisted, people trained, options identified …).
COUNT_MAX = 1_000_000_000
# A physical value or money amount of one item, as entered (in its own unit or currency).
ENTERED_MAX = Decimal(10**15)
# The same value in its stored unit (MWh, m3, t, tCO2e, USD).
VALUE_MAX = Decimal(10**12)
# Decimal places kept for physical values (money keeps cents).
VALUE_PLACES = 6
MONEY_PLACES = 2
# The earliest year of any figure, date or membership: cleaner production as a programme
# began in 1989-90 (UNEP) and the first NCPCs in 1994; an earlier date is a typo (0001-01-01)
# and would make the growth figures start in year 1.
YEAR_MIN = 1990
# The year an organisation was established may precede the network (a university centre).
ESTABLISHED_MIN = 1900
# Pages of a list: more than this is never a real request.
PAGE_MAX = 100_000

_ASCII_INT = re.compile(r"^[+-]?[0-9]{1,18}$")
_ASCII_DECIMAL = re.compile(r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$")
# A comma is accepted only as a thousands separator in well-formed groups (1,500,000.5):
# "1,5" is a decimal comma and would otherwise silently become 15.
_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?$")


class InvalidQuery(ValidationError):
    """A malformed or out-of-range query parameter: the page answers 400 naming it
    (:class:`recpnet.middleware.InvalidInputMiddleware`)."""


def _ungroup(text: str) -> str:
    return text.replace(",", "") if _GROUPED.match(text) else text


# How far ahead a planned date (the end of a term of office) may lie.
PLANNED_YEARS_AHEAD = 10


def year_max() -> int:
    """The latest year of any figure: the current one (figures are of years that have begun)."""
    return timezone.localdate().year


def date_min() -> dt.date:
    return dt.date(YEAR_MIN, 1, 1)


def date_max(*, planned: bool = False) -> dt.date:
    """Today for dates of record (joined, effective, verified); for planned dates (a term's
    end) the end of the year :data:`PLANNED_YEARS_AHEAD` years ahead."""
    today = timezone.localdate()
    return dt.date(today.year + PLANNED_YEARS_AHEAD, 12, 31) if planned else today


def read_int(raw: Any, *, field: str) -> int:
    """The whole number written in ``raw`` (an int, or ASCII digits with thousands in
    well-formed groups), whatever its range: the syntax alone, for forms and serializers that
    leave the ranges to the services (so one request reports every bad field)."""
    if isinstance(raw, bool):
        raise ValidationError({field: _("Enter a whole number.")})
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal | float):
        try:
            if raw != int(raw):
                raise ValidationError({field: _("Enter a whole number.")})
        except (ValueError, OverflowError, InvalidOperation):
            raise ValidationError({field: _("Enter a whole number.")}) from None
        return int(raw)
    text = _ungroup(str(raw).strip())
    if not _ASCII_INT.match(text):
        raise ValidationError({field: _("Enter a whole number.")})
    return int(text)


def parse_int(raw: Any, *, field: str, minimum: int = 0, maximum: int = COUNT_MAX) -> int:
    """A whole number from ``raw`` (see :func:`read_int`) within ``[minimum, maximum]``."""
    value = read_int(raw, field=field)
    if value < minimum or value > maximum:
        raise ValidationError(
            {
                field: _("Enter a number from %(min)s to %(max)s.")
                % {"min": f"{minimum:,}", "max": f"{maximum:,}"}
            }
        )
    return value


def parse_count(raw: Any, *, field: str, minimum: int = 0) -> int:
    return parse_int(raw, field=field, minimum=minimum, maximum=COUNT_MAX)


def parse_year(raw: Any, *, field: str = "year") -> int:
    try:
        return parse_int(raw, field=field, minimum=YEAR_MIN, maximum=year_max())
    except ValidationError:
        raise ValidationError(
            {field: _("Enter a year from %(min)s to %(max)s.") % year_range()}
        ) from None


def parse_established(raw: Any, *, field: str = "established") -> int | None:
    """The year an organisation was established: :data:`ESTABLISHED_MIN` to this year."""
    if raw is None or raw == "":
        return None
    try:
        return parse_int(raw, field=field, minimum=ESTABLISHED_MIN, maximum=year_max())
    except ValidationError:
        raise ValidationError(
            {
                field: _("Enter a year from %(min)s to %(max)s.")
                % {"min": ESTABLISHED_MIN, "max": year_max()}
            }
        ) from None


def year_range() -> dict[str, int]:
    return {"min": YEAR_MIN, "max": year_max()}


def check_date(value: dt.date, *, field: str, planned: bool = False) -> dt.date:
    """``value`` within :func:`date_min` … :func:`date_max`, else an error naming ``field``."""
    latest = date_max(planned=planned)
    if not date_min() <= value <= latest:
        raise ValidationError(
            {
                field: _("Enter a date from %(min)s to %(max)s.")
                % {"min": date_min().isoformat(), "max": latest.isoformat()}
            }
        )
    return value


def read_decimal(raw: Any, *, field: str) -> Decimal:
    """The finite number written in ``raw`` (ASCII digits and a decimal point; thousands in
    well-formed groups; no exponent, no decimal comma), whatever its range or places."""
    if isinstance(raw, bool):
        raise ValidationError({field: _("Enter a number.")})
    if isinstance(raw, Decimal):
        amount = raw
    elif isinstance(raw, int):
        amount = Decimal(raw)
    elif isinstance(raw, float):
        amount = Decimal(repr(raw))
    else:
        text = _ungroup(str(raw).strip())
        if not _ASCII_DECIMAL.match(text):
            raise ValidationError({field: _("Enter a number, such as 1250 or 12.5.")})
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError({field: _("Enter a number, such as 1250 or 12.5.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter a finite number.")})
    return amount


def parse_decimal(
    raw: Any, *, field: str, places: int = VALUE_PLACES, maximum: Decimal | None = ENTERED_MAX
) -> Decimal:
    """A non-negative decimal with at most ``places`` decimal places and at most ``maximum``
    (:data:`ENTERED_MAX`; ``None`` when the caller checks a tighter limit first). More places
    are refused, not rounded: a figure a member typed is never changed behind their back."""
    amount = read_decimal(raw, field=field)
    if amount < 0:
        raise ValidationError({field: _("Enter a value of zero or more.")})
    if maximum is not None and amount > maximum:
        raise ValidationError(
            {field: _("Enter at most %(max)s.") % {"max": f"{int(ENTERED_MAX):,}"}}
        )
    if decimal_places(amount) > places:
        raise ValidationError({field: _("Enter at most %(n)s decimal places.") % {"n": places}})
    return amount


def decimal_places(amount: Decimal) -> int:
    """The decimal places ``amount`` needs (``20.500`` needs 1), read from its digits:
    ``normalize()`` would round 1E-1000030 to 0 under the default context and say none."""
    _sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0  # zero, at any scale
    return max(0, -exponent - (len(digits) - len(significant)))


def check_stored(value: Decimal, *, field: str, unit: str, factor: Decimal | None = None) -> None:
    """``value`` is in the stored unit ``unit``; refuse it past :data:`VALUE_MAX`, saying the
    largest value that the entered unit allows (``VALUE_MAX / factor``)."""
    if value > VALUE_MAX:
        if factor:
            limit = (VALUE_MAX / factor).normalize()
            message = _("Enter at most %(max)s in this unit.") % {"max": f"{limit:,f}"}
        else:
            message = _("Enter at most %(max)s %(unit)s.") % {
                "max": f"{int(VALUE_MAX):,}",
                "unit": unit,
            }
        raise ValidationError({field: message})


def parse_version(raw: Any, *, field: str = "version") -> int | None:
    """The version an edit was based on (a hidden form field or ``If-Match``), if given."""
    if raw is None or str(raw).strip() == "":
        return None
    return parse_int(str(raw).strip().strip('"'), field=field, minimum=1, maximum=COUNT_MAX)


def collect(errors: dict[str, list[str]], check: Callable[[], T]) -> T | None:
    """Run ``check``; add its field errors to ``errors`` (so one request reports every bad
    field at once) and return ``None`` when it fails."""
    try:
        return check()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
        return None


def clean_text(value: Any) -> str:
    """Text as stored: browsers submit line breaks as CRLF, so a form saved unchanged would
    otherwise change every multi-line text; outer whitespace is not part of the text."""
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def query_int(
    query: Mapping[str, Any], name: str, *, minimum: int = 0, maximum: int = COUNT_MAX
) -> int | None:
    """An optional whole-number query parameter: ``None`` when absent or empty,
    :class:`InvalidQuery` naming it when malformed or out of range."""
    raw = query.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return parse_int(raw, field=name, minimum=minimum, maximum=maximum)
    except ValidationError as exc:
        raise InvalidQuery(exc.message_dict) from None


def query_year(query: Mapping[str, Any], name: str = "year") -> int | None:
    raw = query.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return parse_year(raw, field=name)
    except ValidationError as exc:
        raise InvalidQuery(exc.message_dict) from None


class WholeNumberFormField(forms.IntegerField):
    """A whole number read as everywhere else (:func:`read_int`: Django's own field would take
    "١٢" and "12.0"); its range is the service's, which reports every bad field at once."""

    # A text box, not <input type=number>: browsers drop a typed "1,5" to "15" or "١٢" to
    # nothing before the server can say what is wrong with it.
    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "numeric"}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return read_int(value, field="value")
        except ValidationError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class FigureFormField(forms.DecimalField):
    """A figure as entered, read by :func:`read_decimal` (no exponent, no decimal comma); its
    range and decimal places are the service's (:func:`parse_decimal`), which reports every
    bad field at once and refuses extra places rather than rounding them."""

    widget = forms.TextInput  # see WholeNumberFormField

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal"}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if value in self.empty_values:
            return None
        try:
            return read_decimal(value, field="value")
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="invalid") from None

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # not DecimalField's digit and place limits


class YearFormField(WholeNumberFormField):
    """A year from ``min_value`` (default :data:`YEAR_MIN`) to the current year, checked when
    the form is cleaned (a field built at start-up must not keep last year's limit)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", YEAR_MIN)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value > year_max():
            raise ValidationError(
                _("Enter a year from %(min)s to %(max)s.")
                % {"min": self.min_value, "max": year_max()},
                code="max_value",
            )
