"""What every app's rulebook (``<app>/policies.py``) is built from: rules over the actor's roles,
and the table that maps (object type, action) to a rule.

A rule has two readings of one condition:

- ``q(roles)``: a ``Q`` over the object's model, or ``True``/``False`` for all or none — for
  lists, search, exports and API lists (:meth:`Rulebook.filter_allowed`, :meth:`Rulebook.get`);
- ``test(roles, obj)``: the answer for one object in memory — for detail pages and actions
  (:meth:`Rulebook.allows`, :meth:`Rulebook.require`, :meth:`Rulebook.authorize`).

Both come from the same few clauses (the secretariat, staff of the object's member, coordinator
of its chapter, the actor named on it, a field's value), combined with ``|``, ``&`` and ``~``,
so the list and the detail page cannot drift apart; the apps' tests check that the two readings
agree for every role and object. The clauses read ids from the roles (read once per request,
:mod:`recpnet.roles`), so a filter adds no join and a check no query.

Refusals: an actor who may not see an object gets 404, one who sees it but may not act 403
(an entry's ``seen_via`` names the action that decides whether the actor sees the object).

Each app's ``policies.py`` builds its table into a :class:`Rulebook` and exposes its verbs in
one line, the same in every app (callers write ``policies.allows(actor, "case", "edit", obj)``)::

    rulebook = Rulebook(RULES, roles_for=roles_for)
    filter_allowed, get, allows, require, authorize = rulebook.verbs()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from recpnet.roles import ActorRoles

M = TypeVar("M", bound=Model)
Verdict = Q | bool  # True: every row; False: none


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


class Rule:
    """A condition on the actor's roles and, for object rules, on the object."""

    def q(self, roles: ActorRoles) -> Verdict:
        raise NotImplementedError

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        raise NotImplementedError

    def __or__(self, other: Rule) -> Rule:
        return AnyOf(self, other)

    def __and__(self, other: Rule) -> Rule:
        return AllOf(self, other)

    def __invert__(self) -> Rule:
        return Not(self)


class AnyOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        flat: list[Rule] = []
        for rule in rules:
            flat.extend(rule.rules if isinstance(rule, AnyOf) else (rule,))
        self.rules: tuple[Rule, ...] = tuple(flat)

    def q(self, roles: ActorRoles) -> Verdict:
        found: Q | None = None
        for rule in self.rules:
            verdict = rule.q(roles)
            if verdict is True:
                return True
            if verdict is not False:
                found = verdict if found is None else found | verdict
        return False if found is None else found

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return any(rule.test(roles, obj) for rule in self.rules)

    def __str__(self) -> str:
        return " | ".join(str(r) for r in self.rules)


class AllOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        flat: list[Rule] = []
        for rule in rules:
            flat.extend(rule.rules if isinstance(rule, AllOf) else (rule,))
        self.rules: tuple[Rule, ...] = tuple(flat)

    def q(self, roles: ActorRoles) -> Verdict:
        found: Q | None = None
        for rule in self.rules:
            verdict = rule.q(roles)
            if verdict is False:
                return False
            if verdict is not True:
                found = verdict if found is None else found & verdict
        return True if found is None else found

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return all(rule.test(roles, obj) for rule in self.rules)

    def __str__(self) -> str:
        return " & ".join(f"({r})" if isinstance(r, AnyOf) else str(r) for r in self.rules)


class Not(Rule):
    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def q(self, roles: ActorRoles) -> Verdict:
        verdict = self.rule.q(roles)
        if isinstance(verdict, bool):
            return not verdict
        return ~verdict

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return not self.rule.test(roles, obj)

    def __str__(self) -> str:
        return f"not {self.rule}"


class ActorRule(Rule):
    """A rule about the actor alone (the same answer for every object)."""

    def holds(self, roles: ActorRoles) -> bool:
        raise NotImplementedError

    def q(self, roles: ActorRoles) -> Verdict:
        return self.holds(roles)

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return self.holds(roles)


class Anyone(ActorRule):
    def holds(self, roles: ActorRoles) -> bool:
        return True

    def __str__(self) -> str:
        return "anyone"


