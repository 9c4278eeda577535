"""Request-size caps per endpoint, checked before anything reads the body (docs/ops.md,
"Request sizes").

Django itself bounds form fields held in memory (``DATA_UPLOAD_MAX_MEMORY_SIZE``) and streams
larger files to disk (``FILE_UPLOAD_MAX_MEMORY_SIZE``), but it reads and parses the whole body
before a view can look at it: the CSRF check already parses a form. So the view declares its cap
with :func:`body_limit`, and :class:`RequestSizeMiddleware`, placed before the CSRF middleware,
refuses a longer body from its announced ``Content-Length`` without reading a byte of it. A view
without a declared cap gets ``SCRUTIN_MAX_REQUEST_BYTES``. The reverse proxy has its own caps in
front of these (docs/ops.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from scrutin.record.strictjson import read_limited

F = TypeVar("F", bound=Callable[..., Any])
Refusal = Callable[[HttpRequest, int], HttpResponse]
Handler = Callable[[HttpRequest], HttpResponse]

DEFAULT_MAX_REQUEST_BYTES = 2 * 1024**3 + 1024**2  # the largest upload: a national electors file
MULTIPART_MARGIN = 64 * 1024  # form fields and multipart headers around an uploaded file


def megabytes(n: int) -> str:
    value = n / 1048576
    return (
        f"{value:.0f} Mo"
        if value >= 10 or value == int(value)
        else f"{value:.1f} Mo".replace(".", ",")
    )


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    """A French page (413) on the site the request came from; the body was not read."""
    from django.shortcuts import render

    if request.path.startswith("/vote/"):
        message = (f"Le formulaire envoyé dépasse {megabytes(limit)} : il n'a pas été lu. "
                   "Revenez à la page précédente et réessayez.")  # fmt: skip
        context = {"title": "Envoi trop volumineux", "message": message}
        return render(request, "voting/message.html", context, status=413)
    context = {"limit": megabytes(limit), "back": request.path}
    return render(request, "electoral/too_large.html", context, status=413)


def too_large_json_or_page(request: HttpRequest, limit: int) -> HttpResponse:
    """For an endpoint that a browser page posts JSON to and a form posts a file to."""
    if request.content_type == "application/json":
        from django.http import JsonResponse

        return JsonResponse({"ok": False, "error": f"Document trop volumineux : {megabytes(limit)} "
                             "au maximum. Il n'a pas été lu."}, status=413)  # fmt: skip
    return too_large_response(request, limit)


def body_limit(
    max_bytes: int | Callable[[], int], refuse: Refusal | None = None
) -> Callable[[F], F]:
    """Declare the largest body ``view`` accepts (an int, or a function read at each request
    for a cap set in the settings) and, optionally, how to answer a longer one."""

    def decorate(view: F) -> F:
        view.scrutin_body_limit = max_bytes  # type: ignore[attr-defined]
        view.scrutin_body_refusal = refuse  # type: ignore[attr-defined]
        return view

    return decorate


def announced_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django then reads no body at all


class RequestSizeMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any,
                     kwargs: Any) -> HttpResponse | None:  # fmt: skip
        declared = getattr(view, "scrutin_body_limit", None)
        if declared is None:
            limit = int(getattr(settings, "SCRUTIN_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
        else:
            limit = int(declared() if callable(declared) else declared)
        if announced_length(request) <= limit:
            return None
        refuse = getattr(view, "scrutin_body_refusal", None) or too_large_response
        return refuse(request, limit)


class TooLarge(ValueError):
    """An upload longer than its cap; the message is French."""


def read_upload(upload: IO[bytes], limit: int) -> bytes:
    """An uploaded file's bytes, read in chunks and never more than ``limit`` + 1:
    :class:`TooLarge` if it is longer."""
    data = read_limited(upload, limit)
    if len(data) > limit:
        raise TooLarge(f"Fichier trop volumineux : {megabytes(limit)} au maximum.")
    return data
