from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge and statistics"

    def ready(self) -> None:
        # Each layer wires itself: the evidence's review emails, tasks and the members'
        # evidence seam; the statistics' event subscribers, tasks and health seams.
        from knowledge.evidence import wiring as evidence
        from knowledge.statistics import wiring as statistics

        evidence.connect()
        statistics.connect()
