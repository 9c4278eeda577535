"""Management pages for the electoral data: uploads with progress, reports, control lists and
modifications of the lists (CCTP 4.1.2, annex 7). Authorised users only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import keyset
from ..accounts.perimeters import can_access_cci, cci_codes_of, is_national
from ..audit.journal import record_event
from ..csvexport import csv_response
from ..limits import MULTIPART_MARGIN, body_limit
from . import changes, control, fingerprints, imports, tasks
from .annex7.electors import COLUMNS, FIELDS
from .annex7.issues import REPORT_CSV_HEADER, Issue, report_row
from .forms import MAX_UPLOAD, DecisionForm, ElectorForm, UploadForm
from .models import Cci, Elector, ImportRun, Urn

PERMISSION = "electoral.manage_electoral_data"


F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def authorised(view: F) -> F:
    """Signed-in users holding the electoral-data permission; each view also checks the CCI
    against the user's perimeter (``accounts.perimeters``)."""
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


def _require_cci(request: HttpRequest, code: str) -> None:
    if not can_access_cci(request.user, code):
        raise PermissionDenied


def _visible_runs(request: HttpRequest) -> QuerySet[ImportRun]:
    runs = ImportRun.objects.select_related("cci")
    codes = cci_codes_of(request.user)
    if codes is None:
        return runs
    return runs.filter(Q(cci_id__in=codes) | Q(created_by=_user(request)))


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@authorised
def dashboard(request: HttpRequest) -> HttpResponse:
    ccis = Cci.objects.annotate(urn_count=Count("urns", distinct=True)).order_by("code")
    codes = cci_codes_of(request.user)
    if codes is not None:
        ccis = ccis.filter(code__in=codes)
    counts = fingerprints.counts_by_cci(codes)  # stored with the lists: no national count
    for cci in ccis:
        cci.elector_count = counts.get(cci.code, 0)  # type: ignore[attr-defined]
    return render(request, "electoral/dashboard.html", {
        "ccis": ccis, "runs": _visible_runs(request)[:20], "national": is_national(request.user),
        "sealed": Urn.objects.filter(sealed_at__isnull=False).count(),
    })  # fmt: skip


def _save_upload(upload: Any) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


@body_limit(MAX_UPLOAD + MULTIPART_MARGIN)
@authorised
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ImportRun.Kind.values:
        raise Http404
    if kind == ImportRun.Kind.STRUCTURE and not is_national(request.user):
        raise PermissionDenied  # the structure covers every CCI: CCI France only
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = _save_upload(upload)
        cci = imports.peek_cci(path) if kind == ImportRun.Kind.ELECTORS else None
        if cci is not None and not can_access_cci(request.user, cci):
            path.unlink()
            form.add_error(
                "file", f"Ce fichier concerne la CCI {cci}, qui n'est pas dans votre périmètre."
            )
        else:
            run = ImportRun.objects.create(kind=kind, filename=upload.name[:255], path=str(path),
                                           created_by=_user(request))  # fmt: skip
            tasks.dispatch(run)
            return redirect("electoral:run", pk=run.pk)
    return render(request, "electoral/upload.html", {"form": form, "kind": ImportRun.Kind(kind)})


@authorised
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(_visible_runs(request), pk=pk)
    done = run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)
    page = Paginator(run.issues.all(), 200).get_page(request.GET.get("page"))
    return render(request, "electoral/run.html", {
        "run": run, "done": done, "progress": 100 if done else tasks.read_progress(run.pk), "page": page,
    })  # fmt: skip


@authorised
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    run = get_object_or_404(_visible_runs(request), pk=pk)
    done = run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)
    return JsonResponse({"status": run.status, "label": run.get_status_display(), "done": done,
                         "progress": 100 if done else tasks.read_progress(run.pk)})  # fmt: skip


@authorised
def run_report_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = get_object_or_404(_visible_runs(request), pk=pk)
    issues = (
        Issue(i.line, i.column, i.value, i.blocking, i.message) for i in run.issues.all().iterator()
    )
    return csv_response(
        f"compte-rendu-import-{run.pk}.csv", REPORT_CSV_HEADER, map(report_row, issues)
    )


@authorised
def control_view(request: HttpRequest, code: str, fmt: str = "html") -> HttpResponse:
    _require_cci(request, code)
    data = control.control_list(get_object_or_404(Cci, code=code))
    if fmt == "csv":
        response = HttpResponse(control.control_csv(data), content_type="text/csv; charset=utf-8")
    elif fmt == "pdf":
        response = HttpResponse(control.control_pdf(data), content_type="application/pdf")
    elif fmt == "html":
        return render(request, "electoral/control.html", {"data": data})
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="liste-controle-{code}.{fmt}"'
    return response


