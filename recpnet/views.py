"""Project-level pages: home, the personal dashboard, and the health check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from knox.settings import knox_settings

from recpnet import health, security, tokens


def _api_error(request: HttpRequest, status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "code": code, "message": message}}, status=status
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON in the API's error format under /api/, the portal's page elsewhere."""
    if request.path.startswith("/api/"):
        return _api_error(request, 404, "not_found", "Not found.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_error(request, 500, "server_error", "Something went wrong on our side.")
    return render(request, "500.html", status=500)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The personal dashboard: what this user can do, by role."""
    return render(request, "dashboard.html")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def account_tokens(request: HttpRequest) -> HttpResponse:
    """The account's API tokens (name, issued, expires, last used; revoke one or all) and its
    recent security events."""
    user_id = request.user.pk
    assert user_id is not None  # login_required
    own = tokens.tokens_of(user=request.user)
    if request.method == "POST":
        if request.POST.get("all"):
            count = tokens.tokens_revoke_all(
                user_id=user_id, reason="revoked by its holder", request=request
            )
            messages.success(
                request,
                ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
                % {"count": count},
            )
        else:
            token = own.filter(token_key=request.POST.get("token", "")).first()
            if token is None:
                raise Http404
            tokens.token_revoke(request=request, actor=request.user, token=token)
            messages.success(
                request,
                _("API token “%(name)s” revoked.") % {"name": token.name or token.token_key[:8]},
            )
        return redirect("account_tokens")
    events = security.events_of(user_id=user_id)
    ttl_hours = int(knox_settings.TOKEN_TTL.total_seconds() // 3600)
    return render(
        request, "account/tokens.html", {"tokens": own, "events": events, "ttl_hours": ttl_hours}
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and worker state, the statistics' as-of time and how many statistics
    slices fail to recompute. 200 while the database answers (the portal can serve and record),
    503 when it does not; "degraded" when a part is down or some statistics are stuck."""
    database = health.database_state()
    broker = health.broker_state()
    worker = health.worker_state(broker_ok=broker["ok"])
    as_of = health.statistics_as_of() if database["ok"] else None
    failing = health.statistics_failing() if database["ok"] else None
    statistics = {
        "as_of": as_of.isoformat() if as_of else None,
        "failing_slices": failing,
        "status": "unknown" if failing is None else ("degraded" if failing else "ok"),
    }
    body = {
        "status": "ok"
        if database["ok"] and broker["ok"] and worker["ok"] and not failing
        else "degraded",
        "database": database,
        "broker": broker,
        "worker": worker,
        "statistics": statistics,
    }
    if not database["ok"]:
        body["status"] = "down"
    return JsonResponse(body, status=200 if database["ok"] else 503)
