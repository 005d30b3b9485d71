"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from recpnet.mfa import request_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The acting user's roles, computed lazily so pages that don't show them pay nothing."""
    return {"roles": SimpleLazyObject(lambda: request_roles(request))}
