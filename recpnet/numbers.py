"""How a number is written, in one place: forms, pages, the API and exports all use these.

A stored decimal keeps its scale (``Decimal("40.000000")``) and ``normalize()`` alone gives
exponent notation (``4E+1``); neither is how a person writes the figure they typed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import formats, numberformat


def as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def plain(value: Any) -> str:
    """``value`` in plain digits, without exponent or trailing zeros that mean nothing
    (``"1500000"``, ``"0.32"``); ``""`` for ``None``. Parsing it back gives the same number,
    so a form opened and saved unchanged changes nothing."""
    number = as_decimal(value)
    if number is None:
        return ""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def localized(value: Any, *, places: int | None = None) -> str:
    """``value`` for reading on a page, in the active language's separators and grouping
    (``1,500,000.5`` in English, ``1 500 000,5`` in French), never in exponent notation.
    ``places`` rounds for display only (statistics); figures people typed are shown whole."""
    number = as_decimal(value)
    if number is None:
        return ""
    if places is not None:
        number = round(number, places)
    return numberformat.format(
        Decimal(plain(number)),
        formats.get_format("DECIMAL_SEPARATOR"),
        grouping=formats.get_format("NUMBER_GROUPING") or 3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
