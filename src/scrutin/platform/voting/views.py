"""The voters' site (issue 6): login in two steps, ballot, recap and confirmation in the
browser, encrypted cast, receipt. The voter's choices never reach the server in clear: the
ballot page chooses, recaps and encrypts in the browser and posts only the encrypted ballot."""

from __future__ import annotations

import hmac
import smtplib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from scrutin.record import strictjson

from ..clientaddress import throttle_source
from ..control import usage
from ..electoral.models import Elector
from ..limits import MULTIPART_MARGIN, body_limit
from . import cast, proofofwork, session, throttle
from .elections import ballot_items_for
from .models import Emargement, UrnElection
from .receipts import make_receipt, receipt_context

SESSION_KEY = session.SESSION_KEY
session_seconds = session.idle_seconds


GENERIC_FAILURE = (
    "Identifiant ou code confidentiel incorrect. Vérifiez votre courrier et réessayez."
)


def _source(request: HttpRequest) -> str:
    return throttle_source(request)  # behind the proxy: its header, from trusted proxies only


PROOF_NEEDED = (
    "Votre appareil doit d'abord terminer la vérification de sécurité expliquée plus bas "
    "(quelques secondes, vous n'avez rien à faire). Saisissez à nouveau votre code confidentiel, "
    "puis validez."
)