class Authenticated(ActorRule):
    def holds(self, roles: ActorRoles) -> bool:
        return roles.authenticated

    def __str__(self) -> str:
        return "logged in"


class Secretariat(ActorRule):
    """The network secretariat: the one secretariat check every rulebook uses."""

    def holds(self, roles: ActorRoles) -> bool:
        return roles.secretariat

    def __str__(self) -> str:
        return "secretariat"


SECRETARIAT = Secretariat()


class CoordinatorOfAny(ActorRule):
    def holds(self, roles: ActorRoles) -> bool:
        return bool(roles.chapter_ids)

    def __str__(self) -> str:
        return "coordinator of a chapter"


def _in(path: str, ids: Iterable[Any]) -> Verdict:
    values = sorted(ids)
    return Q(**{f"{path}__in": values}) if values else False


@dataclass(frozen=True)
class StaffOf(Rule):
    """The actor is staff (or, with ``role``, has that role) of the member at ``member``: the
    path from the object to the member's id ("pk" on a member, "member_id" on its items)."""

    member: str
    role: str | None = None

    def q(self, roles: ActorRoles) -> Verdict:
        return _in(self.member, roles.member_ids(role=self.role))

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return _value(obj, self.member) in roles.member_ids(role=self.role)

    def __str__(self) -> str:
        return f"{self.role or 'staff'} of {self.member}"


@dataclass(frozen=True)
class CoordinatorOf(Rule):
    """The actor coordinates the chapter at ``chapter`` (the path to the chapter's id)."""

    chapter: str

    def q(self, roles: ActorRoles) -> Verdict:
        return _in(self.chapter, roles.chapter_ids)

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return _value(obj, self.chapter) in roles.chapter_ids

    def __str__(self) -> str:
        return f"coordinator of {self.chapter}"


@dataclass(frozen=True)
class ActorIs(Rule):
    """The actor is the user at ``user`` (e.g. "applicant_id")."""

    user: str

    def q(self, roles: ActorRoles) -> Verdict:
        return Q(**{self.user: roles.user_id}) if roles.user_id is not None else False

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return roles.user_id is not None and _value(obj, self.user) == roles.user_id

    def __str__(self) -> str:
        return f"actor is {self.user}"


class FieldIn(Rule):
    """The object's ``path`` has one of ``values`` (a state, not a role)."""

    def __init__(self, path: str, *values: Any) -> None:
        self.path, self.values = path, tuple(values)

    def q(self, roles: ActorRoles) -> Verdict:
        return Q(**{f"{self.path}__in": self.values})

    def test(self, roles: ActorRoles, obj: Any) -> bool:
        return _value(obj, self.path) in self.values

    def __str__(self) -> str:
        return f"{self.path} in {', '.join(map(str, self.values))}"


@dataclass(frozen=True)
class Entry:
    """One row of a rulebook.

    ``seen_via``: the action (of the same object type) that decides whether an actor refused
    this one sees the object at all — 403 if so, else 404. None for the view actions
    themselves: refused, the object is hidden (404). Actions on no object (create, the
    secretariat's lists) are refused with 403.
    """

    rule: Rule
    seen_via: str | None = None
    refusal: str | Promise = ""


class _RolesOnDemand:
    """The actor's roles, read only if a rule asks (a public object's rule never does)."""

    def __init__(self, load: Callable[[], ActorRoles]) -> None:
        self._load = load
        self._roles: ActorRoles | None = None

    def __getattr__(self, name: str) -> Any:
        if self._roles is None:
            self._roles = self._load()
        return getattr(self._roles, name)


# The types of a rulebook's verbs (bound methods of :class:`Rulebook`), as its app exposes them.
class _FilterAllowed(Protocol):
    def __call__(
        self, queryset: QuerySet[M], actor: Any, kind: str, action: str
    ) -> QuerySet[M]: ...


class _Get(Protocol):
    def __call__(
        self, queryset: QuerySet[M], actor: Any, kind: str, action: str, **lookup: Any
    ) -> M: ...


class _Allows(Protocol):
    def __call__(self, actor: Any, kind: str, action: str, obj: Any = None) -> bool: ...


class _Check(Protocol):
    def __call__(self, actor: Any, kind: str, action: str, obj: Any = None) -> None: ...


