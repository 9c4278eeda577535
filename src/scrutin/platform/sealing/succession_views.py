"""CCI France's page for a new election of a scrutin (issue 17; docs/fr/annulation.md): the
annulment of an urn's election by decision, or a partial election in one CCI. National
accounts only; the services (``electoral.succession``) check it again and journal the decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..accounts.perimeters import is_national, perimeter_required
from ..electoral import succession
from ..electoral.models import Urn
from .forms import AnnulForm, PartialForm


def _rows() -> list[dict[str, object]]:
    urns = list(Urn.objects.select_related("tally").order_by("code"))
    annulled = succession.annulments([u.id for u in urns])
    return [{"urn": u, "status": succession.status_label(u, annulled.get(u.id)),
             "annulled": u.id in annulled,
             "tallied": getattr(getattr(u, "tally", None), "state", "") == "done"}
            for u in urns]  # fmt: skip


def _applied(request: HttpRequest, created: list[succession.Created]) -> None:
    lines = [f"{c.succession.label()} : nouvelle urne {c.successor.code} "
             f"({c.succession.electors} électeur(s) repris)." for c in created]  # fmt: skip
    messages.success(request, " ".join(lines))
    for line in succession.next_steps(created):
        messages.info(request, line)


@perimeter_required("sealing.seal_platform")
@require_http_methods(["GET", "POST"])
def new_election(request: HttpRequest) -> HttpResponse:
    if not is_national(request.user):
        raise PermissionDenied
    annul_form = AnnulForm(request.POST if request.POST.get("action") == "annul" else None)
    partial_form = PartialForm(request.POST if request.POST.get("action") == "partial" else None)
    try:
        if annul_form.is_bound and annul_form.is_valid():
            data = annul_form.cleaned_data
            codes = data["urns"].split()
            if cci := data["cci"].strip():
                codes = succession.current_codes(cci)
            _applied(request, succession.annul(codes, reference=data["reference"],
                                               reason=data["reason"], user=request.user))  # fmt: skip
            return redirect("sealing:new-election")
        if partial_form.is_bound and partial_form.is_valid():
            data = partial_form.cleaned_data
            _applied(request, succession.partial(data["cci"].strip(), data["seats"],
                                                 reference=data["reference"], reason=data["reason"],
                                                 user=request.user))  # fmt: skip
            return redirect("sealing:new-election")
    except succession.SuccessionRefused as exc:
        messages.error(request, f"Refusé : {exc}")
    return render(request, "sealing/new_election.html", {
        "rows": _rows(), "annul_form": annul_form, "partial_form": partial_form,
    })  # fmt: skip
