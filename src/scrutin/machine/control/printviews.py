"""The control module's printouts as PDF (RT 3, 5, 19): preparation, initialisation
procès-verbal, results procès-verbal of each scrutin (:mod:`scrutin.machine.printouts`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from scrutin.machine.control import service
from scrutin.machine.control.views import _context
from scrutin.machine.printouts import (
    PrintoutError,
    initialisation_pdf,
    preparation_pdf,
    results_of,
)


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "machine/control.html", _context(request, error=message), status=409)


@require_GET
def preparation(request: HttpRequest) -> HttpResponse:
    package = service.machine().package
    return _pdf(preparation_pdf(package), f"preparation-bureau-{package.bureau_number}.pdf")


@require_GET
def initialisation(request: HttpRequest) -> HttpResponse:
    m = service.machine()
    try:
        with service.LOCK:
            data = initialisation_pdf(m)
    except PrintoutError as exc:
        return _refused(request, str(exc))
    return _pdf(data, f"pv-initialisation-bureau-{m.package.bureau_number}.pdf")


@require_GET
def results(request: HttpRequest, scrutin: str) -> HttpResponse:
    m = service.machine()
    try:
        with service.LOCK:
            data = results_of(m.roots["interne"], scrutin)
    except PrintoutError as exc:
        return _refused(request, str(exc))
    return _pdf(data, f"pv-{scrutin}-bureau-{m.package.bureau_number}.pdf")
