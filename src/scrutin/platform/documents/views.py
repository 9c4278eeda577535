"""Pages of the documents built by a job: the request (a button), the progress bar, the
download. Each needs the permission of the document's kind and its urn's CCI in the user's
perimeter (``services.allowed``)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..electoral.models import Urn
from . import services, tasks
from .models import DocumentJob


def _job(request: HttpRequest, pk: int) -> DocumentJob:
    job = get_object_or_404(DocumentJob.objects.select_related("urn", "created_by"), pk=pk)
    if not services.allowed(request.user, job.kind, job.urn):
        raise PermissionDenied
    return job


def _progress(job: DocumentJob) -> int:
    return 100 if job.done else tasks.read_progress(job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """GET: what the document is and a button; POST: start (or join) its job."""
    if kind not in services.KINDS:
        raise Http404
    urn = get_object_or_404(Urn.objects.select_related("cci"), code=code)
    if not services.allowed(request.user, kind, urn):
        raise PermissionDenied
    if request.method == "POST":
        job, created = services.request(kind, urn, request.user)
        if created:
            tasks.dispatch(job)
        return redirect("documents:job", pk=job.pk)
    latest = (
        DocumentJob.objects.filter(kind=kind, urn=urn, status=DocumentJob.Status.DONE)
        .exclude(path="")
        .first()
    )
    return render(request, "documents/new.html",
                  {"urn": urn, "kind": DocumentJob.Kind(kind), "latest": latest})  # fmt: skip


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "documents/job.html", {"job": job, "progress": _progress(job)})


@login_required
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    return JsonResponse({"status": job.status, "label": job.get_status_display(), "done": job.done,
                         "progress": _progress(job)})  # fmt: skip


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    path = Path(job.path) if job.path else None
    if job.status != DocumentJob.Status.DONE or path is None or not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.filename,
                            content_type="application/pdf")  # fmt: skip
    return cast(HttpResponse, response)  # streamed from the file