def _paris(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def _locked_message(until: float) -> str:
    end = timezone.localtime(datetime.fromtimestamp(until, tz=timezone.get_current_timezone()))
    return (
        "Trop d'essais incorrects. Par sécurité, la connexion est bloquée jusqu'à "
        f"{end:%H:%M} (heure de Paris). Ce délai ne peut pas être raccourci."
    )


def _voter(request: HttpRequest, step: str = "ready") -> Elector | None:
    data = session.current(request, step)  # idle and absolute limits checked, then renewed
    if data is None:
        return None
    elector = (
        Elector.objects.select_related("urn", "urn__cci", "urn__category")
        .filter(number=data["number"])
        .first()
    )
    setattr(request, session.VOTER_ATTRIBUTE, elector)  # the support footer reads it too
    return elector


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Step 1: identifier and secret code (CCTP 4.1.4.2); throttling in :mod:`.throttle`."""
    error = ""
    identifier = ""
    source = _source(request)
    if request.method == "POST":
        from ..credentials.services import authenticate

        identifier = request.POST.get("identifiant", "").strip()[:40]
        code = request.POST.get("code", "")[:40]
        proof = request.POST.get("preuve_defi", ""), request.POST.get("preuve_nonce", "")
        until = throttle.code_locked_until(identifier, source)
        if proofofwork.bits_for(source) and proofofwork.check(*proof, source) is not None:
            error = PROOF_NEEDED  # nothing checked, nothing counted
        elif until is not None:
            error = _locked_message(until)
        else:
            credential = authenticate(identifier, code)
            if credential is None:
                from ..electoral.succession import dead_credential_message

                until = throttle.record_code_failure(identifier, source)
                dead = None if until else dead_credential_message(identifier, code)
                error = _locked_message(until) if until else (dead or GENERIC_FAILURE)
            else:
                number = throttle.normalise_identifier(identifier)
                elector = Elector.objects.get(number=number)
                step = "challenge" if elector.birth_date is not None else "ready"
                if step == "ready":
                    throttle.record_login(number, source)  # only a completed login clears
                session.start(request, number, step)  # browser-session cookie
                usage.login()
                return redirect("voting:challenge" if step == "challenge" else "voting:ballot")
    if request.method == "GET":
        usage.visit()
    bits = proofofwork.bits_for(source)
    return render(request, "voting/login.html", {"error": error, "identifier": identifier,
                  "proof": proofofwork.issue(source, bits) if bits else ""})  # fmt: skip


def _birth_date_matches(elector: Elector, ddmmyyyy: str) -> bool:
    expected = elector.birth_date.strftime("%d%m%Y") if elector.birth_date else ""
    return hmac.compare_digest(expected.encode(), ddmmyyyy.encode())


@never_cache
@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest) -> HttpResponse:
    """Step 2: the birth date, unless the electors file said 01011901 (annex 7.1.3 col. 10)."""
    elector = _voter(request, "challenge")
    if elector is None:
        return redirect("voting:login")
    error = ""
    if request.method == "POST":
        day, month, year = (request.POST.get(k, "").strip() for k in ("jour", "mois", "annee"))
        value = f"{day.zfill(2)}{month.zfill(2)}{year}"
        until = throttle.birth_locked_until(elector.number)
        if until is not None:
            error = _locked_message(until)
        elif _birth_date_matches(elector, value):
            throttle.record_login(elector.number, _source(request))
            request.session[SESSION_KEY] = {**request.session[SESSION_KEY], "step": "ready"}
            return redirect("voting:ballot")
        else:
            until = throttle.record_birth_failure(elector.number, _source(request))
            error = _locked_message(until) if until else "Date de naissance incorrecte."
    return render(request, "voting/challenge.html", {"error": error})


def _closed_page(
    request: HttpRequest, election: UrnElection | None, elector: Elector
) -> HttpResponse | None:
    now = timezone.now()
    if election is None:
        return render(request, "voting/message.html", {"title": "Le vote n'est pas ouvert",
                      "message": "Le vote de votre scrutin n'est pas encore organisé sur ce site."}, status=403)  # fmt: skip
    if election.suspended:
        return render(request, "voting/message.html", {"title": "Vote suspendu",
                      "message": election.suspension_message or "La commission a suspendu le vote."}, status=503)  # fmt: skip
    if now < election.opens_at:
        return render(request, "voting/message.html", {"title": "Le vote n'est pas encore ouvert",
                      "message": f"Le vote ouvrira le {_paris(election.opens_at)} (heure de Paris)."}, status=403)  # fmt: skip
    if election.closed_at is not None or now >= election.closes_at:
        return render(request, "voting/message.html", {"title": "Le vote est clos",
                      "message": f"Le vote a été clos le {_paris(election.closed_at or election.closes_at)} (heure de Paris)."}, status=403)  # fmt: skip
    # CCTP 4.1.4.6: no vote unless the urn and the platform are sealed
    refusal = cast.seal_refusal(election)
    if refusal is not None:
        interrupted = refusal.code in ("unsealed", "candidatures-changed")
        title = (
            "Vote momentanément interrompu" if interrupted else "Le vote n'est pas encore ouvert"
        )
        return render(request, "voting/message.html", {"title": title, "message": refusal.message}, status=503)  # fmt: skip
    if Emargement.objects.filter(elector_number=elector.number).exists():
        return render(request, "voting/message.html", {"title": "Vous avez déjà voté",
                      "message": "Un vote a déjà été enregistré avec cet identifiant. Merci de votre participation."})  # fmt: skip
    return None


def _ballot_context(elector: Elector, election: UrnElection) -> dict[str, Any]:
    questions = []
    params = {q["id"]: q for q in election.params["questions"]}
    asked = [q for q in elector.urn.questions.order_by("position") if q.kind.lower() in params]
    items = ballot_items_for(asked)
    for question in asked:
        qid = question.kind.lower()
        questions.append(
            {
                "question": question,
                "id": qid,
                "max": params[qid]["max"],
                "items": items[question.pk],
            }
        )
    return {"elector": elector, "urn": elector.urn, "questions": questions, "election": election,
            "closes_at": _paris(election.closes_at), "session_seconds": session_seconds()}  # fmt: skip


@never_cache
def ballot(request: HttpRequest) -> HttpResponse:
    elector = _voter(request)
    if elector is None:
        return redirect("voting:login")
    election = UrnElection.objects.filter(urn_id=elector.urn_id).first()
    closed = _closed_page(request, election, elector)
    if closed is not None:
        return closed
    assert election is not None
    context = _ballot_context(elector, election)
    context["session_seconds"] = session.remaining(request)  # warns before either limit
    return render(request, "voting/ballot.html", context)


def ballot_max_bytes() -> int:
    """The largest encrypted ballot accepted (setting; 1 MiB by default, far above a CCI's)."""
    return int(getattr(settings, "SCRUTIN_BALLOT_MAX_BYTES", 1024 * 1024))


def _invalid_ballot(request: HttpRequest, limit: int = 0) -> HttpResponse:
    return render(request, "voting/message.html", {"title": "Vote non enregistré",
                  "message": cast.INVALID_BALLOT}, status=400)  # fmt: skip


@body_limit(lambda: 3 * ballot_max_bytes() + MULTIPART_MARGIN, _invalid_ballot)  # %-encoding
@never_cache
@require_POST
def deposit(request: HttpRequest) -> HttpResponse:
    """Receives the encrypted ballot (never the choices), casts it, answers with the receipt."""
    elector = _voter(request)
    if elector is None:
        return render(request, "voting/message.html", {"title": "Session expirée",
                      "message": "Votre session a expiré : reconnectez-vous pour voter."}, status=403)  # fmt: skip
    try:
        ballot_json = strictjson.loads(
            request.POST.get("bulletin", ""), max_bytes=ballot_max_bytes()
        )
    except strictjson.JsonRefused:
        return _invalid_ballot(request)
    try:
        result = cast.cast_ballot(elector, ballot_json)
    except cast.CastRefused as refused:
        status = 409 if refused.code in ("already-voted", "in-progress", "duplicate") else 400
        return render(request, "voting/message.html", {"title": "Vote non enregistré", "message": refused.message},
                      status=status)  # fmt: skip
    receipt = make_receipt(
        result.election_fingerprint, elector.urn.code, result.tracker, result.voted_at
    )
    request.session.flush()  # the voter is signed out; nothing of the cast stays in the session
    return render(request, "voting/receipt.html", receipt_context(receipt))


@never_cache
def keepalive(request: HttpRequest) -> JsonResponse:
    """Extends the session when the voter asks for more time (RGAA 13.1)."""
    ok = _voter(request) is not None
    return JsonResponse({"ok": ok, "seconds": session.remaining(request) if ok else 0})


def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("voting:login")


def cci_logo(request: HttpRequest, code: str) -> HttpResponseBase:
    """A CCI's logo, public, with a content type fixed from the file's own bytes."""
    from django.http import FileResponse, Http404

    from ..electoral.models import Cci
    from ..electoral.views import logo_kind

    cci = Cci.objects.filter(code=code).first()
    if cci is None or not cci.logo:
        raise Http404
    handle = cci.logo.open("rb")
    kind = logo_kind(handle.read(16))
    handle.seek(0)
    if kind is None:
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=kind[1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@body_limit(64 * 1024)
@require_POST
def email_receipt(request: HttpRequest) -> HttpResponse:
    """Sends the receipt the voter holds to the address they type. Nothing is stored: the page
    posts back the signed receipt, whose platform signature is checked first (not an open
    relay), and sending is limited per receipt and per source (:func:`.throttle.mail_refusal`)."""
    from django.core.exceptions import ValidationError
    from django.core.mail import send_mail
    from django.core.validators import validate_email

    from .receipts import check_receipt, receipt_text

    address = request.POST.get("courriel", "").strip()[:254]
    signature = request.POST.get("signature", "")
    document = check_receipt(request.POST.get("document", ""), signature)
    title = "Accusé de réception non envoyé"
    if document is None:
        return render(request, "voting/message.html", {"title": title,
                      "message": "Cet accusé de réception n'est pas valide."}, status=400)  # fmt: skip
    try:
        validate_email(address)
    except ValidationError:
        return render(request, "voting/message.html", {"title": title,
                      "message": "Adresse électronique invalide."}, status=400)  # fmt: skip
    if refusal := throttle.mail_refusal(_source(request), signature):
        return render(request, "voting/message.html", {"title": title, "message": refusal}, status=429)  # fmt: skip
    try:
        send_mail(
            "Votre accusé de réception de vote", receipt_text(document, signature), None, [address]
        )
    except (smtplib.SMTPException, OSError):  # refused, unreachable (a test instance: allow-list)
        return render(request, "voting/message.html", {"title": title,
                      "message": "Le courriel n'a pas pu être envoyé à cette adresse. Gardez l'accusé de réception affiché ou imprimez-le."}, status=502)  # fmt: skip
    return render(request, "voting/message.html", {"title": "Accusé de réception envoyé",
                  "message": f"L'accusé de réception a été envoyé à {address}. Il n'est conservé nulle part sur la plate-forme."})  # fmt: skip
