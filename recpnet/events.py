"""Domain events: how a lower layer tells a higher one that something changed without importing
it (``members`` tells ``knowledge.statistics`` of a tier change, ``knowledge.evidence`` of an
approval, and so on).

:func:`publish` calls every handler subscribed to the event's type (or a base of it)
synchronously, *inside the caller's transaction*: what a handler records — the statistics'
dirty slices, say — commits or rolls back together with the change that caused it, so no
committed change can lose its consequence. A handler that has slow work to do schedules it with
``transaction.on_commit``. Handlers are subscribed once, at start-up, in ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")

_handlers: dict[type, list[Callable[[Any], object]]] = {}


def subscribe(event_type: type[E], handler: Callable[[E], object]) -> None:
    """Call ``handler(event)`` for every published ``event_type`` (subscribing twice is once)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type[E], handler: Callable[[E], object]) -> None:
    """Stop calling ``handler`` for ``event_type`` (a test's recording handler, once done)."""
    handlers = _handlers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def publish(event: object) -> None:
    """Deliver ``event`` to its handlers now, in the caller's transaction. A handler's error
    propagates, and so rolls back the change: a change whose consequence cannot be recorded
    is not made."""
    for event_type in type(event).__mro__:
        for handler in list(_handlers.get(event_type, ())):
            handler(event)
