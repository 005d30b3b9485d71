"""Access is decided in one place per app: its rulebook (``<app>/policies.py``, built on
:mod:`recpnet.rulebook`), over the actor's roles (:mod:`recpnet.roles`, loaded by
``members.selectors``). This scan fails if a role check or a refusal appears anywhere else in
the apps' code or templates, unless it is one of the justified exceptions listed below."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("recpnet", "chapters", "members", "knowledge", "templates")

FORBIDDEN = {
    # The old helper (members.selectors.is_secretariat), or any like it.
    "is_secretariat()": re.compile(r"\bis_secretariat\s*\("),
    # Reading the user's secretariat flag: the roles loader's job (Roles.secretariat).
    "user.is_secretariat": re.compile(r"\.is_secretariat\b|getattr\([^)]*['\"]is_secretariat['\"]"),
    # Asking the roles whether the actor is the secretariat, instead of the rulebook.
    "roles.secretariat": re.compile(r"\.secretariat\b"),
    # Reading the actor's roles to decide something: the rulebooks do.
    "roles_for()": re.compile(r"\broles_for\s*\("),
    # Refusing: the rulebooks' require/authorize do.
    "raise PermissionDenied": re.compile(r"\braise\s+[\w.]*PermissionDenied\b"),
}


def _allowed_file(path: str) -> bool:
    return (
        path.endswith("/policies.py")
        or path in {"recpnet/rulebook.py", "recpnet/roles.py", "members/selectors.py"}
        or "/migrations/" in path
    )


# The justified exceptions: (file, check) → how many lines. Each is checked by hand; a new
# line in the same file, or one of these removed, fails the test until this list says so.
ALLOWED: dict[tuple[str, str], int] = {
    # Who must use two-factor authentication: the privileged roles (coordinators, the
    # secretariat). A requirement on the account, not access to an object.
    ("recpnet/mfa.py", "roles_for()"): 2,
    ("recpnet/mfa.py", "roles.secretariat"): 1,
    # The API refuses those who need two-factor authentication and have not used it: the
    # authentication classes (any endpoint, reads included) and the token endpoint's answer.
    ("recpnet/auth.py", "raise PermissionDenied"): 1,
    ("recpnet/api.py", "raise PermissionDenied"): 1,
    # recpnet.tokens: no token for a reviewer whose log-in gave no second factor (the same
    # requirement); and the secretariat flag is read to notice the role ending (tokens revoked).
    ("recpnet/tokens.py", "raise PermissionDenied"): 1,
    ("recpnet/tokens.py", "user.is_secretariat"): 1,
    # Navigation only: which links to show. Each linked page asks the rulebook itself.
    ("templates/includes/nav_roles.html", "roles.secretariat"): 5,
    ("templates/dashboard.html", "roles.secretariat"): 2,
    # members.services: (1) member_update refuses fields beyond the actor's row — which row
    # (member.edit or member.edit_identity) is the rulebook's answer, the field lists the
    # service's; (2, 3) invitation_accept: log in first, and only with the invited address
    # (an invitation is opened by its token: no role is involved, as the rulebook says).
    ("members/services.py", "raise PermissionDenied"): 3,
}


def _sources() -> list[tuple[str, str]]:
    """(path from the repository's root, text) of the apps' code and templates."""
    files: list[Path] = []
    for app in APPS:
        files += (ROOT / app).rglob("*.py")
        files += (ROOT / app).rglob("*.html")
    return [(f.relative_to(ROOT).as_posix(), f.read_text(encoding="utf-8")) for f in sorted(files)]


def scan(sources: list[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """The forbidden lines outside the rulebooks, by (file, check)."""
    hits: Counter[tuple[str, str]] = Counter()
    for path, text in sources:
        if _allowed_file(path):
            continue
        for line in text.splitlines():
            for name, pattern in FORBIDDEN.items():
                if pattern.search(line):
                    hits[(path, name)] += 1
    return hits


def test_access_is_decided_only_by_the_rulebooks() -> None:
    hits = scan(_sources())
    unexpected = {key: n for key, n in hits.items() if ALLOWED.get(key) != n}
    stale = {key: n for key, n in ALLOWED.items() if key not in hits}
    assert not unexpected, f"role checks or refusals outside the rulebooks: {unexpected}"
    assert not stale, f"allowed exceptions no longer found (remove them from ALLOWED): {stale}"


def test_the_scan_sees_a_role_check() -> None:
    """The scan itself: a view deciding by the role itself is caught; the same line in a
    rulebook is not."""
    view = (
        "def view(request):\n"
        "    if not roles_for(actor=request.user).secretariat:\n"
        "        raise PermissionDenied('no')\n"
        "    if request.user.is_secretariat or is_secretariat(request.user):\n"
        "        pass\n"
    )
    assert scan([("members/views.py", view), ("members/policies.py", view)]) == Counter(
        {
            ("members/views.py", "roles.secretariat"): 1,
            ("members/views.py", "roles_for()"): 1,
            ("members/views.py", "raise PermissionDenied"): 1,
            ("members/views.py", "user.is_secretariat"): 1,
            ("members/views.py", "is_secretariat()"): 1,
        }
    )
