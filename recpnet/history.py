"""Change history (django-simple-history) for writes that its save signals do not see.

A conditional ``QuerySet.update()`` (the review workflow, optimistic edits, lapsing) is what
makes concurrent writers safe, but it sends no signal, so the change is recorded here, with
the actor, once the UPDATE has succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from simple_history.utils import get_history_manager_for_model


@contextmanager
def history_user(actor: Any, *instances: models.Model) -> Iterator[None]:
    """Attribute the history rows written while saving or deleting ``instances`` to ``actor``
    (also outside a request, e.g. in a Celery task). The marker is removed afterwards so a
    later write of the same instance by someone else is not misattributed. With no actor the
    request's user (if any) is used, as usual."""
    if actor is None:
        yield
        return
    for instance in instances:
        instance._history_user = actor  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for instance in instances:
            instance.__dict__.pop("_history_user", None)


def record_change(instance: models.Model, *, actor: Any) -> None:
    """Record ``instance`` (reloaded after the UPDATE) as changed by ``actor``."""
    manager = get_history_manager_for_model(type(instance))
    with history_user(actor, instance):
        manager.bulk_history_create([instance], update=True)