@authorised
def electors(request: HttpRequest, code: str) -> HttpResponse:
    _require_cci(request, code)
    cci = get_object_or_404(Cci, code=code)
    query = request.GET.get("q", "").strip()
    # a number is the CCI's code then the elector's: the range lets PostgreSQL read the CCI's
    # part of the primary key (it otherwise scans it from the end, 2.4 s for the last page)
    after_code = code[:-1] + chr(ord(code[-1]) + 1)
    rows = Elector.objects.filter(cci_code=code, number__gte=code, number__lt=after_code)
    rows = rows.select_related("urn")
    if query:
        rows = rows.filter(Q(number__startswith=query) | Q(local_number__startswith=query)
                           | Q(usage_name__icontains=query) | Q(company_name__icontains=query))  # fmt: skip
    page = keyset.paginate(rows, "number", request.GET, 50, keep=("q",))
    if query:
        total = rows.count()
    else:  # the counts stored with the control list: no count of a 245,000-line list per page
        total = sum(count for count, _ in fingerprints.stored(cci.urns.all()).values())
    return render(request, "electoral/electors.html",
                  {"cci": cci, "page": page, "query": query, "total": total})  # fmt: skip


def _elector_form_page(request: HttpRequest, cci: Cci, elector: Elector | None) -> HttpResponse:
    initial = (
        {name: getattr(elector, name) for name in FIELDS} if elector else {"cci_code": cci.code}
    )
    form = ElectorForm(request.POST or None, initial=initial)
    errors: list[Issue] = []
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in FIELDS}
        decision = {k: form.cleaned_data[k] for k in ("authority", "reference", "reason")}
        try:
            if elector is None:
                saved, warnings = changes.add_elector(values, user=_user(request), **decision)
            else:
                saved, warnings = changes.correct_elector(
                    elector.number, values, user=_user(request), **decision
                )
        except changes.ElectorChangeError as exc:
            messages.error(request, str(exc))
            errors = exc.issues
        else:
            for w in warnings:
                messages.warning(request, f"{w.column} : {w.message}")
            messages.success(request, f"Électeur {saved.number} enregistré.")
            return redirect("electoral:electors", code=cci.code)
    fields = [(form[name], column) for name, column in zip(FIELDS, COLUMNS, strict=True)]
    return render(request, "electoral/elector_form.html",
                  {"cci": cci, "elector": elector, "form": form, "fields": fields, "errors": errors})  # fmt: skip


@authorised
@require_http_methods(["GET", "POST"])
def elector_add(request: HttpRequest, code: str) -> HttpResponse:
    _require_cci(request, code)
    return _elector_form_page(request, get_object_or_404(Cci, code=code), None)


@authorised
@require_http_methods(["GET", "POST"])
def elector_correct(request: HttpRequest, number: str) -> HttpResponse:
    elector = get_object_or_404(Elector, number=number)
    _require_cci(request, elector.cci_code)
    return _elector_form_page(request, get_object_or_404(Cci, code=elector.cci_code), elector)


@authorised
@require_http_methods(["GET", "POST"])
def elector_remove(request: HttpRequest, number: str) -> HttpResponse:
    elector = get_object_or_404(Elector.objects.select_related("urn"), number=number)
    _require_cci(request, elector.cci_code)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changes.remove_elector(number, user=_user(request), **form.cleaned_data)
        except changes.ElectorChangeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Électeur {number} retiré de la liste.")
            return redirect("electoral:electors", code=elector.cci_code)
    return render(request, "electoral/elector_remove.html", {"elector": elector, "form": form})


LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": ("png", "image/png"), b"\xff\xd8\xff": ("jpg", "image/jpeg")}
LOGO_MAX_BYTES = 500 * 1024


def logo_kind(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a PNG or JPEG file from its first bytes, else None."""
    for magic, kind in LOGO_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


@authorised
@require_http_methods(["GET", "POST"])
def logo(request: HttpRequest, code: str) -> HttpResponse:
    """The CCI's logo (CCTP annex 7.1.1): shown on the voting site after login and on letters."""
    _require_cci(request, code)
    cci = get_object_or_404(Cci, code=code)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("logo")
        head = upload.read(16) if upload else b""
        kind = logo_kind(head)
        if upload is None:
            error = "Choisissez un fichier."
        elif (upload.size or 0) > LOGO_MAX_BYTES:
            error = "Logo trop volumineux : 500 Ko au maximum."
        elif kind is None:
            error = "Le logo doit être une image PNG ou JPEG."
        else:
            upload.seek(0)
            cci.logo.save(f"{code}-{uuid.uuid4().hex[:8]}.{kind[0]}", upload, save=True)
            record_event("electoral:logo:upload", actor=request.user, cci_code=code,
                         data={"file": cci.logo.name, "bytes": int(upload.size or 0)})  # fmt: skip
            messages.success(request, "Logo enregistré.")
            return redirect("electoral:dashboard")
    return render(request, "electoral/logo.html", {"cci": cci, "error": error})
