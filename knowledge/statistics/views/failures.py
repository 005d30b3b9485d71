"""The secretariat's page of statistics slices that fail to recompute (a poison item)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from knowledge.statistics import selectors


@login_required
@require_GET
def failing_slices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/dashboards/failures.html",
        {"failures": selectors.failing_slices(actor=request.user)},
    )
