from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge and statistics"

    def ready(self) -> None:
        # Register review hooks (emails, statistics) and the seams that lower apps read:
        # members' evidence counts and the health check's statistics as-of time.
        from . import hooks_cases, hooks_reports

        hooks_cases.connect()
        hooks_reports.connect()
