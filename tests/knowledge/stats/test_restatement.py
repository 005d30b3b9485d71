"""Figures follow the catalogue: a rate set, changed or removed, or an indicator's stored unit
changed, restates the figures that depend on it in the same transaction, and the statistics
then equal a full rebuild from the restated figures."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from knowledge.catalogue import services as catalogue_services
from knowledge.catalogue.events import IndicatorUnitChanged
from knowledge.catalogue.models import ExchangeRate, Indicator
from knowledge.evidence.models.cases import Case, CaseImpact
from knowledge.evidence.models.reports import ReportImpact
from knowledge.models import Statistic
from knowledge.statistics import services as stat_services
from recpnet import events
from recpnet.models import User
from tests.knowledge.stats.conftest import committing, make_case, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


class Rollback(Exception):
    pass


def _total(indicator: str, scope: str = "global", year: int = 2014) -> Decimal | None:
    row = Statistic.objects.filter(scope=scope, year=year, indicator=indicator).first()
    return None if row is None else row.total


def _set_rate(tenancy, value: str) -> None:
    with committing():
        catalogue_services.exchange_rate_save(
            actor=tenancy.secretariat,
            currency="EUR",
            year=2014,
            usd_per_unit=Decimal(value),
            source="ECB",
            confirm=True,
        )


def _euro_case(tenancy) -> Case:
    case = make_case(tenancy, investment="1000")
    Case.objects.filter(pk=case.pk).update(
        investment_currency="EUR", investment_usd=Decimal("1300.00")
    )
    return case


def test_a_changed_rate_restates_report_and_case_money_and_the_statistics(tenancy):
    _set_rate(tenancy, "1.3")
    report = make_report(
        tenancy, impacts=[{"indicator": "investment", "value": "1000", "unit": "EUR"}]
    )
    case = _euro_case(tenancy)
    impact = ReportImpact.objects.get(report=report, indicator__code="investment")
    assert impact.stored_value == Decimal("1300")

    _set_rate(tenancy, "1.1")

    impact.refresh_from_db()
    case.refresh_from_db()
    assert impact.stored_value == Decimal("1100")
    assert case.investment_usd == Decimal("1100")
    assert (impact.value, impact.currency) == (Decimal("1000"), "EUR")  # as typed
    assert case.investment_amount == Decimal("1000")
    assert _total("investment") == Decimal("1100")  # the report's network total
    assert stat_services.statistics_rebuild().changed == 0


def test_a_restatement_rolls_back_with_the_rate(tenancy):
    _set_rate(tenancy, "1.3")
    case = _euro_case(tenancy)
    seen: list[Decimal | None] = []

    def revalue_then_fail() -> None:
        with transaction.atomic():
            catalogue_services.exchange_rate_save(
                actor=tenancy.secretariat,
                currency="EUR",
                year=2014,
                usd_per_unit=Decimal("1.2"),
                source="ECB",
                confirm=True,
            )
            case.refresh_from_db()
            seen.append(case.investment_usd)  # restated inside the transaction
            raise Rollback

    with pytest.raises(Rollback):
        revalue_then_fail()
    assert seen == [Decimal("1200.00")]
    case.refresh_from_db()
    assert case.investment_usd == Decimal("1300.00")


def test_a_removed_rate_leaves_its_figures_without_usd(tenancy):
    _set_rate(tenancy, "1.3")
    report = make_report(
        tenancy, impacts=[{"indicator": "investment", "value": "1000", "unit": "EUR"}]
    )
    assert _total("investment") == Decimal("1300")
    with committing():
        catalogue_services.exchange_rate_delete(
            actor=tenancy.secretariat, rate=ExchangeRate.objects.get(currency="EUR", year=2014)
        )
    impact = ReportImpact.objects.get(report=report, indicator__code="investment")
    assert impact.stored_value is None
    assert _total("investment") in (None, Decimal(0))
    assert stat_services.statistics_rebuild().changed == 0


def test_an_indicator_unit_event_converts_every_figure_into_the_stored_unit(tenancy):
    """The catalogue admits a stored unit only when every accepted input unit converts to it;
    the event then converts each figure from what was typed (here: stored values out of step
    with the catalogue, as after a unit change, are put right)."""
    report = make_report(
        tenancy, impacts=[{"indicator": "energy_saved", "value": "2", "unit": "GWh"}]
    )
    case = make_case(tenancy, impacts={"energy_saved": "5000"})
    CaseImpact.objects.filter(case=case).update(unit="GWh", value=Decimal("5"))
    stat_services.statistics_rebuild()
    CaseImpact.objects.filter(case=case).update(value_stored=Decimal("5"))
    ReportImpact.objects.filter(report=report).update(stored_value=Decimal("2"))

    with committing():
        events.publish(IndicatorUnitChanged(code="energy_saved"))

    assert ReportImpact.objects.get(report=report).stored_value == Decimal("2000")
    assert CaseImpact.objects.get(case=case).value_stored == Decimal("5000")
    assert stat_services.statistics_rebuild().changed == 0


def test_a_stored_unit_change_that_would_orphan_figures_is_refused(tenancy):
    """energy_saved → t/yr (with inputs of mass) while figures in MWh exist: refused on ``unit``
    and nothing changes; GWh (an input symbol, not a stored unit) is refused by the catalogue."""
    report = make_report(
        tenancy, impacts=[{"indicator": "energy_saved", "value": "2", "unit": "GWh"}]
    )
    indicator = Indicator.objects.get(code="energy_saved")
    before = (indicator.unit, list(indicator.input_units or []))
    for unit, inputs in (("GWh", before[1]), ("t/yr", ["t", "kg"])):
        indicator.unit, indicator.input_units = unit, inputs
        with pytest.raises(ValidationError) as refused:
            catalogue_services.indicator_save(actor=tenancy.secretariat, indicator=indicator)
        assert "unit" in refused.value.message_dict
        stored = Indicator.objects.get(code="energy_saved")
        assert (stored.unit, list(stored.input_units or [])) == before
    assert ReportImpact.objects.get(report=report).stored_value == Decimal("2000")


def test_the_admin_shows_a_refused_unit_change_on_the_form(tenancy):
    make_report(tenancy, impacts=[{"indicator": "energy_saved", "value": "2", "unit": "GWh"}])
    indicator = Indicator.objects.get(code="energy_saved")
    User.objects.filter(pk=tenancy.secretariat.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(tenancy.secretariat)
    url = reverse("admin:knowledge_indicator_change", args=[indicator.pk])
    form = {
        "code": indicator.code,
        "name": indicator.name,
        "unit": "t/yr",
        "category": indicator.category,
        "input_units": json.dumps(["t"]),
        "description": indicator.description,
        "position": indicator.position,
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "does not convert to" in response.content.decode()
    assert Indicator.objects.get(pk=indicator.pk).unit == "MWh/yr"


def test_a_rate_that_would_put_a_figure_out_of_range_is_refused_on_the_rate(tenancy, client):
    _set_rate(tenancy, "1.3")
    report = make_report(
        tenancy, impacts=[{"indicator": "investment", "value": "100000000000", "unit": "EUR"}]
    )
    client.force_login(tenancy.secretariat)
    response = client.post(
        reverse("knowledge:catalogue"),
        {"currency": "EUR", "year": 2014, "usd_per_unit": "100", "source": "ECB", "confirm": "on"},
    )
    assert response.status_code == 400  # the form again, the refusal on the rate
    assert "would be out of range in USD" in response.content.decode()
    assert ExchangeRate.objects.get(currency="EUR", year=2014).usd_per_unit == Decimal("1.3")
    impact = ReportImpact.objects.get(report=report, indicator__code="investment")
    assert impact.stored_value == Decimal("130000000000")
