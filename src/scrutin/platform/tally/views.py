"""Tally pages (CCTP 3.2.2.6, 4.1.4.8, 4.1.4.8.1). Each view checks its permission and the
perimeter; key holders post their partial decryptions here, from the file written by
``scrutin trustee decrypt`` or from the browser page of the ceremony app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from scrutin.record import layout

from .. import jobs
from ..accounts.perimeters import can_access_cci, is_national, perimeter_required
from ..control.services import visible_urns
from ..csvexport import csv_response
from ..electoral.models import Urn
from ..keys import platform_public_key_hex
from ..limits import MULTIPART_MARGIN, TooLarge, body_limit, read_upload, too_large_json_or_page
from ..sealing import services as seals
from . import archive, services, tasks
from .models import TallySession

MAX_PARTIAL = services.MAX_PARTIAL


def _urn(request: HttpRequest, code: str) -> Urn:
    urn = get_object_or_404(Urn.objects.select_related("cci", "category"), code=code)
    if not can_access_cci(request.user, urn.cci_id):
        raise PermissionDenied
    return urn


def _session(urn: Urn) -> TallySession | None:
    return TallySession.objects.filter(urn=urn).first()


@perimeter_required("tally.view_results")
def index(request: HttpRequest) -> HttpResponse:
    from ..electoral import succession

    sessions = {s.urn_id: s for s in TallySession.objects.all()}
    urns = list(visible_urns(request.user).select_related("election"))
    annulled = succession.annulments([u.id for u in urns])
    rows = [{"urn": u, "session": sessions.get(u.id), "election": getattr(u, "election", None),
             "annulled": annulled[u.id].label() if u.id in annulled else ""}
            for u in urns]  # fmt: skip
    return render(request, "tally/index.html", {
        "rows": rows, "can_export": is_national(request.user)
        and request.user.has_perm("tally.export_results"),
    })  # fmt: skip


def _progress(session: TallySession | None) -> dict[str, Any]:
    if session is None or session.state != TallySession.State.WAITING:
        return {}
    president, assessors = services.missing_partials(session)
    return {"president_missing": president, "assessors_needed": assessors}


def _status(urn: Urn) -> dict[str, Any]:
    """Which election this urn holds (issue 17): annulled, or a later election of a scrutin."""
    from ..electoral import succession

    annulment = succession.annulment_of(urn)
    if annulment is None and urn.generation == 1:
        return {}
    return {"annulled": annulment is not None, "label": succession.status_label(urn, annulment)}


@perimeter_required("tally.view_results")
def urn_page(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    session = _session(urn)
    return render(request, "tally/urn.html", {
        "urn": urn, "session": session, "blocked": services.can_start(urn) if session is None else "",
        "can_run": request.user.has_perm("tally.run_tally"), **_progress(session),
        "partials": services.received_partials(session) if session else [],
        "results": session.results if session and session.state == "done" else None,
        "closing": seals.closing_of(urn), "election_status": _status(urn),
    })  # fmt: skip


@perimeter_required("tally.run_tally")
@require_POST
def start(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    try:
        session = services.start(urn, request.user)
    except services.TallyRefused as exc:
        messages.error(request, str(exc))
    else:
        jobs.dispatch(tasks.run_aggregation, session.pk)
        messages.success(request, "Dépouillement commencé : les bulletins sont agrégés.")
    return redirect("tally:urn", code=urn.code)


@perimeter_required("tally.view_results")
def state(request: HttpRequest, code: str) -> JsonResponse:
    session = _session(_urn(request, code))
    return JsonResponse({"state": session.state if session else None})


# --- key holders ------------------------------------------------------------------------


@perimeter_required("accounts.hold_key")
def keyholder(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    session = _session(urn)
    return render(request, "tally/keyholder.html", {
        "urn": urn, "session": session, **_progress(session),
        "received": services.received_partials(session) if session else [],
    })  # fmt: skip


def _tallied_path(urn: Urn, name: str) -> Path:
    session = _session(urn)
    if session is None or session.tally is None:
        raise Http404("Aucune agrégation publiée pour cette urne.")
    return services.record_dir(urn) / name


def _file(path: Path, content_type: str, filename: str | None = None) -> HttpResponse:
    """Streamed from disk: an urn's ballots file can weigh hundreds of megabytes. (Typed as
    ``HttpResponse`` for the view decorators, whose signature wants one.)"""
    response = FileResponse(path.open("rb"), content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cast(HttpResponse, response)


# The published files a key holder's device reads, by URL name (all from the urn's record).
RECORD_FILES = {
    "election-json": (layout.ELECTION, "application/json"),
    "trustees-json": (layout.TRUSTEES, "application/json"),
    "tally-json": (layout.TALLY, "application/json"),
    "ballots": (layout.BALLOTS, "application/x-ndjson"),
}


@perimeter_required("accounts.hold_key")
def record_file(request: HttpRequest, code: str, file: str) -> HttpResponse:
    name, content_type = RECORD_FILES[file]
    return _file(_tallied_path(_urn(request, code), name), content_type)


@perimeter_required("accounts.hold_key")
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    """The four files ``scrutin trustee decrypt --record DIR`` needs, as one zip (written once
    next to the record, streamed from disk)."""
    urn = _urn(request, code)
    _tallied_path(urn, layout.TALLY)
    return _file(archive.dossier_zip(urn), "application/zip", f"depouillement-{urn.code}.zip")


@body_limit(MAX_PARTIAL + MULTIPART_MARGIN, too_large_json_or_page)
@perimeter_required("accounts.hold_key")
@require_POST
def partial(request: HttpRequest, code: str) -> HttpResponse:
    """A partial decryption: JSON body (browser page) or uploaded file (form)."""
    urn = _urn(request, code)
    as_json = request.content_type == "application/json"
    session = _session(urn)
    try:
        if session is None:
            raise services.TallyRefused("Le dépouillement de cette urne n'a pas commencé.")
        if as_json:
            raw = request.body
        else:
            upload = request.FILES.get("fichier")
            if upload is None:
                raise services.TallyRefused("Choisissez le fichier de déchiffrement partiel.")
            try:
                raw = read_upload(upload, MAX_PARTIAL)
            except TooLarge as exc:
                raise services.TallyRefused(
                    "Fichier trop volumineux pour un déchiffrement partiel."
                ) from exc
        message = services.receive_partial(session, services.load_json(raw), request.user)
    except services.TallyRefused as exc:
        if as_json:
            return JsonResponse({"ok": False, "error": str(exc)}, status=400)
        messages.error(request, str(exc))
    else:
        if as_json:
            return JsonResponse({"ok": True, "message": message})
        messages.success(request, message)
    return redirect("tally:keyholder", code=urn.code)


# --- results ----------------------------------------------------------------------------


def _results(urn: Urn) -> dict[str, Any]:
    results = services.results_of(urn)
    if results is None:
        raise Http404("Le dépouillement de cette urne n'est pas terminé.")
    return results


@perimeter_required("tally.view_results")
def results_json(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    response = HttpResponse(
        json.dumps(_results(urn), ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="resultats-{urn.code}.json"'
    return response


@perimeter_required("tally.view_results")
def minutes(request: HttpRequest, code: str, ballot: str) -> HttpResponse:
    from .minutes import minutes_pdf

    urn = _urn(request, code)
    results = _results(urn)
    if ballot not in {b["id"] for b in results["ballots"]}:
        raise Http404("Scrutin inconnu pour cette urne.")
    pdf = minutes_pdf(results, ballot, expected_key=platform_public_key_hex())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="pv-{urn.code}-{ballot}.pdf"'
    return response


@perimeter_required("tally.view_results")
def record(request: HttpRequest, code: str) -> HttpResponse:
    """The public record of the urn (docs/protocol.md §11), for ``scrutin verify``."""
    urn = _urn(request, code)
    _results(urn)
    return _file(archive.record_zip(urn), "application/zip", f"registre-{urn.code}.zip")


@perimeter_required("tally.view_results")
def archive_package(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    _results(urn)
    return _file(archive.package(urn), "application/gzip", f"archive-{urn.code}.tar.gz")


EXPORTS = {
    "resultats.csv": ("results_csv", "text/csv; charset=utf-8"),
    "sieges.csv": ("seats_csv", "text/csv; charset=utf-8"),
    "resultats.json": ("results_json", "application/json"),
    "participation.csv": ("participation_csv", "text/csv; charset=utf-8"),
    "elections.csv": ("elections_csv", "text/csv; charset=utf-8"),
}
ELECTIONS_HEADER = ["Urne", "CCI", "Élection n°", "Statut de l'élection", "Résultats",
                    "Empreinte de l'élection"]  # fmt: skip


def _elections_rows() -> Any:
    """Which election holds for each scrutin (issue 17): every urn, annulled ones included."""
    from ..electoral import succession

    urns = list(Urn.objects.select_related("election", "tally").order_by("code"))
    annulled = succession.annulments([u.id for u in urns])
    for urn in urns:
        tally = getattr(urn, "tally", None)
        election = getattr(urn, "election", None)
        done = tally is not None and tally.state == TallySession.State.DONE
        if urn.id in annulled:
            status_results = "annulés (archivés, hors des exports de résultats)"
        else:
            status_results = "en vigueur" if done else "pas encore dépouillée"
        yield [urn.code, urn.cci_id, urn.generation,
               succession.status_label(urn, annulled.get(urn.id)), status_results,
               election.fingerprint if election else ""]  # fmt: skip


@perimeter_required("tally.export_results")
def export(request: HttpRequest, what: str) -> HttpResponseBase:
    """CCI France's downloads for every scrutin (CCTP 4.1.4.8.1), national accounts only."""
    from . import exports

    if not is_national(request.user):
        raise PermissionDenied
    if what not in EXPORTS:
        raise Http404
    name, content_type = EXPORTS[what]
    if name == "participation_csv":
        from ..control.services import participation

        rows = exports.participation_rows_from_tree(participation(request.user))
        return csv_response(what, exports.PARTICIPATION_HEADER,
                            exports.participation_csv_rows(rows))  # fmt: skip
    if name == "elections_csv":
        return csv_response(what, ELECTIONS_HEADER, _elections_rows())
    from ..electoral.models import UrnSuccession

    annulled = UrnSuccession.objects.filter(kind=UrnSuccession.Kind.ANNULMENT).values("previous")
    done = TallySession.objects.filter(state="done").exclude(urn__in=annulled).order_by("urn__code")
    docs = [s.results for s in done if s.results is not None]
    if name == "results_csv":
        return csv_response(what, exports.RESULTS_HEADER, exports.results_rows(docs))
    if name == "seats_csv":
        return csv_response(what, exports.SEATS_HEADER, exports.seats_rows(docs))
    response = HttpResponse(exports.results_json(docs), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{what}"'
    return response
