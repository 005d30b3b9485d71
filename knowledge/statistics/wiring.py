"""Start-up wiring of the statistics (called from ``KnowledgeConfig.ready``): the events that
make slices stale, the Celery tasks, and the health check's seams."""

from __future__ import annotations


def connect() -> None:
    from knowledge.statistics import (
        subscribers,
        tasks,  # noqa: F401 - registers the statistics tasks with Celery
    )
    from knowledge.statistics.services import statistics_as_of, statistics_failing_count
    from recpnet.health import register_statistics_as_of, register_statistics_failing

    subscribers.subscribe()
    register_statistics_as_of(statistics_as_of)
    register_statistics_failing(statistics_failing_count)
