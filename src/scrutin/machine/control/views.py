"""The president's control module pages (RT 4–21, 48, 52–53) and the link endpoint."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scrutin.machine import settings as machine_settings
from scrutin.machine.control import service
from scrutin.machine.core import audio, keys, link, selftest, tokens
from scrutin.machine.core.machine import (
    CLOSED,
    OPEN,
    PHASE_LABELS,
    PREPARED,
    TALLIED,
    MachineError,
)
from scrutin.machine.core.tally import read_results, tally_scrutin

MAX_KEY_UPLOAD = keys.MAX_KEY_FILE
DONE = {
    "ouvert": "Scrutin ouvert. Les terminaux peuvent être activés.",
    "horloge": "Horloge réglée.",
    "active": "Terminal activé.",
    "desactive": "Terminal désactivé.",
    "bloque": "Blocage du terminal enregistré.",
    "clos": "Clôture enregistrée : chaque terminal est bloqué dès que son électeur a terminé.",
}


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    m = service.machine()
    p = m.package
    counts = m.counters()
    terminals = []
    for n, t in m.state.terminals.items():
        if t.blocked:
            state, symbol = "Bloqué", "■"
        elif t.active:
            state, symbol = "Actif : un électeur vote", "●"
        else:
            state, symbol = "Inactif", "○"
        remaining = [p.scrutin(s).title for s in t.activation.remaining] if t.activation else []
        terminals.append(
            {"number": n, "state": state, "symbol": symbol, "active": t.active,
             "blocked": t.blocked, "pending_block": t.block_requested, "remaining": remaining}
        )  # fmt: skip
    return {
        "m": m,
        "package": p,
        "phase": m.state.phase,
        "phase_label": PHASE_LABELS[m.state.phase],
        "now": m.now(),
        "terminals": terminals,
        "counters": [(s, counts[s.id]) for s in p.scrutins],
        "PREPARED": PREPARED, "OPEN": OPEN, "CLOSED": CLOSED, "TALLIED": TALLIED,
        "recovered": m.notices,
        **extra,
    }  # fmt: skip


def _page(request: HttpRequest, **extra: Any) -> HttpResponse:
    return render(request, "machine/control.html", _context(request, **extra))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, info=DONE.get(request.GET.get("fait", "")))


@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """The live part of the page (terminals and counters), refreshed every two seconds."""
    return render(request, "machine/status.html", _context(request))


def _act(request: HttpRequest, action: Callable[[], object], done: str) -> HttpResponse:
    """``done``: the key of the message shown after the redirection (:data:`DONE`)."""
    """Run one action under the machine's lock; a refusal is shown in French (RT 48, 53)."""
    try:
        with service.LOCK:
            action()
    except (MachineError, keys.MachineKeyError) as exc:
        return _page(request, error=str(exc))
    return redirect(f"/?fait={done}")


@require_POST
def run_selftest(request: HttpRequest) -> HttpResponse:
    manifest = machine_settings.MACHINE_RELEASE_MANIFEST
    with service.LOCK:
        checks = selftest.run(
            service.machine(), dict(service.last_contact), Path(manifest) if manifest else None
        )
    return _page(request, checks=checks, checks_ok=all(c.ok for c in checks))


def _uploaded_key(request: HttpRequest, field: str) -> Path:
    upload = request.FILES.get(field)
    if upload is None or upload.size is None or upload.size > MAX_KEY_UPLOAD:
        raise keys.MachineKeyError("Présentez le fichier de chaque clé (support de clé du bureau).")
    tmp = tempfile.NamedTemporaryFile(delete=False, suffix=".cle")  # noqa: SIM115 - closed below
    with tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    return Path(tmp.name)


def _two_keys(request: HttpRequest) -> tuple[keys.HeldKey, keys.HeldKey]:
    """RT 7, 18: the president's key and an assessor's key, each with its code."""
    m = service.machine()
    held = []
    for field in ("cle_president", "cle_assesseur"):
        path = _uploaded_key(request, field)
        try:
            held.append(keys.open_key(m.trustees, path, request.POST.get(f"code_{field[4:]}", "")))
        finally:
            path.unlink(missing_ok=True)
    keys.check_pair(held[0], held[1])
    return held[0], held[1]


