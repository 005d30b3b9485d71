"""Fixtures of the members tests: a controllable evidence provider behind the seam."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest

from members import evidence


@dataclass
class FakeEvidence:
    """Approved report years and case counts per member id, set by the test."""

    report_years: dict[int, set[int]] = field(default_factory=dict)
    case_counts: dict[int, int] = field(default_factory=dict)

    def approved_report_years(self, member_ids: Iterable[int]) -> dict[int, set[int]]:
        ids = set(member_ids)
        return {k: v for k, v in self.report_years.items() if k in ids}

    def approved_case_counts(self, member_ids: Iterable[int]) -> dict[int, int]:
        ids = set(member_ids)
        return {k: v for k, v in self.case_counts.items() if k in ids}


@pytest.fixture(autouse=True)
def fake_evidence() -> Iterator[FakeEvidence]:
    """Members tests don't depend on the evidence base: they set the counts they need."""
    previous = evidence.evidence_provider()
    fake = FakeEvidence()
    evidence.register_evidence_provider(fake)
    yield fake
    evidence.register_evidence_provider(previous)
