"""The control module's centralisation page (RT 22, 23, 28): export each tallied scrutin's signed
results file to the removable medium, import the centralising bureau's acknowledgement, print it.

Reserved, like the results (RT 21), to the key holders who just showed their keys. The files go
to ``transmission/`` on the removable medium (:mod:`scrutin.machine.core.transmit`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scrutin.machine.centralprint import ack_pdf
from scrutin.machine.control import service
from scrutin.machine.control.printviews import _pdf
from scrutin.machine.control.views import (
    _context,
    _holder_name,
    _may_read,
    _two_keys,
    _with_reading,
)
from scrutin.machine.core import centraldocs, keys, transmit
from scrutin.machine.core.machine import MachineError
from scrutin.machine.printouts import PrintoutError

OUTBOX = "transmission"
DONE = {
    "exporte": "Résultats exportés sur le support amovible, dossier « transmission ».",
    "accuse": "Accusé de réception accepté, inscrit au journal et conservé sur les deux mémoires.",
}


def _rows() -> list[dict[str, Any]]:
    m = service.machine()
    rows = []
    for s in m.package.scrutins:
        row: dict[str, Any] = {"scrutin": s, "tallied": s.id in m.state.tallied}
        sent = transmit.sent_path(m.roots["interne"], s.id)
        if sent.is_file():
            doc = json.loads(sent.read_bytes())
            row["file"] = f"{transmit.file_name(doc)}.json"
            row["fingerprint"] = centraldocs.doc_fingerprint(doc)
        ack = transmit.ack_path(m.roots["interne"], s.id)
        if ack.is_file():
            row["ack"] = json.loads(ack.read_bytes())
        rows.append(row)
    return rows


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    if not _may_read(request):
        return render(request, "machine/centralisation.html",
                      _context(request, locked=True, **extra), status=status)  # fmt: skip
    done = DONE.get(request.GET.get("fait", ""))
    return render(request, "machine/centralisation.html",
                  _context(request, rows=_rows(), done=done, outbox=OUTBOX, **extra),
                  status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    """GET: the page; POST (the two keys): authorise the reading, as for the results."""
    if request.method == "POST":
        try:
            with service.LOCK:
                p, a = _two_keys(request)
                service.machine().log(
                    "results:authenticate", "président",
                    f"Centralisation autorisée par {_holder_name(p.trustee)} et "
                    f"{_holder_name(a.trustee)}, clés vérifiées.",
                )  # fmt: skip
        except (MachineError, keys.MachineKeyError) as exc:
            return _page(request, 409, error=str(exc))
        return _with_reading(redirect("machine-central"))
    return _page(request)


@require_POST
def export(request: HttpRequest, scrutin: str) -> HttpResponse:
    if not _may_read(request):
        return redirect("machine-central")
    m = service.machine()
    if scrutin not in m.params:
        return _page(request, 409, error="Scrutin inconnu.")
    try:
        with service.LOCK:
            transmit.export_results(m, scrutin, m.roots["amovible"] / OUTBOX)
    except (MachineError, OSError) as exc:
        return _page(request, 409, error=str(exc))
    return redirect("/centralisation/?fait=exporte")


@require_POST
def import_ack(request: HttpRequest) -> HttpResponse:
    if not _may_read(request):
        return redirect("machine-central")
    upload = request.FILES.get("accuse")
    if upload is None or upload.size is None or upload.size > centraldocs.MAX_FILE:
        return _page(request, 409, error="Choisissez le fichier de l'accusé de réception.")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accuse.json"
        with path.open("wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        try:
            with service.LOCK:
                transmit.import_ack(service.machine(), path)
        except MachineError as exc:
            return _page(request, 409, error=str(exc))
    return redirect("/centralisation/?fait=accuse")


@require_GET
def ack_printout(request: HttpRequest, scrutin: str) -> HttpResponse:
    """RT 23: the acknowledgement kept by the machine, printed."""
    m = service.machine()
    if scrutin not in m.params:
        return _page(request, 409, error="Scrutin inconnu.")
    root = m.roots["interne"]
    if not transmit.ack_path(root, scrutin).is_file():
        return _page(request, 409, error="Aucun accusé de réception importé pour ce scrutin.")
    ack = json.loads(transmit.ack_path(root, scrutin).read_bytes())
    sent = json.loads(transmit.sent_path(root, scrutin).read_bytes())
    try:
        data = ack_pdf(ack, sent)
    except PrintoutError as exc:
        return _page(request, 409, error=str(exc))
    return _pdf(data, f"accuse-{scrutin}-bureau-{m.package.bureau_number}.pdf")
