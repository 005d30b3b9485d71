"""The demo (``manage.py load_demo``): annual reports derived from the seed's cases fill the
dashboards with the seed's real figures, and a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from knowledge.models import AnnualReport, ReviewStatus, Statistic

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_demo_loads_real_figures_and_is_idempotent():
    call_command("load_demo", stdout=StringIO())
    first = _row_counts()
    stats = list(Statistic.objects.order_by("scope", "year", "indicator").values_list())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _row_counts() == first
    assert "Annual reports: 0 created" in out.getvalue()
    assert list(Statistic.objects.order_by("scope", "year", "indicator").values_list()) == stats

    # DESIRE (India, 1993-94): 540 options identified, 38% implemented.
    desire = AnnualReport.objects.get(member__country_id="IN", year=1994)
    assert desire.status == ReviewStatus.APPROVED
    totals = {s.indicator: s.total for s in Statistic.objects.filter(scope="global", year=1994)}
    assert (totals["options_identified"], totals["options_implemented"]) == (540, 205)
    html = Client().get("/statistics/?year=1994").content.decode()
    assert 'data-testid="implementation-rate">38.0%<' in html
    assert 'data-indicator="options_identified"><td>' in html
