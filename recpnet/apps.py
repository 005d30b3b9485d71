from django.apps import AppConfig


class RecpnetConfig(AppConfig):
    name = "recpnet"
    verbose_name = "RECPnet Portal"

    def ready(self) -> None:
        from recpnet import (
            security,  # noqa: F401 - connects the authentication signal receivers
            tokens,
        )

        tokens.connect()
