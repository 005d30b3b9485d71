"""The seam to the evidence base (``knowledge``): counts of approved items per member.

``members`` sits below ``knowledge`` and must not import it. Eligibility, lapsing and the
"active contributors" growth figure need counts of *approved* annual reports and cases, so
``knowledge`` registers a provider in its ``AppConfig.ready()``::

    from members.evidence import register_evidence_provider
    register_evidence_provider(KnowledgeEvidence())

Until then (and in tests that don't register one) the harmless default counts nothing.
Every method takes many member ids at once so callers stay constant in queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class EvidenceProvider(Protocol):
    def approved_report_years(self, member_ids: Iterable[int]) -> dict[int, set[int]]:
        """For each member id, the reporting years that have an approved annual report."""
        ...

    def approved_case_counts(self, member_ids: Iterable[int]) -> dict[int, int]:
        """For each member id, the number of approved cases it owns."""
        ...


class NoEvidence:
    """The default provider: no approved evidence exists yet."""

    def approved_report_years(self, member_ids: Iterable[int]) -> dict[int, set[int]]:
        return {}

    def approved_case_counts(self, member_ids: Iterable[int]) -> dict[int, int]:
        return {}


_provider: EvidenceProvider = NoEvidence()


def register_evidence_provider(provider: EvidenceProvider) -> None:
    global _provider
    _provider = provider


def reset_evidence_provider() -> None:
    """Back to the default (tests)."""
    register_evidence_provider(NoEvidence())


def evidence_provider() -> EvidenceProvider:
    return _provider


def approved_report_years(member_ids: Iterable[int]) -> dict[int, set[int]]:
    ids = list(member_ids)
    if not ids:
        return {}
    return _provider.approved_report_years(ids)


def approved_case_counts(member_ids: Iterable[int]) -> dict[int, int]:
    ids = list(member_ids)
    if not ids:
        return {}
    return _provider.approved_case_counts(ids)
