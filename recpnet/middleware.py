"""Request guards shared by every page and endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from recpnet.bounds import InvalidQuery


class RejectNulBytesMiddleware:
    """A NUL character in the path, the query string or a form can never be stored or looked
    up (PostgreSQL text has none) and only ever comes from a broken or hostile client: answer
    400 before any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = "path" if "\x00" in request.path else None
        if bad is None:
            bad = next(
                (k for k, v in request.GET.lists() if "\x00" in k or any("\x00" in x for x in v)),
                None,
            )
        if (
            bad is None
            and request.method == "POST"
            and request.content_type
            in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
        ):
            bad = next(
                (k for k, v in request.POST.lists() if "\x00" in k or any("\x00" in x for x in v)),
                None,
            )
        if bad is not None:
            field = bad.replace("\x00", "")
            message = "The value contains a NUL character, which is not allowed."
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "status": 400,
                            "code": "invalid",
                            "message": "Invalid input.",
                            "fields": {field or "non_field_errors": [message]},
                        }
                    },
                    status=400,
                )
            return HttpResponseBadRequest(f"{field}: {message}".encode())
        return self.get_response(request)


class InvalidInputMiddleware:
    """A page whose query parameter fails its declared rule (:class:`recpnet.bounds.
    InvalidQuery`, e.g. ``?year=²`` or a year out of range) answers 400 naming the parameter,
    never 500. Only that error: any other ``ValidationError`` escaping a view is a defect and
    must show as one (forms show their own errors; the API has its own handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, InvalidQuery):
            return None
        if hasattr(exception, "error_dict"):
            errors = [
                (name if name != "__all__" else "", message)
                for name, messages in exception.message_dict.items()
                for message in messages
            ]
        else:
            errors = [("", message) for message in exception.messages]
        return render(request, "400.html", {"errors": errors}, status=400)
