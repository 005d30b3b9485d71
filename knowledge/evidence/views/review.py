"""The page side of the review machinery: one handler for the action buttons of every reviewed
type, answering with the same status as the API for the same situation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from knowledge.evidence import review
from knowledge.evidence.forms import ReviewForm
from knowledge.evidence.models.review import ReviewAction
from recpnet.exceptions import ConflictError


def review_action(
    request: HttpRequest,
    *,
    item: Any,
    action: str,
    page: Callable[..., HttpResponse],
    submit_errors_on_page: bool = False,
) -> HttpResponse:
    """Take ``action`` on ``item`` (found for ``request.user`` by the type's selector: an
    outsider has had its 404) from the item page's form: ``comment``, and ``version``, the
    version the page showed. ``page(request, item, status=…)`` renders the item's page.

    Done: a redirect to the item's page (POST/redirect/GET). Refused: the item's page
    again, with the refusal as a message and the API's status — 400 for a missing comment, a
    malformed version or (on submit) the item's hard errors, 403 for a role that sees the item
    but may not act (a conflict of interest says so), 409 when someone acted first or the page
    was stale (the page then shows the item as it is now). ``submit_errors_on_page``: the page
    lists what blocks a submission itself, so a refused submission gets one message pointing
    there instead of each error again.
    """
    if action not in review.ACTIONS:
        raise Http404
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        item = review.act(
            item=item,
            action=action,
            actor=request.user,
            comment=form.cleaned_data.get("comment", ""),
            expected_version=request.POST.get("version"),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return page(request, item, status=403)
    except ConflictError as exc:
        messages.error(request, exc.message)
        item.refresh_from_db()
        return page(request, item, status=409)
    except ValidationError as exc:
        if submit_errors_on_page and action == ReviewAction.SUBMIT:
            messages.error(request, _("Not submitted: fix what is listed on this page first."))
        else:
            for message in exc.messages:
                messages.error(request, message)
        return page(request, item, status=400)
    reviewed = review.reviewed_type(item)
    messages.success(
        request,
        _("Done: the %(type)s is %(action)s.")
        % {"type": reviewed.label, "action": review.DONE[action]},
    )
    return redirect(reviewed.path(item))
