"""The acting user's roles, as a seam: ``recpnet`` is the shared base every app may import and
imports no app itself, while the roles (staff memberships, coordinator assignments) are the
``members`` app's. ``members`` registers its ``roles_for`` here when it is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_provider: Callable[..., Any] | None = None


def register_roles_provider(provider: Callable[..., Any]) -> None:
    global _provider  # set once, at start-up, by members.apps
    _provider = provider


def roles_for(*, actor: Any) -> Any:
    if _provider is None:
        raise RuntimeError("members.apps registers the roles provider; is 'members' installed?")
    return _provider(actor=actor)
