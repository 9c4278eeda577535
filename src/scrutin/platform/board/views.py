"""Public pages of the ballot board (issue 17): the closed urns, each with its count, its record
to download once tallied, and the lookup of a receipt's tracker, explained in plain French. The
receipt's Ed25519 signature is also checked in the page (``board.js`` with the voter's bundle),
so the voter need not trust this server to know the receipt is genuine."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..electoral.models import Urn
from ..keys import platform_public_key_hex
from ..tally import archive
from ..voting.receipts import tracker_groups
from . import services


def _published(code: str) -> services.Published:
    urn = Urn.objects.select_related("cci").filter(code=code).first()
    found = services.published(urn) if urn is not None else None
    if found is None:
        raise Http404("Aucune urne close sous ce code.")
    return found


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    from ..electoral import succession

    urns = services.published_urns()
    annulled = succession.annulments([p.urn.id for p in urns])
    rows = [{"p": p, "annulled": annulled[p.urn.id].label() if p.urn.id in annulled else ""}
            for p in urns]  # fmt: skip
    return render(request, "board/index.html", {"urns": rows})


def _annulled(urn: Urn) -> str:
    """« Élection annulée par décision … du … — remplacée par … », or ``""`` (issue 17)."""
    from ..electoral import succession

    annulment = succession.annulment_of(urn)
    return succession.status_label(urn, annulment) if annulment else ""


@require_safe
def urn_page(request: HttpRequest, code: str) -> HttpResponse:
    item = _published(code)
    context: dict[str, object] = {
        "item": item,
        "platform_key": platform_public_key_hex(),
        "annulled": _annulled(item.urn),
    }
    asked = request.GET.get("suivi")
    if asked is not None:
        tracker = services.normalise_tracker(asked)
        context["asked"] = asked[: services.MAX_TRACKER_INPUT]
        if tracker is None:
            context["lookup_error"] = (
                "Ce numéro de suivi n'a pas la bonne forme : il compte 64 caractères (chiffres "
                "et lettres de a à f), imprimés en 8 groupes de 8 sur votre accusé de réception."
            )
        else:
            context["tracker"] = tracker_groups(tracker)
            context["found"] = services.ballot_in_box(item.urn, tracker)
    response = render(request, "board/urn.html", context)
    response["Cache-Control"] = "no-store"  # a lookup is the voter's own business
    return response


@require_safe
def record(request: HttpRequest, code: str) -> HttpResponse:
    item = _published(code)
    if not item.tallied:
        raise Http404("Le registre sera publié à la fin du dépouillement.")
    response = FileResponse(archive.record_zip(item.urn).open("rb"), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="registre-{item.urn.code}.zip"'
    return response  # type: ignore[return-value]