class Verbs(NamedTuple):
    """What an app's ``policies.py`` exposes of its rulebook (:meth:`Rulebook.verbs`)."""

    filter_allowed: _FilterAllowed
    get: _Get
    allows: _Allows
    require: _Check
    authorize: _Check


# A refusal more specific than the entry's, e.g. a conflict of interest: (roles, action, obj)
# → the message, or None for the entry's own.
Explain = Callable[[ActorRoles, str, Any], str | None]


class Rulebook:
    """An app's table of (object type, action) → :class:`Entry`, and the four questions asked
    of it: which rows (:meth:`filter_allowed`, :meth:`get`), may the actor (:meth:`allows`), and
    the refusals of pages and API (:meth:`require`: 404 or 403) and of services
    (:meth:`authorize`: 403; the caller has already fetched the object through a selector).

    ``explain``, if given, may name a 403 more precisely than the entry's ``refusal``."""

    def __init__(
        self,
        table: Mapping[tuple[str, str], Entry],
        *,
        roles_for: Callable[..., ActorRoles],
        explain: Explain | None = None,
    ) -> None:
        for (kind, action), entry in table.items():
            if entry.seen_via is not None and (kind, entry.seen_via) not in table:
                raise ValueError(f"{kind}.{action}: no rule for {kind}.{entry.seen_via}")
        self.table = dict(table)
        self._roles_for = roles_for
        self._explain = explain

    def verbs(self) -> Verbs:
        """The five questions, for the app's ``policies`` module to expose as its own."""
        return Verbs(self.filter_allowed, self.get, self.allows, self.require, self.authorize)

    def entry(self, kind: str, action: str) -> Entry:
        try:
            return self.table[(kind, action)]
        except KeyError:
            raise LookupError(f"the rulebook has no rule for {kind}.{action}") from None

    def roles(self, actor: Any) -> ActorRoles:
        roles: Any = _RolesOnDemand(lambda: self._roles_for(actor=actor))
        return cast(ActorRoles, roles)

    def filter_allowed(
        self, queryset: QuerySet[M], actor: Any, kind: str, action: str
    ) -> QuerySet[M]:
        """The rows of ``queryset`` the actor may ``action``."""
        verdict = self.entry(kind, action).rule.q(self.roles(actor))
        if verdict is True:
            return queryset
        if verdict is False:
            return queryset.none()
        return queryset.filter(verdict)

    def get(self, queryset: QuerySet[M], actor: Any, kind: str, action: str, **lookup: Any) -> M:
        """The one row matching ``lookup`` that the actor may ``action``, else 404 (missing
        and not yours alike)."""
        return get_object_or_404(self.filter_allowed(queryset, actor, kind, action), **lookup)

    def allows(self, actor: Any, kind: str, action: str, obj: Any = None) -> bool:
        return self.entry(kind, action).rule.test(self.roles(actor), obj)

    def require(self, actor: Any, kind: str, action: str, obj: Any = None) -> None:
        """Pages and API: pass, or 404 for an object the actor may not see, or 403."""
        entry = self.entry(kind, action)
        roles = self.roles(actor)
        if entry.rule.test(roles, obj):
            return
        if obj is not None and (
            entry.seen_via is None or not self.entry(kind, entry.seen_via).rule.test(roles, obj)
        ):
            raise Http404
        raise self._refused(entry, roles, action, obj)

    def authorize(self, actor: Any, kind: str, action: str, obj: Any = None) -> None:
        """Services: pass, or 403 (the object reached the service through a selector)."""
        entry = self.entry(kind, action)
        roles = self.roles(actor)
        if not entry.rule.test(roles, obj):
            raise self._refused(entry, roles, action, obj)

    def _refused(self, entry: Entry, roles: ActorRoles, action: str, obj: Any) -> PermissionDenied:
        message = self._explain(roles, action, obj) if self._explain is not None else None
        return PermissionDenied(message or entry.refusal or _("You may not do this."))

    def describe(self) -> list[tuple[str, str, str, str]]:
        """The table as text rows (object type, action, rule, seen via), for docs and tests."""
        return [
            (kind, action, str(entry.rule), entry.seen_via or "")
            for (kind, action), entry in self.table.items()
        ]
