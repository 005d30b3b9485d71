"""``{% load numbers %}``: ``{{ value|plain }}`` for form inputs and ``{{ value|figure }}`` /
``{{ value|figure:2 }}`` for reading (see :mod:`recpnet.numbers`)."""

from __future__ import annotations

from typing import Any

from django import template

from recpnet import numbers

register = template.Library()


@register.filter
def plain(value: Any) -> str:
    return numbers.plain(value)


@register.filter
def figure(value: Any, places: Any = None) -> str:
    return numbers.localized(value, places=None if places in (None, "") else int(places))
