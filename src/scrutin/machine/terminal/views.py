"""The voter's pages on a terminal (RT 8–14, 25, 32–40, 51, 65).

The elector's choice exists only in this terminal's page and process: it is encrypted here
(:func:`scrutin.crypto.ballot.encrypt_ballot`) and only the encrypted ballot with its proofs goes
to the control module. After the vote nothing of the choice stays on screen (RT 65).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
from scrutin.crypto.params import parse_parameters
from scrutin.machine.core import audio
from scrutin.machine.core.link import LinkError
from scrutin.machine.terminal import client, sound

BLANK = "blanc"


def _state() -> dict[str, Any]:
    try:
        return client.call("state")
    except LinkError as exc:
        return {"link_error": str(exc)}


def _out_of_service(request: HttpRequest, exc: LinkError) -> HttpResponse:
    """The link failed: the terminal says so and does nothing (RT 53)."""
    return render(request, "machine/terminal_home.html", {"state": {"link_error": str(exc)}})


def _font(state: dict[str, Any]) -> int:
    size = state.get("font_size", 24)
    return size if isinstance(size, int) and 16 <= size <= 64 else 24


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Inactive, blocked, or the scrutins this elector may vote in (RT 10, 25)."""
    state = _state()
    if state.get("active") and len(state["scrutins"]) == 1:
        return redirect("terminal-ballot", scrutin=state["scrutins"][0]["id"])
    return render(request, "machine/terminal_home.html", {"state": state, "font": _font(state)})


@never_cache
@require_GET
def poll(request: HttpRequest) -> JsonResponse:
    """What the idle page checks every second: whether the terminal was activated."""
    state = _state()
    return JsonResponse(
        {"active": bool(state.get("active")), "activation": state.get("activation"),
         "blocked": bool(state.get("blocked")), "error": bool(state.get("link_error"))}
    )  # fmt: skip


@never_cache
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """RT 8: the elector activates this idle terminal with the token the president gave."""
    try:
        answer = client.call("token", code=request.POST.get("jeton", "")[:40])
    except LinkError as exc:
        return _out_of_service(request, exc)
    if "error" in answer:
        return render(
            request, "machine/terminal_home.html",
            {"state": answer, "font": _font(answer), "token_error": answer["error"]},
        )  # fmt: skip
    return redirect("terminal-home")


def _entitled(state: dict[str, Any], scrutin_id: str) -> bool:
    return bool(state.get("active")) and any(s["id"] == scrutin_id for s in state["scrutins"])


ERROR_VOICES = {"faites un choix": "erreur-choix", "vote blanc ne se combine": "erreur-blanc",
                "au plus": "erreur-trop"}  # fmt: skip
"""The spoken prompt of each error of :func:`_selection` (RT 62), by a phrase of its text."""


def error_voices(errors: list[str]) -> list[str]:
    return [next((v for k, v in ERROR_VOICES.items() if k in e), "erreur-choix") for e in errors]


def _spoken(details: dict[str, Any]) -> dict[str, Any]:
    """``details`` with, on each list, the keys of its candidates' spoken prompts (RT 30, 61):
    the ballot page gives them to the keypad's key 3. The cached details are not changed."""
    return details | {
        "ballots": [
            b | {"choices": [
                c | {"voice_members": " ".join(
                    audio.member_keys(details["id"], b["id"], c["id"], c.get("members") or [])
                )}
                for c in b["choices"]
            ]}
            for b in details["ballots"]
        ]
    }  # fmt: skip


def _selection(details: dict[str, Any], post: Any) -> tuple[list[list[int]], list[str]]:
    """The 0/1 vector of each question from the form, and the French errors (RT 11)."""
    vectors, errors = [], []
    for b in details["ballots"]:
        chosen = post.getlist(f"q-{b['id']}")
        ids = [c["id"] for c in b["choices"]]
        label = b["text"] if len(details["ballots"]) > 1 else "ce scrutin"
        if not chosen:
            errors.append(f"Pour {label}, faites un choix ou choisissez le vote blanc.")
        elif BLANK in chosen and len(chosen) > 1:
            errors.append(f"Pour {label}, le vote blanc ne se combine avec aucun autre choix.")
        elif any(c not in ids and c != BLANK for c in chosen):
            errors.append(f"Pour {label}, choix inconnu.")
        elif len(set(chosen)) > b["max"]:
            errors.append(f"Pour {label}, au plus {b['max']} choix.")
        vectors.append([1 if i in chosen else 0 for i in ids])
    return vectors, errors


def _summary(details: dict[str, Any], vectors: list[list[int]]) -> list[dict[str, Any]]:
    out = []
    for b, v in zip(details["ballots"], vectors, strict=True):
        names = [c for c, x in zip(b["choices"], v, strict=True) if x]
        out.append({"id": b["id"], "text": b["text"], "choices": names, "blank": not names})
    return out


@never_cache
def ballot(request: HttpRequest, scrutin: str) -> HttpResponse:
    """Every choice of the scrutin on one screen (RT 32); choose, then the recap (RT 13)."""
    state = _state()
    if not _entitled(state, scrutin):
        return redirect("terminal-home")
    try:
        details = client.scrutin(scrutin)
    except LinkError as exc:
        return _out_of_service(request, exc)
    context: dict[str, Any] = {"details": details, "font": _font(state), "state": state}
    if request.method == "POST":
        vectors, errors = _selection(details, request.POST)
        chosen = {f"q-{b['id']}": request.POST.getlist(f"q-{b['id']}") for b in details["ballots"]}
        context["chosen"] = chosen
        if errors:
            context["errors"] = errors
            context["error_voices"] = error_voices(errors)
        elif request.POST.get("step") == "confirm":
            return _cast(request, state, details, vectors)
        elif request.POST.get("step") != "edit":
            context["summary"] = _summary(details, vectors)
            return render(request, "machine/terminal_recap.html", context)
    return render(request, "machine/terminal_ballot.html", context | {"details": _spoken(details)})


def _cast(
    request: HttpRequest, state: dict[str, Any], details: dict[str, Any], vectors: list[list[int]]
) -> HttpResponse:
    """RT 11, 13: the confirmed choice, encrypted here, stored by the control module."""
    params = parse_parameters(details["election"])
    encrypted = ballot_to_json(params.group, encrypt_ballot(params, vectors))
    try:
        answer = client.call("cast", scrutin=details["id"], ballot=encrypted)
    except LinkError as exc:
        return _out_of_service(request, exc)
    if "error" in answer:
        return render(
            request, "machine/terminal_home.html",
            {"state": answer, "font": _font(state), "cast_error": answer["error"]},
        )  # fmt: skip
    return render(
        request, "machine/terminal_done.html",
        {"state": answer, "font": _font(state), "title": details["title"]},
    )  # fmt: skip


@never_cache
@require_GET
def prompts(request: HttpRequest) -> JsonResponse:
    """Whether this terminal can speak (RT 61–64): the audio mode is offered only then."""
    try:
        available = bool(sound.index())
    except LinkError:
        available = False
    return JsonResponse({"available": available})


@never_cache
@require_GET
def prompt(request: HttpRequest, key: str) -> HttpResponse:
    """One spoken prompt, as prepared (RT 61–64); never cached by the browser (RT 65)."""
    try:
        data = sound.wav(key)
    except LinkError:
        return HttpResponse("Message sonore indisponible.", status=404, content_type="text/plain")
    return HttpResponse(data, content_type="audio/wav")


__all__ = ["ballot", "home", "poll", "prompt", "prompts"]
