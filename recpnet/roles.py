"""The acting user's roles, as a seam: ``recpnet`` is the shared base every app may import and
imports no app itself, while the roles (staff memberships, coordinator assignments) are the
``members`` app's. ``members`` registers its ``roles_for`` here when it is ready.

Roles are read once per request: :class:`RolesPerRequestMiddleware` opens a cache for the
request (a context variable, so threads and async tasks never share one), and the provider
keeps each actor's roles there through :func:`remember`. Outside a request (tests calling
services, Celery tasks, management commands) there is no cache, so a role granted or taken away
is seen by the very next check. Within a request, a write to the data roles are read from
(:func:`forget`, connected by the provider to those models' save and delete signals) empties it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse


class ActorRoles(Protocol):
    """What the rulebooks (``<app>/policies.py``, built on :mod:`recpnet.rulebook`) read of the
    actor's roles; ``members.selectors.Roles`` is the one implementation."""

    @property
    def authenticated(self) -> bool: ...

    @property
    def secretariat(self) -> bool: ...

    @property
    def user_id(self) -> int | None: ...

    @property
    def chapter_ids(self) -> frozenset[int]: ...

    # The actor's staff memberships (``members.models.Membership``, its ``member`` loaded).
    @property
    def memberships(self) -> tuple[Any, ...]: ...

    def member_ids(self, *, role: str | None = None) -> frozenset[int]: ...

    def members_in_chapter(self, chapter_id: int) -> tuple[Any, ...]: ...


_provider: Callable[..., Any] | None = None
_cache: ContextVar[dict[Any, Any] | None] = ContextVar("recpnet_roles_cache", default=None)


def register_roles_provider(
    provider: Callable[..., Any],
    *,
    sources: tuple[type[Any], ...] = (),
    role_rows: tuple[type[Any], ...] = (),
) -> None:
    """Set the provider (once, at start-up, by ``members.apps``). ``sources`` are the models
    roles are read from: saving or deleting one forgets the roles cached in this request.
    ``role_rows`` are those of them whose each row gives its ``user`` a role (a staff
    membership, a coordinator assignment): changing or removing one ends what its holder's
    API tokens were issued for (:mod:`recpnet.tokens`)."""
    global _provider
    _provider = provider
    for model in sources:
        post_save.connect(_forget_on_write, sender=model, dispatch_uid=f"roles-{model.__name__}-s")
        post_delete.connect(
            _forget_on_write, sender=model, dispatch_uid=f"roles-{model.__name__}-d"
        )
    for model in role_rows:
        uid = model.__name__
        pre_save.connect(_role_before, sender=model, dispatch_uid=f"roles-{uid}-before")
        post_save.connect(_role_after, sender=model, dispatch_uid=f"roles-{uid}-after")
        post_delete.connect(_role_removed, sender=model, dispatch_uid=f"roles-{uid}-gone")


def roles_for(*, actor: Any) -> ActorRoles:
    if _provider is None:
        raise RuntimeError("members.apps registers the roles provider; is 'members' installed?")
    roles: ActorRoles = _provider(actor=actor)
    return roles


def remember(actor: Any, load: Callable[[Any], Any]) -> Any:
    """``load(actor)``, kept for the rest of the request when there is one."""
    cache = _cache.get()
    key = getattr(actor, "pk", None)
    if cache is None or key is None or not getattr(actor, "is_authenticated", False):
        return load(actor)
    # The flag is part of the key: a user object changed in memory must not get old roles.
    key = (key, bool(getattr(actor, "is_secretariat", False)))
    if key not in cache:
        cache[key] = load(actor)
    return cache[key]


def forget() -> None:
    """Drop the roles cached in this request (a membership or an assignment changed)."""
    cache = _cache.get()
    if cache is not None:
        cache.clear()


def _forget_on_write(**kwargs: Any) -> None:
    forget()


def _role_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._role_before = (
        sender._default_manager.filter(pk=instance.pk).values().first() if instance.pk else None
    )


def _role_after(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from recpnet.tokens import role_changed

    before = getattr(instance, "_role_before", None)
    if created or not before:
        return
    now = {f.attname: getattr(instance, f.attname) for f in sender._meta.concrete_fields}
    if any(before.get(name) != value for name, value in now.items()):
        role_changed(user_id=before["user_id"], reason=f"{sender._meta.verbose_name} changed")


def _role_removed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from recpnet.tokens import role_changed

    role_changed(user_id=instance.user_id, reason=f"{sender._meta.verbose_name} removed")


@contextmanager
def roles_cache() -> Iterator[None]:
    """A cache of roles for the code inside (one request)."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


class RolesPerRequestMiddleware:
    """Each request reads the actor's roles once, however many checks it makes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with roles_cache():
            return self.get_response(request)
