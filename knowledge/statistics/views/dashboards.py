"""Statistics dashboards (global, chapter, country, sector, tier), drill-down to the approved
items behind a figure, and exports. Everything is read from the stored statistic rows."""

from __future__ import annotations

import re
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from knowledge.statistics import selectors
from recpnet import bounds
from recpnet.exports import export_response

EXPORT_COLUMNS = [
    ("scope", "Scope"),
    ("year", "Year"),
    ("indicator", "Indicator"),
    ("unit", "Unit"),
    ("total", "Total"),
    ("n_items", "Approved items"),
    ("n_enterprises", "Enterprises"),
    ("n_members", "Members"),
    ("median", "Median"),
    ("p25", "25th percentile"),
    ("p75", "75th percentile"),
    ("computed_at", "As of"),
]


def _year(request: HttpRequest) -> int | None:
    return bounds.query_year(request.GET)


def _render(request: HttpRequest, scope: str) -> HttpResponse:
    scope = selectors.parse_scope(scope)
    label = selectors.scope_label(scope)
    year = _year(request)
    indicator = request.GET.get("indicator") or "energy_saved"
    if not re.fullmatch(r"[a-z_]{1,40}", indicator):  # bounded cache keys; checked again below
        indicator = "energy_saved"
    public = not selectors.sees_all(actor=request.user)
    # The page body is the same for every caller on the same side of the suppression line, and
    # only changes with the figures: it is rendered once per data version (one query to check)
    # and per choice of year and map indicator.
    version = selectors.dashboard_version()
    key = "knowledge:dashboard:" + ":".join(
        [version, get_language(), scope, str(year), indicator, "public" if public else "network"]
    )
    body = cache.get(key)
    if body is None:
        data = selectors.dashboard(
            actor=request.user, scope=scope, year=year, public=public, label=label
        )
        context: dict[str, Any] = {"d": data, "index": selectors.scope_index()}
        if data["kind"] in ("global", "chapter"):
            if not selectors.is_statistic_indicator(indicator):
                indicator = "energy_saved"
            context["map"] = selectors.choropleth(
                actor=request.user,
                year=data["year"],
                indicator=indicator,
                within=scope,
                public=public,
                labels=data["labels"],
            )
            context["map_indicator"] = indicator
        if data["kind"] == "global":
            context["growth"] = selectors.growth(version=version)[-10:]
        body = render_to_string("knowledge/dashboards/_body.html", context)
        cache.set(key, body, selectors.DASHBOARD_CACHE_SECONDS)
    return render(
        request,
        "knowledge/dashboards/dashboard.html",
        {"label": label, "body": mark_safe(body)},  # noqa: S308 - our own rendered template
    )


@require_GET
def global_dashboard(request: HttpRequest) -> HttpResponse:
    return _render(request, "global")


@require_GET
def chapter_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    return _render(request, f"chapter:{slug}")


@require_GET
def country_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, f"country:{code}")


@require_GET
def sector_dashboard(request: HttpRequest, section: str) -> HttpResponse:
    return _render(request, f"sector:{section}")


@require_GET
def tier_dashboard(request: HttpRequest, tier: str) -> HttpResponse:
    return _render(request, f"tier:{tier}")


@require_GET
def drilldown(request: HttpRequest, scope: str, year: int) -> HttpResponse:
    if not bounds.YEAR_MIN <= year <= bounds.year_max():
        raise Http404  # no figure has a year outside the declared range
    scope = selectors.parse_scope(scope)
    label = selectors.scope_label(scope)
    items = selectors.drilldown(actor=request.user, scope=scope, year=year)
    return render(
        request,
        "knowledge/dashboards/drilldown.html",
        {
            "scope": scope,
            "label": label,
            "year": year,
            **items,
            "network": selectors.sees_all(actor=request.user),
        },
    )


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    scope = selectors.parse_scope(request.GET.get("scope", "global"))
    selectors.scope_label(scope)
    rows = selectors.statistics_rows(
        actor=request.user, scope=scope, year=_year(request), with_computed_at=True
    )
    return export_response(
        rows=rows, columns=EXPORT_COLUMNS, fmt=fmt, filename=f"statistics {scope}"
    )
