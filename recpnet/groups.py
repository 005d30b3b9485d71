"""The Django admin group of the secretariat's staff accounts, kept in step with the models.

Members of the group may view everything the portal keeps and change what its admin pages
save through the services (which still apply the rulebooks); accounts themselves are only
viewed (an account's flags make superusers), and the security log is read-only evidence.
"""

from __future__ import annotations

from typing import Any

SECRETARIAT_GROUP = "Secretariat"
_APPS = ("recpnet", "members", "chapters", "knowledge")
# (app label, model) → the actions the group may not take on it.
_WITHHELD = {
    ("recpnet", "user"): {"add", "change", "delete"},
    ("recpnet", "securityevent"): {"add", "change", "delete"},
    ("recpnet", "apitoken"): {"add", "change"},
}


def sync_secretariat_group(**kwargs: Any) -> None:
    """Create or update the group (connected to ``post_migrate``: permissions exist then)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    allowed = [
        permission
        for permission in Permission.objects.filter(
            content_type__app_label__in=_APPS
        ).select_related("content_type")
        if permission.codename.split("_", 1)[0]
        not in _WITHHELD.get(
            (permission.content_type.app_label, permission.content_type.model), set()
        )
    ]
    group.permissions.set(allowed)
