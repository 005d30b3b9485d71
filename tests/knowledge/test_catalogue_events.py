"""The catalogue tells the layers above it what changed, inside the transaction that changed it:
``ExchangeRateChanged`` for every rate that is added, revalued or removed (on the page, in the
admin, by the demo loader), ``IndicatorUnitChanged`` when an indicator's stored unit changes.
A save that changes nothing publishes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from knowledge.catalogue import services
from knowledge.catalogue.events import ExchangeRateChanged, IndicatorUnitChanged
from knowledge.catalogue.models import ExchangeRate, Indicator
from recpnet import events
from recpnet.models import User

pytestmark = pytest.mark.django_db

ECB = "ECB reference rates, annual average"


class Recorder:
    """Records each event with what the database held when it was published: a handler runs
    inside the publisher's transaction, so it sees the change already written."""

    def __init__(self, look: Any = None) -> None:
        self.events: list[Any] = []
        self.seen: list[Any] = []
        self.look = look

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        if self.look is not None:
            self.seen.append(self.look(event))


@pytest.fixture
def rate_events() -> Iterator[Recorder]:
    def look(event: ExchangeRateChanged) -> Decimal | None:
        return (
            ExchangeRate.objects.filter(currency=event.currency, year=event.year)
            .values_list("usd_per_unit", flat=True)
            .first()
        )

    recorder = Recorder(look)
    events.subscribe(ExchangeRateChanged, recorder)
    yield recorder
    events.unsubscribe(ExchangeRateChanged, recorder)


@pytest.fixture
def unit_events() -> Iterator[Recorder]:
    recorder = Recorder(lambda e: Indicator.objects.get(code=e.code).unit)
    events.subscribe(IndicatorUnitChanged, recorder)
    yield recorder
    events.unsubscribe(IndicatorUnitChanged, recorder)


def _fail(event: Any) -> None:
    raise RuntimeError("the consequence could not be recorded")


def _save(actor: Any, value: str, *, year: int = 2014, source: str = ECB, **kw: Any) -> Any:
    return services.exchange_rate_save(
        actor=actor,
        currency="EUR",
        year=year,
        usd_per_unit=Decimal(value),
        source=source,
        **kw,
    )


