"""Pages of the catalogue: the indicators and exchange rates (public), where the secretariat
adds and changes rates and sees which rates items are waiting for.

Thin: parse input, call one selector or service, render."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from knowledge.catalogue import policies, selectors, services
from knowledge.catalogue.forms import ExchangeRateForm
from recpnet import bounds


@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest) -> HttpResponse:
    """The indicator catalogue and exchange rates (public); the secretariat adds rates here
    and sees which rates items are waiting for (``?currency=&year=`` prefills the form)."""
    # ``?currency=&year=`` prefills the form (a malformed year is a 400 naming it).
    currency = request.GET.get("currency", "").strip().upper()
    currency = currency if re.fullmatch(r"[A-Z]{3}", currency) else ""
    year = bounds.query_year(request.GET)
    current = selectors.exchange_rate_for(currency=currency, year=year)
    form = ExchangeRateForm(
        request.POST or None,
        initial=ExchangeRateForm.prefill(currency=currency, year=year, current=current),
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.exchange_rate_save(
                    actor=request.user,
                    currency=data["currency"],
                    year=data["year"],
                    usd_per_unit=data["usd_per_unit"],
                    source=data["source"],
                    confirm=data["confirm"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Exchange rate saved."))
                return redirect("knowledge:catalogue")
    return render(
        request,
        "knowledge/catalogue/catalogue.html",
        {
            "indicators": selectors.indicators_list(),
            "rates": selectors.exchange_rates_list(),
            "missing": selectors.missing_exchange_rates(actor=request.user)
            if policies.allows(request.user, "exchange_rate", "view_waiting")
            else None,
            "can_keep_rates": policies.allows(request.user, "exchange_rate", "edit"),
            "form": form,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )
