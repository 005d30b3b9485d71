from django.apps import AppConfig


class RecpnetConfig(AppConfig):
    name = "recpnet"
    verbose_name = "RECPnet Portal"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from recpnet import (
            security,  # noqa: F401 - connects the authentication signal receivers
            tokens,
        )
        from recpnet.groups import sync_secretariat_group

        tokens.connect()
        post_migrate.connect(sync_secretariat_group, dispatch_uid="recpnet-secretariat-group")
