"""The statistics are a pure function of the source: a stateful property test.

A hypothesis state machine drives the real services with no mock: annual reports and cases are
created and submitted by their member's staff (small figures within the input bounds, money
sometimes in euros), approved or returned by a coordinator of the member's chapter who is not
its staff (or the secretariat standing in), reopened by the secretariat; tiers change with a
date in some year, members move to another country, countries to another chapter, and the
secretariat sets or changes the euro's rate of a year. After every step, once the step's
on-commit callbacks have run (the recompute task, eager here):

(b) no slice is stale or failing;
(a) the nightly rebuild changes no row: the incremental path stored what a full rebuild does;
(c) recomputing every slice again changes no row either (and, once per example, recomputing
    each slice alone);
(d) each approved report of year Y counts under the tier its member held on 31 December of Y
    (from the dated tier history), and under its country and that country's chapter now; each
    approved case likewise (with its own country and its sector): the ``n_items`` of the rows
    equal counts made from the source (``property_helpers.expected_item_counts``);
(e) money totals are the approved amounts converted at the current rates (a rate change
    restates its year: ``knowledge.catalogue.events.ExchangeRateChanged``).

Each example starts from the same database: on SQLite and PostgreSQL it runs in a savepoint
that is rolled back, each step's on-commit callbacks run as they would at its commit
(``captureOnCommitCallbacks``). On PostgreSQL a second machine commits every step for real and
also has three threads recompute every slice at once (two slice recomputes and a rebuild), which
must leave every row as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chapters import services as chapter_services
from knowledge.catalogue import services as catalogue_services
from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, Case, ExchangeRate, ReviewStatus
from knowledge.statistics import services as stat_services
from members import services as member_services
from members.models import Tier
from recpnet.exceptions import ConflictError
from tests.knowledge.stats import property_helpers as h
from tests.knowledge.stats.conftest import committing

pytestmark = pytest.mark.usefixtures("eager_tasks")

YEARS = (2012, 2013, 2014)
COUNTRIES = ("KE", "CO", "EG", "IN")
# Tier changes take effect on the first and last day of a year and in between, so that the
# 31 December boundary is crossed both ways.
EFFECTIVE = tuple(
    dt.date(year, month, day)
    for year in (2013, 2012, 2014, 2011, 2015)
    for month, day in ((12, 31), (1, 1), (7, 1))
)
# The euro's rate of 2012 and 2013 exists from the start; 2014 has none until a step sets it
# (so money in euros of 2014 waits in a draft, as the services allow).
INITIAL_RATES = {2012: Decimal("1.2848"), 2013: Decimal("1.3281")}
RATES = tuple(Decimal(r) for r in ("1.3285", "1.1", "0.75", "1.2848"))

PICK = st.integers(min_value=0, max_value=7)  # an index into the eligible items or reviewers
MEMBER = st.integers(min_value=0, max_value=len(h.MEMBERS) - 1)
CURRENCY = st.sampled_from(("EUR", "USD"))
# Reports are far larger than the cases, and always give money: a report's totals may not be
# below its member's approved cases of the year, so that submission rarely fails for that.
REPORT_MONEY = st.tuples(CURRENCY, st.integers(100_000, 200_000), st.integers(50_000, 90_000))
CASE_MONEY = st.tuples(CURRENCY, st.integers(100, 5_000), st.integers(10, 2_000)) | st.none()
SECTORS = st.sampled_from(("C10", "I55", "C20", "A01"))
REPORT: dict[str, st.SearchStrategy[Any]] = {
    "member": MEMBER,
    "year": st.sampled_from(YEARS),
    "enterprises": st.integers(50, 90),
    "energy": st.integers(1_000, 2_000),
    "money": REPORT_MONEY,
}
CASE: dict[str, st.SearchStrategy[Any]] = {
    "member": MEMBER,
    "year": st.sampled_from(YEARS),
    "sector": SECTORS,
    "enterprises": st.integers(1, 3),
    "energy": st.integers(1, 50),
    "money": CASE_MONEY,
    "with_figures": st.booleans(),
}

Counts = dict[tuple[str, int, str], int]
REACHED: Counter[str] = Counter()  # how often the steps that move approved figures ran
MOVES = (
    "a tier change moved approved figures",
    "a member's move moved approved reports",
    "a country's move moved approved items",
    "a rate change revalued approved euros",
)

PROPERTY = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    database=None,  # nothing written into the checkout; a failure prints its own story
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class StatisticsMachine(RuleBasedStateMachine):
    """Domain operations through the services; after each, the statistics must equal what the
    source says (see the module docstring)."""

    committed: ClassVar[bool] = False  # True: every step commits (PostgreSQL, transaction=True)

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, int]] = []  # ("report" | "case", pk), in creation order
        self.story: list[str] = []
        self.broken = False  # a step or an invariant failed: teardown checks nothing more
        self._savepoint: Any = None
        if not self.committed:
            self._savepoint = transaction.atomic()
            self._savepoint.__enter__()
        try:
            with self._commits():
                self.world = h.build_world(countries=COUNTRIES)
                for year, rate in INITIAL_RATES.items():
                    self._save_rate(year, rate)
        except BaseException:
            self._rollback()
            raise

    def teardown(self) -> None:
        try:
            if not self.broken:
                # Once per example (each slice alone costs a recompute per slice): the path of a
                # worker handed one slice gives the rows of everything at once.
                self.check_each_slice_alone()
        finally:
            if self.committed:
                h.erase_world(self.world)
            else:
                self._rollback()

    def _rollback(self) -> None:
        if self._savepoint is not None:
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)
            self._savepoint = None

    # --- plumbing ---------------------------------------------------------------------------

    def _commits(self) -> contextlib.AbstractContextManager[Any]:
        """What a commit does: nothing to add when steps really commit; in a savepoint, run the
        on-commit callbacks (and those they register) at the end of the step."""
        return contextlib.nullcontext() if self.committed else committing()

    @contextlib.contextmanager
    def _step(self, text: str) -> Iterator[None]:
        self.story.append(text)
        note(text)
        try:
            with self._commits():
                yield
        except BaseException:
            self.broken = True  # the step's own error is the one to report
            raise

    def _outcome(self, text: str) -> None:
        self.story[-1] += f" → {text}"
        note(f"  → {text}")

    @staticmethod
    def _reached(label: str) -> None:
        """Count a step the property is about: an approval, or a change that moved approved
        figures (each test checks that they happened, so that it cannot pass vacuously)."""
        REACHED[label] += 1

    def _save_rate(self, year: int, rate: Decimal) -> None:
        catalogue_services.exchange_rate_save(
            actor=self.world.secretariat,
            currency="EUR",
            year=year,
            usd_per_unit=rate,
            source=h.RATE_SOURCE,
            confirm=True,
        )

    def _item(self, kind: str, pk: int) -> Any:
        model = AnnualReport if kind == "report" else Case
        return model.objects.select_related("member__country__chapter").get(pk=pk)

    def _label(self, item: Any) -> str:
        kind = "report" if isinstance(item, AnnualReport) else "case"
        return f"{kind} #{item.pk} ({item.member.slug} {item.year})"

    def _eligible(self, *statuses: str) -> list[tuple[str, int]]:
        status: dict[tuple[str, int], str] = {}
        for kind, model in (("report", AnnualReport), ("case", Case)):
            pks = [pk for k, pk in self.items if k == kind]
            if pks:
                for pk, s in model.objects.filter(pk__in=pks).values_list("pk", "status"):
                    status[(kind, pk)] = s
        return [key for key in self.items if status.get(key) in statuses]

    def _pick(self, pick: int, *statuses: str) -> Any:
        eligible = self._eligible(*statuses)
        return self._item(*eligible[pick % len(eligible)])

    def _submit(self, item: Any, *, then_approve: bool = False) -> None:
        staff = self.world.staff[item.member_id]
        try:
            if isinstance(item, AnnualReport):
                item = report_services.report_submit(report=item, actor=staff)
            else:
                item = case_services.case_submit(actor=staff, case=item)
        except ValidationError as exc:
            # A missing rate (or totals below the approved cases) blocks submission, as it
            # should: the item waits where it was.
            self._outcome(f"not submitted: {'; '.join(exc.messages)[:120]}")
            return
        self._outcome("submitted")
        if then_approve:
            self._approve(item, reviewer=0)

    def _reviewer(self, item: Any, pick: int) -> Any:
        reviewers = self.world.reviewers(item.member)
        return reviewers[pick % len(reviewers)]

    def _approve(self, item: Any, *, reviewer: int) -> None:
        actor = self._reviewer(item, reviewer)
        if isinstance(item, AnnualReport):
            report_services.report_approve(report=item, actor=actor)
        else:
            case_services.case_approve(actor=actor, case=item)
        self._outcome(f"approved by {self.world.names[actor.pk]}")
        self._reached(f"a {'report' if isinstance(item, AnnualReport) else 'case'} approved")

    # --- rules: the evidence ----------------------------------------------------------------

    @initialize(**REPORT)
    def first_report(self, **report: Any) -> None:
        """Every example starts with an approved report and case, so that the first tier
        change, move or rate change already has figures to move."""
        self.create_report(**report, then_approve=True)

    @initialize(**CASE)
    def first_case(self, **case: Any) -> None:
        self.create_case(**case, then_approve=True)

    @rule(**REPORT, then_approve=st.booleans())
    def create_report(
        self,
        member: int,
        year: int,
        enterprises: int,
        energy: int,
        money: tuple[str, int, int],
        then_approve: bool,
    ) -> None:
        m = self.world.member(member)
        if AnnualReport.objects.filter(member=m, year=year).exists():
            return  # one report per member and year
        currency, investment, savings = money
        impacts = [
            {"indicator": "energy_saved", "value": str(energy), "unit": "MWh"},
            {"indicator": "investment", "value": str(investment), "unit": currency},
            {"indicator": "annual_savings", "value": str(savings), "unit": currency},
        ]
        text = f"report {m.slug} {year}: {enterprises} enterprises, {energy} MWh, "
        with self._step(f"create {text}{investment}/{savings} {currency}"):
            report = report_services.report_create(
                member=m,
                year=year,
                actor=self.world.staff[m.pk],
                activity={
                    "enterprises_assisted": enterprises,
                    "options_identified": 300,
                    "options_implemented": 120,
                },
                impacts=impacts,
            )
            self.items.append(("report", report.pk))
            self._outcome(f"#{report.pk}")
            self._submit(report, then_approve=then_approve)

    @rule(**CASE, then_approve=st.booleans())
    def create_case(
        self,
        member: int,
        year: int,
        sector: str,
        enterprises: int,
        energy: int,
        money: Any,
        with_figures: bool,
        then_approve: bool,
    ) -> None:
        m = self.world.member(member)
        fields: dict[str, Any] = {
            "title": "Boiler tuning",
            "enterprise_name": "ACME",
            "country": m.country_id,
            "sector": sector,
            "enterprise_size": "small",
            "year": year,
            "themes": ["energy_efficiency"],
            "methodology": "cp_assessment",
            "summary": "Tuned the boiler.",
            "enterprises": enterprises,
            "options_identified": 4,
            "options_implemented": 2,
        }
        if money is not None:
            currency, investment, savings = money
            fields.update(
                investment_amount=str(investment),
                investment_currency=currency,
                annual_savings_amount=str(savings),
                annual_savings_currency=currency,
            )
        figures = []
        if with_figures:
            fields.update(output_unit="t", output_before="100", output_after="110")
            figures = [{"kind": "energy", "unit": "MWh", "before": "100", "after": "90"}]
        text = f"case {m.slug} {m.country_id} {year} {sector}: {energy} MWh"
        if money is not None:
            text += f", {money[1]}/{money[2]} {money[0]}"
        with self._step(f"create {text}"):
            case = case_services.case_create(
                actor=self.world.staff[m.pk],
                member=m,
                fields=fields,
                impacts=[{"indicator": "energy_saved", "value": str(energy), "unit": "MWh"}],
                figures=figures,
            )
            self.items.append(("case", case.pk))
            self._outcome(f"#{case.pk}")
            self._submit(case, then_approve=then_approve)

    @precondition(lambda self: self._eligible(ReviewStatus.DRAFT, ReviewStatus.RETURNED))
    @rule(pick=PICK)
    def submit(self, pick: int) -> None:
        item = self._pick(pick, ReviewStatus.DRAFT, ReviewStatus.RETURNED)
        with self._step(f"submit {self._label(item)} again"):
            self._submit(item)

    @precondition(lambda self: self._eligible(ReviewStatus.SUBMITTED))
    @rule(pick=PICK, reviewer=PICK)
    def approve(self, pick: int, reviewer: int) -> None:
        item = self._pick(pick, ReviewStatus.SUBMITTED)
        with self._step(f"approve {self._label(item)}"):
            self._approve(item, reviewer=reviewer)

    @precondition(lambda self: self._eligible(ReviewStatus.SUBMITTED))
    @rule(pick=PICK, reviewer=PICK)
    def return_(self, pick: int, reviewer: int) -> None:
        item = self._pick(pick, ReviewStatus.SUBMITTED)
        actor = self._reviewer(item, reviewer)
        comment = "Check the energy figure."
        with self._step(f"return {self._label(item)} by {self.world.names[actor.pk]}"):
            if isinstance(item, AnnualReport):
                report_services.report_return(report=item, actor=actor, comment=comment)
            else:
                case_services.case_return(actor=actor, case=item, comment=comment)

    @precondition(lambda self: self._eligible(ReviewStatus.APPROVED))
    @rule(pick=PICK)
    def reopen(self, pick: int) -> None:
        item = self._pick(pick, ReviewStatus.APPROVED)
        actor, comment = self.world.secretariat, "Reopened: the baseline is wrong."
        with self._step(f"reopen {self._label(item)} by the secretariat"):
            if isinstance(item, AnnualReport):
                report_services.report_reopen(report=item, actor=actor, comment=comment)
            else:
                case_services.case_reopen(actor=actor, case=item, comment=comment)

    # --- rules: what the statistics are broken down by --------------------------------------
    # ``member`` counts members with approved figures first and ``year`` the years with money
    # in euros first, so that most of these steps have figures to move (the story says which
    # member or year it was).

    def _member_first_approved(self, index: int) -> Any:
        approved = set(
            AnnualReport.objects.filter(status=ReviewStatus.APPROVED).values_list(
                "member_id", flat=True
            )
        ) | set(
            Case.objects.filter(status=ReviewStatus.APPROVED).values_list("member_id", flat=True)
        )
        order = sorted(
            range(len(self.world.members)), key=lambda i: self.world.members[i] not in approved
        )
        return self.world.member(order[index])

    def _dated_tiers(self, member: Any) -> dict[tuple[str, int], str]:
        """The tier each approved item of ``member`` counts under, from the history."""
        approved = {"member": member, "status": ReviewStatus.APPROVED}
        years = [
            *(
                (("report", pk), y)
                for pk, y in AnnualReport.objects.filter(**approved).values_list("pk", "year")
            ),
            *(
                (("case", pk), y)
                for pk, y in Case.objects.filter(**approved).values_list("pk", "year")
            ),
        ]
        return {key: h.tier_on(member.pk, dt.date(year, 12, 31)) for key, year in years}

    @rule(member=MEMBER, tier=st.sampled_from(Tier.values), effective_on=st.sampled_from(EFFECTIVE))
    def change_tier(self, member: int, tier: str, effective_on: dt.date) -> None:
        m = self._member_first_approved(member)
        before = self._dated_tiers(m)
        with self._step(f"tier of {m.slug} → {tier} from {effective_on}"):
            try:
                member_services.member_change_tier(
                    actor=self.world.secretariat,
                    member=m,
                    tier=tier,
                    effective_on=effective_on,
                    reason="Property test",
                )
            except ConflictError:
                self._outcome("refused: already that tier")
        if self._dated_tiers(m) != before:
            self._reached("a tier change moved approved figures")

    @rule(member=MEMBER, country=st.sampled_from(COUNTRIES))
    def move_member(self, member: int, country: str) -> None:
        m = self._member_first_approved(member)
        if (
            country != m.country_id
            and AnnualReport.objects.filter(member=m, status=ReviewStatus.APPROVED).exists()
        ):
            self._reached("a member's move moved approved reports")
        with self._step(f"move {m.slug} from {m.country_id} to {country}"):
            member_services.member_update(actor=self.world.secretariat, member=m, country=country)

    @rule(country=st.sampled_from(COUNTRIES), chapter=st.sampled_from(h.CHAPTER_SLUGS))
    def move_country(self, country: str, chapter: str) -> None:
        approved = Q(status=ReviewStatus.APPROVED)
        if not h.chapter(chapter).countries.filter(code=country).exists() and (
            AnnualReport.objects.filter(approved, member__country_id=country).exists()
            or Case.objects.filter(approved, country_id=country).exists()
        ):
            self._reached("a country's move moved approved items")
        with self._step(f"move country {country} to chapter {chapter}"):
            chapter_services.country_assign(
                actor=self.world.secretariat, code=country, chapter=h.chapter(chapter)
            )

    @rule(year=st.integers(min_value=0, max_value=len(YEARS) - 1), rate=st.sampled_from(RATES))
    def set_rate(self, year: int, rate: Decimal) -> None:
        euros = Q(investment_currency="EUR") | Q(annual_savings_currency="EUR")
        with_euros = set(
            AnnualReport.objects.filter(impacts__currency="EUR").values_list("year", flat=True)
        )
        with_euros |= set(Case.objects.filter(euros).values_list("year", flat=True))
        chosen = sorted(YEARS, key=lambda y: y not in with_euros)[year]
        current = (
            ExchangeRate.objects.filter(currency="EUR", year=chosen)
            .values_list("usd_per_unit", flat=True)
            .first()
        )
        approved = Q(status=ReviewStatus.APPROVED, year=chosen)
        if current != rate and (
            AnnualReport.objects.filter(approved, impacts__currency="EUR").exists()
            or Case.objects.filter(approved & euros).exists()
        ):
            self._reached("a rate change revalued approved euros")
        with self._step(f"EUR rate of {chosen} := {rate} USD"):
            self._save_rate(chosen, rate)

    # --- the invariants -----------------------------------------------------------------------

    @invariant()
    def statistics_follow_the_source(self) -> None:
        # One invariant, its checks in this order (each its own assertion, so hypothesis
        # reports and shrinks each kind of failure separately): the outbox is checked before
        # the rebuild clears it, and the later checks look at rows the rebuild confirmed.
        try:
            self.check_no_slice_left_stale()
            self.check_rebuild_changes_nothing()
            self.check_recomputes_change_nothing()
            counts = h.expected_item_counts(), h.stored_item_counts()
            self.check_tiers_as_of_the_year(*counts)
            self.check_places_now(*counts)
            self.check_money_at_current_rates()
            if self.committed:
                self.check_concurrent_recomputes()
        except BaseException:
            self.broken = True
            raise

    def _story(self) -> str:
        return "\n  ".join(["after:", *self.story])

    def check_no_slice_left_stale(self) -> None:
        unsettled = h.unsettled_slices()
        assert not unsettled, f"(b) slices left stale after commit: {unsettled}\n{self._story()}"

    def check_rebuild_changes_nothing(self) -> None:
        with self._commits():
            result = stat_services.statistics_rebuild()
        assert result.changed == 0 and not result.failed, (
            f"(a) the rebuild changed {result.changed} rows: {list(result.changes)} "
            f"failed: {list(result.failed)}\n{self._story()}"
        )

    def check_recomputes_change_nothing(self) -> None:
        before = h.stats_rows()
        with self._commits():
            stat_services.statistics_recompute_slices(slices=h.every_slice())
        after = h.stats_rows()
        assert after == before, (
            f"(c) recomputing every slice again changed rows: {h.rows_diff(before, after)}"
            f"\n{self._story()}"
        )

    def check_each_slice_alone(self) -> None:
        before = h.stats_rows()
        with self._commits():
            for one in h.every_slice():
                stat_services.statistics_recompute_slices(slices=[one])
        after = h.stats_rows()
        assert after == before, (
            f"(c) recomputing each slice alone changed rows: {h.rows_diff(before, after)}"
            f"\n{self._story()}"
        )

    def check_tiers_as_of_the_year(self, expected_all: Counts, stored_all: Counts) -> None:
        expected = {k: v for k, v in expected_all.items() if k[0].startswith("tier:")}
        stored = {k: v for k, v in stored_all.items() if k[0].startswith("tier:")}
        assert stored == expected, (
            "(d) items do not count under their member's tier on 31 December of their year: "
            f"{h.dict_diff(expected, stored)}\n{self._story()}"
        )

    def check_places_now(self, expected_all: Counts, stored_all: Counts) -> None:
        expected = {k: v for k, v in expected_all.items() if not k[0].startswith("tier:")}
        stored = {k: v for k, v in stored_all.items() if not k[0].startswith("tier:")}
        assert stored == expected, (
            "(d) items do not count under their country and its chapter now: "
            f"{h.dict_diff(expected, stored)}\n{self._story()}"
        )

    def check_money_at_current_rates(self) -> None:
        expected, stored = h.expected_money(), h.stored_money()
        assert stored == expected, (
            "(e) money totals are not the approved amounts at the current rates: "
            f"{h.dict_diff(expected, stored)}\n{self._story()}"
        )

    def check_concurrent_recomputes(self) -> None:
        """Two recomputes of every slice and a rebuild, in three threads released at once
        (each its own connection, as in three workers): every row stays as it was."""
        before = h.stats_rows()
        slices = h.every_slice()
        start = threading.Barrier(3)
        errors: list[BaseException] = []
        rebuilt: list[stat_services.RebuildResult] = []

        def run(which: str) -> None:
            try:
                start.wait(timeout=10)
                if which == "rebuild":
                    rebuilt.append(stat_services.statistics_rebuild())
                else:
                    stat_services.statistics_recompute_slices(slices=slices)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(w,)) for w in ("slices", "rebuild", "slices")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        after = h.stats_rows()
        assert not errors and after == before and all(r.changed == 0 for r in rebuilt), (
            f"(c) concurrent recomputes: errors {errors!r}, rows changed "
            f"{h.rows_diff(before, after)}, rebuild {[r.changes for r in rebuilt]}"
            f"\n{self._story()}"
        )
        assert not h.unsettled_slices(), h.unsettled_slices()


class CommittedStatisticsMachine(StatisticsMachine):
    """The same steps, each committed for real (on-commit callbacks run at the commit), plus
    the concurrent recomputes after each step."""

    committed = True


def _run(machine: type[StatisticsMachine], how: settings) -> None:
    REACHED.clear()
    run_state_machine_as_test(machine, settings=how)
    # The property had figures to check: items were approved, and changes moved them.
    assert REACHED["a report approved"] and REACHED["a case approved"], dict(REACHED)
    assert sum(REACHED[move] for move in MOVES), dict(REACHED)


@pytest.mark.django_db
def test_statistics_are_a_pure_function_of_the_source() -> None:
    _run(StatisticsMachine, PROPERTY)


@pytest.mark.postgres
@pytest.mark.django_db
def test_statistics_are_a_pure_function_of_the_source_on_postgresql() -> None:
    _run(StatisticsMachine, settings(PROPERTY, max_examples=40))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committed_steps_and_concurrent_recomputes_on_postgresql() -> None:
    # No shrinking: each committed step and its erasure cost more, and the same stories
    # shrink in the tests above; a failure here prints its whole (unshrunk) story.
    no_shrink = [phase for phase in PROPERTY.phases if phase is not Phase.shrink]
    how = settings(PROPERTY, max_examples=8, stateful_step_count=10, phases=no_shrink)
    _run(CommittedStatisticsMachine, how)