def _holder_name(trustee: str) -> str:
    m = service.machine()
    if trustee == keys.PRESIDENT:
        return m.package.president.name
    assessors = m.package.key_assessors
    index = keys.ASSESSORS.index(trustee)
    return assessors[index].name if index < len(assessors) else trustee


@require_POST
def open_vote(request: HttpRequest) -> HttpResponse:
    def action() -> None:
        p, a = _two_keys(request)
        service.machine().open(_holder_name(p.trustee), _holder_name(a.trustee))

    return _act(request, action, "ouvert")


@require_POST
def set_clock(request: HttpRequest) -> HttpResponse:
    from datetime import datetime

    from scrutin.machine.core.machine import PARIS

    def action() -> None:
        try:
            at = datetime.strptime(
                f"{request.POST.get('date', '')} {request.POST.get('heure', '')}",
                "%Y-%m-%d %H:%M:%S",
            ).replace(tzinfo=PARIS)
        except ValueError as exc:
            raise MachineError("Date ou heure invalide (JJ/MM/AAAA et HH:MM:SS).") from exc
        service.machine().set_clock(at, "président")

    return _act(request, action, "horloge")


def _terminal(number: int, verb: str) -> Any:
    m = service.machine()
    return {
        "activer": lambda scrutins: m.activate(number, scrutins),
        "desactiver": lambda _: m.deactivate(number),
        "bloquer": lambda _: m.block(number),
    }[verb]


@require_POST
def terminal_action(request: HttpRequest, number: int, verb: str) -> HttpResponse:
    if verb not in {"activer", "desactiver", "bloquer"}:
        return HttpResponseBadRequest("Action inconnue.")
    scrutins = request.POST.getlist("scrutin")
    done = {"activer": "active", "desactiver": "desactive", "bloquer": "bloque"}[verb]
    return _act(request, lambda: _terminal(number, verb)(scrutins), done)


@require_POST
def issue_token(request: HttpRequest) -> HttpResponse:
    """RT 8: a one-time voting token for the scrutins this elector may vote in."""
    try:
        with service.LOCK:
            code = tokens.issue(service.machine(), request.POST.getlist("scrutin"))
    except MachineError as exc:
        return _page(request, error=str(exc))
    m = service.machine()
    titles = [m.package.scrutin(s).title for s in m.state.tokens[tokens.token_hash(code)][0]]
    return _page(request, token=tokens.shown(code), token_titles=titles)


