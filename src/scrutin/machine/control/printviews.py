"""The control module's printouts as PDF (RT 3, 5, 19): preparation, initialisation
procès-verbal, results procès-verbal of each scrutin (:mod:`scrutin.machine.printouts`)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from scrutin.machine.control import service
from scrutin.machine.control.views import _context, _may_read
from scrutin.machine.core import files
from scrutin.machine.core.machine import MachineError
from scrutin.machine.core.tally import read_results
from scrutin.machine.printouts import (
    PrintoutError,
    initialisation_pdf,
    preparation_pdf,
    results_pdf,
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
    """RT 19–21: like the results page, only for the holders who just showed their keys."""
    m = service.machine()
    if scrutin not in {s.id for s in m.package.scrutins}:
        return _refused(request, "Scrutin inconnu.")
    if not _may_read(request):
        return redirect("machine-results", scrutin=scrutin)
    try:
        with service.LOCK:
            doc = json.loads(read_results(m, scrutin))
            machine_doc = json.loads(files.read(m.roots["interne"], files.MACHINE))
        data = results_pdf(doc, machine_doc, m.package)
    except (MachineError, PrintoutError) as exc:
        return _refused(request, str(exc))
    return _pdf(data, f"pv-{scrutin}-bureau-{m.package.bureau_number}.pdf")
