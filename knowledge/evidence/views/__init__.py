"""Pages of the evidence, one module per reviewed type (cases, reports)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest


def saved_message(request: HttpRequest, *, saved: str, warning: str | None) -> None:
    """Confirm a save of a case or report; when a money figure has no exchange rate yet, one
    warning instead (the same words for both, from the selectors)."""
    if warning:
        messages.warning(request, warning)
    else:
        messages.success(request, saved)