@require_POST
def close_vote(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirmer") != "oui":
        return _page(request, error="Cochez la case de confirmation pour clore le scrutin.")
    return _act(request, lambda: service.machine().block_all(), "clos")


@require_POST
def tally(request: HttpRequest) -> HttpResponse:
    scrutin = request.POST.get("scrutin", "")

    def action() -> None:
        p, a = _two_keys(request)
        m = service.machine()
        if scrutin not in {s.id for s in m.package.scrutins}:
            raise MachineError("Choisissez le scrutin à dépouiller.")
        tally_scrutin(m, scrutin, p, a)

    try:
        with service.LOCK:
            action()
    except (MachineError, keys.MachineKeyError) as exc:
        return _page(request, error=str(exc))
    return _with_reading(redirect("machine-results", scrutin=scrutin))


READING_COOKIE = "relecture"
READING_SECONDS = 15 * 60


def _with_reading(response: HttpResponse) -> HttpResponse:
    """RT 21: the holders who just authenticated may read the results for a quarter of an hour."""
    response.set_signed_cookie(
        READING_COOKIE, "cles", salt="machine-reading", max_age=READING_SECONDS,
        httponly=True, samesite="Strict",
    )  # fmt: skip
    return response


def _may_read(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(
        READING_COOKIE, default=None, salt="machine-reading", max_age=READING_SECONDS
    )
    return value == "cles"


@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, scrutin: str) -> HttpResponse:
    """RT 19–21: the results of a tallied scrutin, read again only after the two holders
    authenticate with their keys (or right after the tally)."""
    m = service.machine()
    if scrutin not in {s.id for s in m.package.scrutins}:
        return _page(request, error="Scrutin inconnu.")
    if request.method == "POST":
        try:
            with service.LOCK:
                p, a = _two_keys(request)
                m.log(
                    "results:authenticate", "président",
                    f"Relecture des résultats autorisée par {_holder_name(p.trustee)} et "
                    f"{_holder_name(a.trustee)}, clés vérifiées.",
                )  # fmt: skip
        except (MachineError, keys.MachineKeyError) as exc:
            return render(
                request,
                "machine/reread.html",
                _context(request, scrutin_id=scrutin, error=str(exc)),
            )
        return _with_reading(redirect("machine-results", scrutin=scrutin))
    if not _may_read(request):
        return render(request, "machine/reread.html", _context(request, scrutin_id=scrutin))
    try:
        with service.LOCK:
            doc = json.loads(read_results(m, scrutin))
    except (MachineError, KeyError) as exc:
        return _page(request, error=str(exc))
    s = m.package.scrutin(scrutin)
    rows = []
    for b, answer in zip(s.ballots, doc["answers"], strict=True):
        rows.append(
            {"text": b.text, "choices": list(zip(b.choices, answer["counts"], strict=True)),
             "blank": answer["blank"]}
        )  # fmt: skip
    return render(request, "machine/results.html", _context(request, doc=doc, scrutin=s, rows=rows))


@require_GET
def journal(request: HttpRequest) -> HttpResponse:
    m = service.machine()
    return render(
        request,
        "machine/journal.html",
        _context(request, entries=list(reversed(m.journal.entries))),
    )


@csrf_exempt
@require_POST
def link_endpoint(request: HttpRequest) -> HttpResponse:
    """The terminals' requests on the local link: each authenticated, each answer too."""
    key = service.link_key()
    try:
        msg = link.open_message(key, request.body, sender="terminal")
    except link.LinkError as exc:
        return JsonResponse({"erreur": str(exc)}, status=403)
    with service.LOCK:
        if msg["nonce"] in service.seen_nonces:
            return JsonResponse({"erreur": "Demande rejouée."}, status=403)
        if len(service.seen_nonces) > service.MAX_NONCES:
            service.seen_nonces.clear()
        service.seen_nonces.add(msg["nonce"])
        number = msg.get("terminal")
        m = service.machine()
        if not isinstance(number, int) or number not in m.state.terminals:
            return JsonResponse({"erreur": "Terminal inconnu."}, status=403)
        service.touch(number)
        body: dict[str, Any] = {}
        if msg.get("action") == "scrutin":
            try:
                body["details"] = scrutin_details(str(msg.get("scrutin")))
            except KeyError:
                body["error"] = "Scrutin inconnu."
        elif msg.get("action") == "token":
            try:
                tokens.redeem(m, number, str(msg.get("code", ""))[:40])
            except MachineError as exc:
                body["error"] = str(exc)
        elif msg.get("action") == "audio":  # RT 61–64: the spoken prompts, checked at load
            body |= audio.link_answer(m.roots["interne"], m.audio, msg)
        elif msg.get("action") == "cast":
            try:
                body["tracker"] = m.cast(number, str(msg.get("scrutin")), msg.get("ballot"))
            except MachineError as exc:
                body["error"] = str(exc)
        body |= _terminal_state(number)
    return HttpResponse(link.seal(key, link.answer(msg, **body)), content_type="application/json")


def _terminal_state(number: int) -> dict[str, Any]:
    m = service.machine()
    t = m.state.terminals[number]
    out: dict[str, Any] = {
        "phase": m.state.phase,
        "blocked": t.blocked,
        "active": t.active,
        "font_size": m.package.font_size,
        "commune": m.package.commune,
        "bureau": m.package.bureau_number,
        "scrutins": [],
    }
    if t.activation is not None:
        out["activation"] = t.activation.number
        out["scrutins"] = [
            {"id": sid, "title": m.package.scrutin(sid).title} for sid in t.activation.remaining
        ]
    return out


def scrutin_details(scrutin_id: str) -> dict[str, Any]:
    """What a terminal shows and encrypts with for one scrutin (it keeps it: it never changes)."""
    m = service.machine()
    s = m.package.scrutin(scrutin_id)
    return {
        "id": s.id,
        "title": s.title,
        "constituency": s.constituency,
        "election": m.params[s.id].to_json(),
        "ballots": [
            {"id": b.id, "text": b.text, "max": b.max,
             "choices": [{"id": c.id, "name": c.name, "detail": c.detail,
                          "members": list(c.members)} for c in b.choices]}
            for b in s.ballots
        ],
    }  # fmt: skip
