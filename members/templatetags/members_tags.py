"""Small template helpers of the membership pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """``{{ counts|get_item:value }}``: a dictionary value by a variable key (0 when absent)."""
    if not mapping:
        return 0
    return mapping.get(key, 0)
