from django.apps import AppConfig


class RecpnetConfig(AppConfig):
    name = "recpnet"
    verbose_name = "RECPnet Portal"
