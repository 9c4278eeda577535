"""COE pages for the candidatures (CCTP 4.1.3): entry, import, professions de foi, ballot
preview, print-outs, sealing. Every page checks the permission and the urn's CCI against the
user's perimeter; only ``profession_de_foi`` is public, and only for sealed candidatures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from scrutin.crypto.encoding import fingerprint

from .. import keyset
from ..accounts.perimeters import can_access_cci, cci_codes_of
from ..electoral import fingerprints, imports
from ..electoral.models import Cci, ImportRun, Question, Urn
from ..limits import MULTIPART_MARGIN, body_limit
from . import printouts, services, tasks
from .forms import (
    IMPORT_MAX_BYTES,
    CandidateForm,
    GroupementForm,
    ImportForm,
    ProfessionForm,
    UnsealForm,
)
from .models import Candidate, CandidaturesSeal, Groupement, ProfessionDeFoi
from .pdfcheck import PdfRejected, max_bytes
from .professions import delete_profession, pdf_response, read_profession, store_profession

PERMISSION = "candidates.manage_candidates"
UNSEAL_PERMISSION = "candidates.unseal_candidatures"
F = TypeVar("F", bound=Callable[..., HttpResponse])


def authorised(view: F) -> F:
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


def _check(request: HttpRequest, urn: Urn) -> Urn:
    if not can_access_cci(request.user, urn.cci_id):
        raise PermissionDenied
    return urn


def _urn(request: HttpRequest, code: str) -> Urn:
    return _check(
        request, get_object_or_404(Urn.objects.select_related("cci", "category"), code=code)
    )


def _groupement(request: HttpRequest, pk: int) -> Groupement:
    g = get_object_or_404(Groupement.objects.select_related("question__urn"), pk=pk)
    _check(request, g.question.urn)
    return g


def _candidate(request: HttpRequest, pk: int) -> Candidate:
    c = get_object_or_404(Candidate.objects.select_related("question__urn", "groupement"), pk=pk)
    _check(request, c.question.urn)
    return c


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _to_urn(urn: Urn) -> HttpResponse:
    return redirect("candidates:urn", code=urn.code)


@authorised
def index(request: HttpRequest) -> HttpResponse:
    urns = Urn.objects.select_related("cci", "category").order_by("code")
    codes = cci_codes_of(request.user)
    if codes is not None:
        urns = urns.filter(cci_id__in=codes)
    ordered = Prefetch("questions", Question.objects.order_by("position"))
    listed = list(urns.prefetch_related(ordered))
    seals = services.current_seals(urn.id for urn in listed)
    rows = [(urn, seals.get(urn.id), urn.questions.all()) for urn in listed]
    return render(request, "candidates/index.html", {"rows": rows})


@authorised
def urn_detail(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    ballots = [services.ballot_context(q, preview=True) for q in urn.questions.order_by("position")]
    seals = CandidaturesSeal.objects.filter(urn=urn).select_related(
        "unseal", "sealed_by", "unseal__unsealed_by"
    )
    return render(request, "candidates/urn.html", {
        "urn": urn, "ballots": ballots, "seal": services.current_seal(urn), "seals": seals,
        "can_unseal": request.user.has_perm(UNSEAL_PERMISSION),
    })  # fmt: skip


@authorised
@require_http_methods(["GET", "POST"])
def groupement_add(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    form = GroupementForm(urn, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            g = services.create_groupement(form.cleaned_data["question"], form.cleaned_data["name"])
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Groupement « {g.name} » enregistré (n° {g.registration}).")
            return _to_urn(urn)
    return render(request, "candidates/groupement_form.html", {"urn": urn, "form": form})


@authorised
@require_http_methods(["GET", "POST"])
def groupement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    g = _groupement(request, pk)
    urn = g.question.urn
    form = GroupementForm(
        urn, request.POST or None, initial={"question": g.question, "name": g.name}
    )
    form.fields["question"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_groupement(g, form.cleaned_data["name"])
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Groupement modifié.")
            return _to_urn(urn)
    return render(
        request, "candidates/groupement_form.html", {"urn": urn, "form": form, "groupement": g}
    )


def _delete_page(
    request: HttpRequest, urn: Urn, label: str, action: Callable[[], None]
) -> HttpResponse:
    if request.method == "POST":
        try:
            action()
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{label} : supprimé.")
        return _to_urn(urn)
    return render(request, "candidates/confirm_delete.html", {"urn": urn, "label": label})


@authorised
@require_http_methods(["GET", "POST"])
def groupement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    g = _groupement(request, pk)
    return _delete_page(request, g.question.urn, f"Groupement « {g.name} » et ses candidats",
                        lambda: services.delete_groupement(g))  # fmt: skip


def _candidate_page(request: HttpRequest, urn: Urn, candidate: Candidate | None) -> HttpResponse:
    initial = {}
    if candidate is None and request.GET.get("groupement", "").isdigit():
        g = Groupement.objects.filter(pk=request.GET["groupement"], question__urn=urn).first()
        if g is not None:
            initial = {"groupement": g, "question": g.question}
    form = CandidateForm(urn, request.POST or None, instance=candidate, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_candidate(form.save(commit=False))
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
        else:
            for warning in form.substitute_warnings():
                messages.warning(request, warning)
            messages.success(request, f"Candidat {saved} enregistré.")
            return _to_urn(urn)
    return render(
        request,
        "candidates/candidate_form.html",
        {"urn": urn, "form": form, "candidate": candidate},
    )


@authorised
@require_http_methods(["GET", "POST"])
def candidate_add(request: HttpRequest, code: str) -> HttpResponse:
    return _candidate_page(request, _urn(request, code), None)


@authorised
@require_http_methods(["GET", "POST"])
def candidate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidate(request, pk)
    return _candidate_page(request, c.question.urn, c)


@authorised
@require_http_methods(["GET", "POST"])
def candidate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidate(request, pk)
    return _delete_page(
        request, c.question.urn, f"Candidat {c}", lambda: services.delete_candidate(c)
    )


@authorised
def candidate_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    c = _candidate(request, pk)  # the perimeter is checked before the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if direction not in ("monter", "descendre"):
        raise Http404
    try:
        services.move_candidate(c, -1 if direction == "monter" else 1)
    except services.CandidaturesError as exc:
        messages.error(request, str(exc))
    return _to_urn(c.question.urn)


def _profession_page(request: HttpRequest, owner: Groupement | Candidate) -> HttpResponse:
    urn = owner.question.urn
    form = ProfessionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            store_profession(owner, read_profession(upload), upload.name, _user(request))
        except PdfRejected as exc:
            form.add_error("file", str(exc))
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
            return _to_urn(urn)
        else:
            messages.success(request, f"Profession de foi de « {owner} » déposée.")
            return _to_urn(urn)
    return render(
        request, "candidates/profession_form.html", {"urn": urn, "form": form, "owner": owner}
    )


@body_limit(lambda: max_bytes() + MULTIPART_MARGIN)
@authorised
@require_http_methods(["GET", "POST"])
def groupement_profession(request: HttpRequest, pk: int) -> HttpResponse:
    return _profession_page(request, _groupement(request, pk))


@body_limit(lambda: max_bytes() + MULTIPART_MARGIN)
@authorised
@require_http_methods(["GET", "POST"])
def candidate_profession(request: HttpRequest, pk: int) -> HttpResponse:
    c = _candidate(request, pk)
    if c.groupement_id is not None:
        raise Http404  # the groupement's profession de foi covers its candidates
    return _profession_page(request, c)


def _profession(public_id: uuid.UUID) -> ProfessionDeFoi:
    return get_object_or_404(
        ProfessionDeFoi.objects.select_related("groupement__question__urn", "candidate__question__urn"),
        public_id=public_id,
    )  # fmt: skip


@authorised
def profession_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    doc = _profession(public_id)
    urn = _check(request, doc.question.urn)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        delete_profession(doc)
    except services.CandidaturesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Profession de foi supprimée.")
    return _to_urn(urn)


@authorised
def profession_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    doc = _profession(public_id)
    _check(request, doc.question.urn)
    return pdf_response(doc)


def profession_de_foi(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Public: voters read the profession de foi of a sealed urn's candidature."""
    doc = _profession(public_id)
    if not services.is_sealed(doc.question.urn):
        raise Http404
    return pdf_response(doc)


