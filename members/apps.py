from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from chapters.models import Coordinator
        from recpnet.roles import register_roles_provider

        from .models import Membership
        from .selectors import roles_for

        # Roles are read from these; a write to one forgets the roles read in this request.
        register_roles_provider(
            roles_for,
            sources=(Membership, Coordinator, get_user_model()),
            role_rows=(Membership, Coordinator),
        )