def _admin(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


# --- exchange rates ---------------------------------------------------------------------------


def test_a_new_or_revalued_rate_is_published_with_the_value_written(tenancy, rate_events):
    _save(tenancy.secretariat, "1.3285")
    _save(tenancy.secretariat, "1.3300")
    assert rate_events.events == [ExchangeRateChanged("EUR", 2014)] * 2
    # The handler saw each value already written: the event is inside the write's transaction.
    assert rate_events.seen == [Decimal("1.3285"), Decimal("1.33")]


def test_an_unchanged_or_refused_save_publishes_nothing(tenancy, rate_events):
    rate = _save(tenancy.secretariat, "1.3285")
    rate_events.events.clear()
    history = rate.history.count()
    _save(tenancy.secretariat, "1.32850000")  # the same value, written differently
    assert rate_events.events == [] and rate.history.count() == history
    # A new source converts nothing anew (history kept, no event).
    _save(tenancy.secretariat, "1.3285", source="Central bank, annual average")
    assert rate_events.events == [] and rate.history.count() == history + 1
    # Refused: far from the nearest rate without confirmation, or not the secretariat.
    with pytest.raises(services.RateNeedsConfirmation):
        _save(tenancy.secretariat, "13.285")
    with pytest.raises(PermissionDenied):
        _save(tenancy.staff_a, "1.4")
    assert rate_events.events == []


def test_a_rate_whose_event_fails_is_not_saved(tenancy):
    events.subscribe(ExchangeRateChanged, _fail)
    try:
        with pytest.raises(RuntimeError):
            _save(tenancy.secretariat, "1.3285")
    finally:
        events.unsubscribe(ExchangeRateChanged, _fail)
    assert not ExchangeRate.objects.filter(currency="EUR", year=2014).exists()


def test_the_rates_page_publishes_through_the_service(client, tenancy, rate_events):
    client.force_login(tenancy.secretariat)
    data = {"currency": "kes", "year": 2014, "usd_per_unit": "0.0114", "source": "CBK"}
    assert client.post(reverse("knowledge:catalogue"), data).status_code == 302
    assert rate_events.events == [ExchangeRateChanged("KES", 2014)]
    assert client.post(reverse("knowledge:catalogue"), data).status_code == 302
    assert rate_events.events == [ExchangeRateChanged("KES", 2014)]  # unchanged: nothing more


def test_removing_a_rate_is_published(tenancy, rate_events):
    rate = _save(tenancy.secretariat, "1.3285")
    with pytest.raises(PermissionDenied):
        services.exchange_rate_delete(actor=tenancy.coordinator_a, rate=rate)
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()
    services.exchange_rate_delete(actor=tenancy.secretariat, rate=rate)
    assert rate_events.events == [ExchangeRateChanged("EUR", 2014)] * 2
    assert rate_events.seen == [Decimal("1.3285"), None]  # gone when the handler looked
    services.exchange_rate_delete(actor=tenancy.secretariat, rate=rate)  # already gone
    assert len(rate_events.events) == 2


def test_the_admin_removes_rates_through_the_service(tenancy, rate_events):
    one = _save(tenancy.secretariat, "1.3285")
    two = _save(tenancy.secretariat, "1.1095", year=2015)
    three = _save(tenancy.secretariat, "1.2848", year=2012)
    rate_events.events.clear()
    admin = _admin(tenancy.secretariat)
    url = reverse("admin:knowledge_exchangerate_delete", args=[one.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:knowledge_exchangerate_changelist")
    response = admin.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ExchangeRate.objects.exists()
    assert sorted(rate_events.events, key=lambda e: e.year) == [
        ExchangeRateChanged("EUR", 2012),
        ExchangeRateChanged("EUR", 2014),
        ExchangeRateChanged("EUR", 2015),
    ]
    # Staff with admin access who are not the secretariat cannot remove rates.
    rate = _save(tenancy.secretariat, "1.3285")
    staff = _admin(tenancy.staff_a)
    url = reverse("admin:knowledge_exchangerate_delete", args=[rate.pk])
    assert staff.post(url, {"post": "yes"}).status_code == 403
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()


def test_the_demo_loader_publishes_the_rates_it_adds(rate_events):
    _rate, added = services.exchange_rate_seed(
        currency="EUR", year=2010, usd_per_unit=Decimal("1.3257"), source=ECB
    )
    assert added and rate_events.events == [ExchangeRateChanged("EUR", 2010)]
    _rate, added = services.exchange_rate_seed(
        currency="EUR", year=2010, usd_per_unit=Decimal("9"), source=ECB
    )
    assert not added and len(rate_events.events) == 1
    assert ExchangeRate.objects.get(currency="EUR", year=2010).usd_per_unit == Decimal("1.3257")


# --- indicators -------------------------------------------------------------------------------


def _indicator(code: str = "energy_saved") -> Indicator:
    return Indicator.objects.get(code=code)


def test_a_new_stored_unit_is_published(tenancy, unit_events):
    indicator = _indicator()
    indicator.unit = "t/yr"  # an indicator without figures may change its kind
    indicator.input_units = ["t", "kg"]
    services.indicator_save(actor=tenancy.secretariat, indicator=indicator)
    assert unit_events.events == [IndicatorUnitChanged("energy_saved")]
    assert unit_events.seen == ["t/yr"]


def test_other_changes_and_unchanged_saves_publish_nothing(tenancy, unit_events):
    indicator = _indicator()
    history = indicator.history.count()
    services.indicator_save(actor=tenancy.secretariat, indicator=indicator)
    assert indicator.history.count() == history  # saved unchanged: nothing written
    indicator.name = "Energy saved per year"
    indicator.input_units = ["MWh", "GWh"]
    services.indicator_save(actor=tenancy.secretariat, indicator=indicator)
    assert indicator.history.count() == history + 1
    # A new indicator has no figures yet to restate.
    services.indicator_save(
        actor=tenancy.secretariat,
        indicator=Indicator(
            code="heat_recovered",
            name="Heat recovered",
            unit="MWh/yr",
            category="impact",
            input_units=["GJ", "TJ"],
        ),
    )
    assert unit_events.events == []


def test_an_indicator_change_whose_event_fails_is_not_saved(tenancy):
    indicator = _indicator()
    indicator.unit = "t/yr"
    indicator.input_units = []
    events.subscribe(IndicatorUnitChanged, _fail)
    try:
        with pytest.raises(RuntimeError):
            services.indicator_save(actor=tenancy.secretariat, indicator=indicator)
    finally:
        events.unsubscribe(IndicatorUnitChanged, _fail)
    assert _indicator().unit == "MWh/yr"


@pytest.mark.parametrize(
    ("code", "changes", "field"),
    [
        ("energy_saved", {"code": "energy"}, "code"),
        ("energy_saved", {"unit": "MWh/y"}, "unit"),
        ("energy_saved", {"unit": "GWh"}, "unit"),  # an input symbol, not a stored unit
        ("energy_saved", {"unit": "t/yr"}, "input_units"),  # kWh … TJ are not masses
        ("investment", {"unit": "EUR"}, "unit"),
        ("people_trained", {"unit": "people"}, "unit"),
    ],
)
def test_indicator_rules_name_the_field(tenancy, unit_events, code, changes, field):
    indicator = _indicator(code)
    before = indicator.unit, indicator.code
    for name, value in changes.items():
        setattr(indicator, name, value)
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(actor=tenancy.secretariat, indicator=indicator)
    assert field in exc.value.message_dict
    assert (
        Indicator.objects.get(pk=indicator.pk).unit,
        Indicator.objects.get(pk=indicator.pk).code,
    ) == before
    assert unit_events.events == []


def test_only_the_secretariat_keeps_indicators(tenancy, unit_events):
    indicator = _indicator()
    indicator.unit = "t/yr"
    indicator.input_units = []
    for user in (tenancy.staff_a, tenancy.coordinator_a, tenancy.outsider):
        with pytest.raises(PermissionDenied):
            services.indicator_save(actor=user, indicator=indicator)
    assert _indicator().unit == "MWh/yr" and unit_events.events == []


def _admin_form(indicator: Indicator, **changes: Any) -> dict[str, Any]:
    data = {
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "category": indicator.category,
        "input_units": json.dumps(indicator.input_units),
        "description": indicator.description,
        "position": indicator.position,
    }
    return {**data, **changes}


def test_the_admin_changes_indicators_through_the_service(tenancy, unit_events):
    indicator = _indicator()
    history = indicator.history.count()
    admin = _admin(tenancy.secretariat)
    url = reverse("admin:knowledge_indicator_change", args=[indicator.pk])
    assert admin.post(url, _admin_form(indicator)).status_code == 302
    assert unit_events.events == [] and indicator.history.count() == history
    # A unit the conversions do not know is shown on the form, and nothing is saved.
    response = admin.post(url, _admin_form(indicator, unit="MWh/y"))
    assert response.status_code == 200
    assert "Use one of the physical units" in response.content.decode()
    assert _indicator().unit == "MWh/yr" and unit_events.events == []
    changed = _admin_form(indicator, unit="t/yr", input_units=json.dumps(["t"]))
    assert admin.post(url, changed).status_code == 302
    # Published twice: by the form's dry run (in a savepoint rolled back, which also drops its
    # recompute), then by the save itself.
    assert unit_events.events == [IndicatorUnitChanged("energy_saved")] * 2
    assert _indicator().unit == "t/yr"
    # Staff with admin access who are not the secretariat may look, not change.
    staff = _admin(tenancy.staff_a)
    assert staff.post(url, _admin_form(indicator)).status_code == 403
