"""One page: the package form, its check, and the package file to download (RT 1, 3)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from scrutin.core.counting.presets import PRESETS
from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core.package import PackageError, parse_package
from scrutin.machine.core.packageform import (
    SCRUTIN_SLOTS,
    field_label,
    package_from_form,
    preset_choices,
)

SLOT_FIELDS = ("type", "id", "titre", "circonscription", "sieges", "inscrits", "tour", "choix")


@require_http_methods(["GET", "POST"])
def form(request: HttpRequest) -> HttpResponse:
    values = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
    context: dict[str, object] = {
        "values": values,
        "presets": preset_choices(),
        "slots": [
            {key: values.get(f"s{n}_{key}", "") for key in SLOT_FIELDS} | {"n": n}
            for n in range(1, SCRUTIN_SLOTS + 1)
        ],
    }
    if request.method == "POST":
        try:
            doc = package_from_form(values)
            package = parse_package(doc)
        except PackageError as exc:
            message = str(exc).split(" : ", 1)[-1]
            context["error"] = f"{field_label(exc.field)} : {message}"
        else:
            if request.POST.get("action") == "telecharger":
                response = HttpResponse(canonical_json(doc), content_type="application/json")
                name = f"paquet-{package.insee}-bureau-{package.bureau_number}-{package.election_date}.json"
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
            context["package"] = package
            context["types"] = {s.id: PRESETS[s.preset].title for s in package.scrutins}
            context["document"] = json.dumps(doc, ensure_ascii=False)
    return render(request, "machine/preparation.html", context)
