"""The Django admin group of the secretariat's staff accounts, kept in step with the models.

Members of the group view everything the portal keeps. They write only where the admin goes
through the services, which apply the rulebooks (members, countries, coordinator assignments,
indicators, removing an exchange rate, revoking an API token); every other model's admin would
save rows directly, past the rules, so there the group only views. Accounts themselves are
only viewed (an account's flags make superusers), and the security log is read-only evidence.
"""

from __future__ import annotations

from typing import Any

SECRETARIAT_GROUP = "Secretariat"
_APPS = ("recpnet", "members", "chapters", "knowledge")
# (app label, model) → the writes the group may make there, through the model's admin, which
# calls the services. Anything not listed is view-only.
_WRITES: dict[tuple[str, str], set[str]] = {
    ("members", "member"): {"add", "change"},
    ("chapters", "country"): {"change"},
    ("chapters", "coordinator"): {"add", "delete"},
    ("knowledge", "indicator"): {"add", "change"},
    ("knowledge", "exchangerate"): {"delete"},
    ("recpnet", "apitoken"): {"delete"},
}


def sync_secretariat_group(**kwargs: Any) -> None:
    """Create or update the group (connected to ``post_migrate``: permissions exist then)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    allowed = []
    for permission in Permission.objects.filter(content_type__app_label__in=_APPS).select_related(
        "content_type"
    ):
        action = permission.codename.split("_", 1)[0]
        model = (permission.content_type.app_label, permission.content_type.model)
        if action == "view" or action in _WRITES.get(model, set()):
            allowed.append(permission)
    group.permissions.set(allowed)
