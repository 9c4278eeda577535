"""Shared fixtures of the resend tests: two CCIs loaded through the real imports, COE accounts,
a real SMTP sink, real identity documents (Pillow, ReportLab) and the public form posted with a
solved proof of work."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from scrutin.platform.electoral.models import Elector
from scrutin.platform.voting import proofofwork
from tests.integration.accounts.world import (
    World,
    build_world,
    make_user,
    smtp_sink,  # noqa: F401  (fixture: real SMTP server)
)


@pytest.fixture(autouse=True)
def _fast(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.SCRUTIN_RESEND_POW_BITS = 4  # a real proof, solved in a few milliseconds
    settings.SCRUTIN_LOGIN_MIN_SECONDS = 0
    settings.SCRUTIN_SITE_URL = "https://vote.cci.test"
    settings.VAR_DIR = tmp_path  # the documents' key file of this test
    settings.SCRUTIN_IMPORTS_INLINE = True  # the mailing engine sends in the request (C4)
    settings.SCRUTIN_MAIL_RATE = 0
    cache.clear()
    yield
    cache.clear()


@dataclass
class Resend:
    world: World
    own: Elector  # an elector of CCI 011, with an e-mail address
    other: Elector  # an elector of CCI 974
    coe: User  # COE member of 011
    coe_other: User  # COE member of 974
    national: User  # national administrator (routes the national queue)


@pytest.fixture
def resend(tmp_path: Path) -> Resend:
    world = build_world(tmp_path)
    own = Elector.objects.get(number=world.own.elector)
    # The generated lists repeat names across CCIs (one person, two voting rights): the elector
    # of these tests gets a name of its own, with an accent and a hyphen.
    own.email = "electeur.ain@exemple.fr"
    own.family_name = own.usage_name = "LAVIGNE-DUPRE"
    own.save(update_fields=["email", "family_name", "usage_name"])
    other = Elector.objects.get(number=world.other.elector)
    return Resend(
        world, own, other,
        make_user("COE", ["011"], name="coe-ain@cci.test"),
        make_user("COE", ["974"], name="coe-reunion@cci.test"),
        make_user("ADMIN", None, national=True, name="national@cci.test"),
    )  # fmt: skip


def png(size: tuple[int, int] = (64, 40), text: str = "") -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    if text:
        ImageDraw.Draw(image).text((2, 2), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(size: tuple[int, int] = (64, 40)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def pdf(javascript: bool = False) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "Carte nationale d'identité")
    page.save()
    data = buffer.getvalue()
    if javascript:  # a script run at opening (/OpenAction), as a hostile PDF would carry
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        })  # fmt: skip
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def identity_of(elector: Elector, **changes: str) -> dict[str, str]:
    born = elector.birth_date
    return {
        "nom": "Lavigne Dupré" if elector.family_name == "LAVIGNE-DUPRE" else elector.family_name,
        "prenom": elector.first_name,
        "raison_sociale": elector.company_name, "numero": "", "code_postal": elector.postal_code,
        "jour": str(born.day) if born else "1", "mois": str(born.month) if born else "1",
        "annee": str(born.year) if born else "1970", "courriel": "demandeur@exemple.fr", **changes,
    }  # fmt: skip


def post_request(client: Client, fields: dict[str, str], document: bytes, name: str = "piece.png",
                 content_type: str = "image/png", *, solve: bool = True) -> Any:  # fmt: skip
    """GET the public page, solve its proof of work as the browser's preuve.js would, POST."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.get("/vote/renvoi/")
    assert page.status_code == 200
    challenge = re.search(r'data-defi="([^"]+)"', page.content.decode()).group(1)  # type: ignore[union-attr]
    data: dict[str, Any] = {**fields, "preuve_defi": challenge,
                            "preuve_nonce": proofofwork.solve(challenge) if solve else ""}  # fmt: skip
    data["piece"] = SimpleUploadedFile(name, document, content_type=content_type)
    return client.post("/vote/renvoi/", data)
