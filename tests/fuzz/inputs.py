"""What people type where a number or a date is expected, and what the declared bounds say of it.

The strategies lean on what has broken pages before: characters that ``str.isdigit()`` accepts
but ``int()`` refuses (``²``), other scripts' digits (``١٢``, ``１２``), exponents that overflow
(``1e400``), ``NaN``/``Infinity``, numbers past any column (``10**30``), negative numbers, blanks
and very long strings. NUL characters are left out: ``RejectNulBytesMiddleware`` answers them
before any view (tested in tests/test_security.py).

The oracle (:func:`verdict`) sorts a value into three kinds:

* ``BAD``: it has no reading as a finite number, or its reading is outside the declared range
  (:mod:`recpnet.bounds`), or it has a fraction where a whole number is wanted. Every input must
  refuse it (400 naming the field, or the form shown again with the field's error).
* ``GOOD``: plain ASCII digits within the range: every input must take it.
* ``EITHER``: readable but not plain (``١٢``, ``1e3``, ``2015.0``, ``1_000``, ``1,000``). The
  portal's readers (:mod:`recpnet.bounds`, used by its form and API fields) refuse all but
  well-formed thousands groups (``1,000``); this oracle accepts either answer as long as it is
  not a 5xx and a refusal names the field. That they are refused alike on pages and in the API
  is pinned by ``test_numbers_that_are_not_plain_are_refused_alike_by_page_and_api``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from hypothesis import strategies as st

from recpnet import bounds

BAD, GOOD, EITHER = "bad", "good", "either"

# Digits of other scripts, and characters that are "digits" to str.isdigit() but not to int().
OTHER_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९０１２３４５６７８９"
DIGIT_LOOKALIKES = "²³¹⁰⁴⁵⁶⁷⁸⁹₀₁₂①②③⑴⒈〇"
NUMBER_CHARS = "0123456789" + OTHER_DIGITS + DIGIT_LOOKALIKES + "+-.,eE_ "

SPECIAL_NUMBERS = [
    "",
    " ",
    "\t",
    "\n",
    "²",
    "³",
    "١٢",
    "٣",
    "١٩٩٥",
    "２０１５",
    "２",
    "²²²²",
    "1e400",
    "-1e400",
    "1E+400",
    "1e-400",
    "0E-400",
    "1e3",
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "∞",
    "-1",
    "-0",
    "+0",
    "0",
    "+1",
    "0.5",
    ".5",
    "5.",
    "1.0",
    "2015.0",
    "1,000",
    "1_000",
    "0x10",
    "1/2",
    "½",
    "00000000000000000000000000001",
    str(10**30),
    str(-(10**30)),
    str(2**63),
    str(2**63 - 1),
    str(2**31),
    str(2**15),
    str(bounds.COUNT_MAX),
    str(bounds.COUNT_MAX + 1),
    str(bounds.ENTERED_MAX),
    str(bounds.ENTERED_MAX + 1),
    str(bounds.PAGE_MAX),
    str(bounds.PAGE_MAX + 1),
    "1" + "0" * 5000,
    "9" * 30,
    "0." + "0" * 30 + "1",
    "1." + "0" * 40,
    "x" * 5000,
    "abc",
    "1 2",
    "true",
    "null",
    "[1]",
]


def _in_script(number: int, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) for c in str(number))


def numberish() -> st.SearchStrategy[str]:
    """Text where a number is expected."""
    return st.one_of(
        st.sampled_from(SPECIAL_NUMBERS),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.integers(min_value=-5, max_value=3000).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(alphabet=NUMBER_CHARS, min_size=1, max_size=8),
        st.text(alphabet=DIGIT_LOOKALIKES + OTHER_DIGITS, min_size=1, max_size=5),
        st.tuples(st.integers(1990, 2030), st.sampled_from("٠۰०０")).map(lambda t: _in_script(*t)),
        st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=30,
        ),
    )


def yearish() -> st.SearchStrategy[str]:
    """Text where a year is expected: the years around the declared range more often."""
    return st.one_of(
        st.integers(min_value=bounds.YEAR_MIN - 3, max_value=bounds.year_max() + 3).map(str),
        numberish(),
    )


SPECIAL_DATES = [
    "",
    " ",
    "0001-01-01",
    "0000-00-00",
    "1989-12-31",
    "1990-01-01",
    "9999-12-31",
    "2020-02-30",
    "2021-02-29",
    "2020-13-01",
    "2020-00-10",
    "2020-1-1",
    "20200101",
    "2020/01/01",
    "01/02/2020",
    "31/12/2020",
    "12/31/99",
    "+10000-01-01",
    "-0001-01-01",
    "١٩٩٩-٠١-٠١",
    "２０２０-０１-０１",
    "2020-01-01T00:00:00",
    "2020-01-01T25:00:00",
    "2020-W01-1",
    "1e400",
    "NaN",
    "2" * 5000,
    "today",
]


def dateish() -> st.SearchStrategy[str]:
    """Text where a date is expected."""
    return st.one_of(
        st.sampled_from(SPECIAL_DATES),
        st.dates().map(dt.date.isoformat),
        st.dates(min_value=dt.date(1985, 1, 1), max_value=dt.date(2040, 12, 31)).map(
            dt.date.isoformat
        ),
        st.tuples(st.integers(-99999, 99999), st.integers(-5, 40), st.integers(-5, 40)).map(
            lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"
        ),
        numberish(),
    )


_PLAIN_INT = re.compile(r"^\s*[+]?[0-9]{1,18}\s*$")
_PLAIN_DECIMAL = re.compile(r"^\s*[+]?([0-9]{1,18}([.][0-9]{1,8})?)\s*$")


def reading(raw: object) -> Decimal | None:
    """The finite number ``raw`` could be read as by any lenient parser, else None."""
    if raw is None or isinstance(raw, bool | list | dict):
        return None
    if isinstance(raw, int | Decimal):
        return Decimal(raw) if Decimal(raw).is_finite() else None
    if isinstance(raw, float):
        return Decimal(repr(raw)) if raw == raw and abs(raw) != float("inf") else None
    text = str(raw).strip().replace(",", "")
    if not text or len(text) > 4000:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def verdict_int(raw: object, *, minimum: int, maximum: int) -> str:
    """:data:`BAD`, :data:`GOOD` or :data:`EITHER` for a whole number in [minimum, maximum]."""
    value = reading(raw)
    if value is None or value != value.to_integral_value() or not minimum <= value <= maximum:
        return BAD
    if isinstance(raw, int) and not isinstance(raw, bool):
        return GOOD
    return GOOD if isinstance(raw, str) and _PLAIN_INT.match(raw) else EITHER


def verdict_decimal(raw: object, *, places: int, maximum: Decimal = bounds.ENTERED_MAX) -> str:
    """A non-negative figure of at most ``places`` decimal places, at most ``maximum``."""
    value = reading(raw)
    if value is None or value < 0 or value > maximum:
        return BAD
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return BAD
    return GOOD if isinstance(raw, str) and _PLAIN_DECIMAL.match(raw) else EITHER


def verdict_date(raw: object, *, planned: bool = False) -> str:
    """A date of record (``planned``: a planned date) within the declared range."""
    text = str(raw).strip() if isinstance(raw, str) else None
    if text is None:
        return BAD
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            return BAD
        return GOOD if bounds.date_min() <= date <= bounds.date_max(planned=planned) else BAD
    if not re.search(r"[0-9]", text) and not re.search(r"\d", text):
        return BAD
    return EITHER


def year_verdict(raw: object) -> str:
    return verdict_int(raw, minimum=bounds.YEAR_MIN, maximum=bounds.year_max())


def is_blank(raw: object) -> bool:
    return isinstance(raw, str) and raw.strip() == ""