@authorised
def ballots(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    contexts = [
        services.ballot_context(q, preview=True) for q in urn.questions.order_by("position")
    ]
    return render(request, "candidates/ballots.html", {"urn": urn, "ballots": contexts})


@authorised
def electors(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    page = keyset.paginate(urn.electors.all(), "number", request.GET, 100, lead=("urn_id",))
    total, _ = fingerprints.stored([urn])[urn.id]  # stored when the list changed
    return render(request, "candidates/electors.html", {"urn": urn, "page": page, "total": total})


PRINTOUTS = {"candidatures": printouts.candidatures_pdf,
             "professions-de-foi": printouts.professions_pdf}  # fmt: skip


@authorised
def printout(request: HttpRequest, code: str, what: str) -> HttpResponse:
    urn = _urn(request, code)
    if what == "liste-electorale":  # long: built by a job with a progress bar (documents)
        return redirect("documents:new", code=urn.code, kind=what)
    if what not in PRINTOUTS:
        raise Http404
    response = HttpResponse(PRINTOUTS[what](urn), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{what}-{urn.code}.pdf"'
    return response


@authorised
def document(request: HttpRequest, code: str) -> JsonResponse:
    urn = _urn(request, code)
    return JsonResponse(
        services.candidatures_document(urn), json_dumps_params={"ensure_ascii": False}
    )


@authorised
@require_http_methods(["GET", "POST"])
def seal(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    if request.method == "POST":
        try:
            row = services.seal(urn, _user(request))
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Candidatures scellées. Empreinte SHA-256 : {row.fingerprint}"
            )
        return _to_urn(urn)
    preview = services.candidatures_document(urn)
    return render(request, "candidates/seal.html", {"urn": urn, "fingerprint": fingerprint(preview),
                                                    "sealed": services.is_sealed(urn)})  # fmt: skip


@authorised
@require_http_methods(["GET", "POST"])
def unseal(request: HttpRequest, code: str) -> HttpResponse:
    urn = _urn(request, code)
    if not request.user.has_perm(UNSEAL_PERMISSION):
        raise PermissionDenied
    form = UnsealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unseal(urn, user=_user(request), reference=form.cleaned_data["reference"],
                            reason=form.cleaned_data["reason"])  # fmt: skip
        except services.CandidaturesError as exc:
            messages.error(request, str(exc))
        else:
            messages.warning(
                request, "Scellement levé : la levée est enregistrée (qui, quand, pourquoi)."
            )
        return _to_urn(urn)
    return render(request, "candidates/unseal.html", {"urn": urn, "form": form,
                                                      "seal": services.current_seal(urn)})  # fmt: skip


@body_limit(IMPORT_MAX_BYTES + MULTIPART_MARGIN)
@authorised
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest, code: str) -> HttpResponse:
    """Upload a candidatures file: a small one is imported within the request and its report
    shown at once; a larger one runs as a job whose page shows the progress (issue 19)."""
    cci = get_object_or_404(Cci, code=code)
    if not can_access_cci(request.user, cci.code):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        folder = imports.uploads_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"candidatures-{uuid.uuid4().hex}.csv"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        run = ImportRun.objects.create(kind=ImportRun.Kind.CANDIDATES, cci=cci,
                                       filename=upload.name[:255], path=str(path),
                                       created_by=_user(request))  # fmt: skip
        tasks.start(run, int(upload.size or 0))
        run.refresh_from_db()
        if run.status in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING):
            return redirect("candidates:import-run", code=cci.code, pk=run.pk)
        return _import_page(request, cci, ImportForm(), run)
    return _import_page(request, cci, form, None)


def _import_run(request: HttpRequest, code: str, pk: int) -> tuple[Cci, ImportRun]:
    cci = get_object_or_404(Cci, code=code)
    if not can_access_cci(request.user, cci.code):
        raise PermissionDenied
    run = get_object_or_404(ImportRun, pk=pk, cci=cci, kind=ImportRun.Kind.CANDIDATES)
    return cci, run


def _import_page(
    request: HttpRequest, cci: Cci, form: ImportForm, run: ImportRun | None
) -> HttpResponse:
    context: dict[str, Any] = {"cci": cci, "form": form, "run": run}
    if run is not None:
        done = run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)
        context |= {"done": done, "progress": 100 if done else tasks.read_progress(run.pk),
                    "page": Paginator(run.issues.all(), 200).get_page(request.GET.get("page"))}  # fmt: skip
    return render(request, "candidates/import.html", context)


@authorised
def import_run(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The report of one candidatures import, with its progress while it runs."""
    cci, run = _import_run(request, code, pk)
    return _import_page(request, cci, ImportForm(), run)


@authorised
def import_progress(request: HttpRequest, code: str, pk: int) -> JsonResponse:
    _cci, run = _import_run(request, code, pk)
    done = run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)
    return JsonResponse({"status": run.status, "label": run.get_status_display(), "done": done,
                         "progress": 100 if done else tasks.read_progress(run.pk)})  # fmt: skip
