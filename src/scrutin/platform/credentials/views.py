"""COE pages for the voters' credentials: counts per CCI, generation with a progress bar,
single regeneration with its reason, download of the encrypted export (CCTP 4.1.4.5, 5.2.3).
Every page needs ``credentials.manage_credentials`` and the CCI inside the user's perimeter."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..accounts.perimeters import can_access_cci, cci_codes_of, perimeter_required
from ..electoral.models import Cci, Elector
from . import codes, services, tasks
from .forms import GenerateForm, RegenerateForm
from .models import GenerationRun

PERMISSION = "credentials.manage_credentials"


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _run(request: HttpRequest, pk: int) -> GenerationRun:
    run = get_object_or_404(GenerationRun.objects.select_related("recipient"), pk=pk)
    if not can_access_cci(request.user, run.cci_code):
        raise PermissionDenied
    return run


@perimeter_required(PERMISSION)
def dashboard(request: HttpRequest) -> HttpResponse:
    ccis = list(Cci.objects.order_by("code"))
    allowed = cci_codes_of(request.user)
    if allowed is not None:
        ccis = [c for c in ccis if c.code in allowed]
    counts = services.counts_by_cci(c.code for c in ccis)
    rows = [(cci, counts[cci.code]) for cci in ccis]
    runs = GenerationRun.objects.filter(cci_code__in=[c.code for c in ccis]).select_related(
        "created_by"
    )[:20]
    return render(request, "credentials/dashboard.html", {
        "rows": rows, "runs": runs, "recipient": services.active_recipient(),
        "entropy": f"{codes.ENTROPY_BITS:.0f}",
    })  # fmt: skip


@perimeter_required(PERMISSION, "code")
@require_http_methods(["GET", "POST"])
def generate(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.new_run(cci.code, form.cleaned_data["mode"], user=_user(request),
                                   reason=form.cleaned_data["reason"])  # fmt: skip
        except services.GenerationRefused as exc:
            messages.error(request, str(exc))
        else:
            tasks.dispatch(run)
            return redirect("credentials:run", pk=run.pk)
    return render(request, "credentials/generate.html", {
        "cci": cci, "form": form, "counts": services.counts(cci.code),
        "recipient": services.active_recipient(),
    })  # fmt: skip


@perimeter_required(PERMISSION, "code")
@require_http_methods(["GET", "POST"])
def regenerate(request: HttpRequest, code: str) -> HttpResponse:
    cci = get_object_or_404(Cci, code=code)
    form = RegenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = codes.normalise_identifier(form.cleaned_data["number"])
        if not Elector.objects.filter(number=number, cci_code=cci.code).exists():
            form.add_error("number", f"Aucun électeur de la CCI {cci.code} n'a cet identifiant.")
        else:
            try:
                run = services.regenerate_one(number, reason=form.cleaned_data["reason"],
                                              user=_user(request))  # fmt: skip
            except services.GenerationRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Nouvel identifiant généré pour {number} : l'ancien "
                                          "code ne fonctionne plus.")  # fmt: skip
                return redirect("credentials:run", pk=run.pk)
    return render(request, "credentials/regenerate.html", {"cci": cci, "form": form})


@perimeter_required(PERMISSION)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    progress = 100 if run.done else tasks.read_progress(run.pk)
    return render(request, "credentials/run.html", {"run": run, "progress": progress})


@perimeter_required(PERMISSION)
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    run = _run(request, pk)
    return JsonResponse({"status": run.status, "label": run.get_status_display(), "done": run.done,
                         "progress": 100 if run.done else tasks.read_progress(run.pk)})  # fmt: skip


@perimeter_required(PERMISSION)
def run_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed export (useless without the operator's private key)."""
    run = _run(request, pk)
    path = Path(run.export_path) if run.export_path else None
    if run.status != GenerationRun.Status.DONE or path is None or not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name,
                            content_type="application/octet-stream")  # fmt: skip
    return cast(HttpResponse, response)  # streamed; the decorator's type only knows HttpResponse
