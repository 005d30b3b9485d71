"""Start-up wiring of the evidence (called from ``KnowledgeConfig.ready``): the review emails,
the restatement of figures when the catalogue changes, the Celery tasks, the seam through which
``members`` counts approved evidence, and the one through which the catalogue lists the exchange
rates items wait for."""

from __future__ import annotations

from collections.abc import Iterable


class KnowledgeEvidence:
    """Counts of approved evidence for ``members`` (eligibility, lapsing, growth)."""

    def approved_report_years(self, member_ids: Iterable[int]) -> dict[int, set[int]]:
        from knowledge.evidence.selectors.reports import approved_report_years

        return approved_report_years(member_ids=list(member_ids))

    def approved_case_counts(self, member_ids: Iterable[int]) -> dict[int, int]:
        from knowledge.evidence.selectors.reports import approved_case_counts

        return approved_case_counts(member_ids=list(member_ids))


def connect() -> None:
    from knowledge.catalogue.events import ExchangeRateChanged, IndicatorUnitChanged
    from knowledge.catalogue.rate_demand import register_rates_waiting
    from knowledge.evidence import (
        review,
        tasks,  # noqa: F401 - registers the evidence's tasks with Celery
    )
    from knowledge.evidence.notifications import review_emails
    from knowledge.evidence.selectors.cases import missing_exchange_rates
    from knowledge.evidence.services import (  # noqa: F401 - register the reviewed types
        cases,
        reports,
    )
    from knowledge.evidence.services.restatement import restate_money, restate_unit
    from members.evidence import register_evidence_provider
    from recpnet import events

    review.on_transition(review_emails)
    register_evidence_provider(KnowledgeEvidence())
    register_rates_waiting(missing_exchange_rates)
    # Figures follow the catalogue, in the transaction of its change.
    events.subscribe(ExchangeRateChanged, restate_money)
    events.subscribe(IndicatorUnitChanged, restate_unit)
