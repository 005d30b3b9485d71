from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from recpnet.roles import register_roles_provider

        from .selectors import roles_for

        register_roles_provider(roles_for)
