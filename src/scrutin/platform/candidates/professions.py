"""Storing and serving professions de foi (CCTP 4.1.3): checked PDFs under MEDIA_ROOT with a
random name, served inline as ``application/pdf`` with ``nosniff`` and a sandboxing CSP."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse

from ..limits import TooLarge, read_upload
from .models import Candidate, Groupement, ProfessionDeFoi
from .pdfcheck import check_pdf, max_bytes, too_large
from .services import lock_unsealed

FOLDER = "professions-de-foi"
CSP = "sandbox; default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:"


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_file(path: str) -> None:
    target = Path(path)
    if target.is_file() and target.resolve().is_relative_to(_folder().resolve()):
        target.unlink()


def read_profession(upload: Any) -> bytes:
    """An uploaded profession de foi's bytes, refused from its size before it is read, then read
    in bounded chunks (never more than the cap plus one byte)."""
    limit = max_bytes()
    if (upload.size or 0) > limit:
        raise too_large(upload.size, limit)
    try:
        return read_upload(upload, limit)
    except TooLarge:
        raise too_large(limit + 1, limit) from None


def store_profession(owner: Groupement | Candidate, data: bytes, filename: str,
                     user: Any = None) -> ProfessionDeFoi:  # fmt: skip
    """Check the PDF (:class:`~.pdfcheck.PdfRejected` if refused), store it, and replace the
    owner's previous profession de foi. Refused once the urn's candidatures are sealed."""
    if isinstance(owner, Candidate) and owner.groupement_id is not None:
        raise ValueError("a candidate of a groupement has no profession de foi of its own")
    checked = check_pdf(data)
    path = _folder() / f"{secrets.token_hex(16)}.pdf"
    path.write_bytes(data)
    old: list[str] = []
    try:
        with transaction.atomic():
            lock_unsealed(owner.question.urn_id)
            key = {"groupement": owner} if isinstance(owner, Groupement) else {"candidate": owner}
            old = list(ProfessionDeFoi.objects.filter(**key).values_list("path", flat=True))
            ProfessionDeFoi.objects.filter(**key).delete()
            doc = ProfessionDeFoi.objects.create(
                path=str(path), filename=Path(filename).name[:200] or "profession-de-foi.pdf",
                size=checked.size, pages=checked.pages, sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=user if getattr(user, "pk", None) else None, **key,
            )  # fmt: skip
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    for previous in old:
        remove_file(previous)
    return doc


def delete_profession(doc: ProfessionDeFoi) -> None:
    with transaction.atomic():
        lock_unsealed(doc.question.urn_id)
        path = doc.path
        doc.delete()
    remove_file(path)


def safe_filename(doc: ProfessionDeFoi) -> str:
    """An ASCII file name for Content-Disposition, built from the owner, never from the upload."""
    text = unicodedata.normalize("NFKD", doc.owner_label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]
    return f"profession-de-foi-{slug or doc.pk}.pdf"


def pdf_response(doc: ProfessionDeFoi) -> HttpResponse:
    data = Path(doc.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise RuntimeError(f"profession de foi {doc.public_id}: stored file altered")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{safe_filename(doc)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-cache"
    return response
