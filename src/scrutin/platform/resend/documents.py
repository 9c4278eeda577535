"""Checking an uploaded identity document by its content, never its name or announced type
(CCTP 5.1.3.3: "carte nationale d'identité ou passeport"; docs/resend.md).

Accepted: a JPEG or PNG image that Pillow decodes completely (a truncated or corrupt image is
refused; its size in pixels is capped before decoding, against decompression bombs), or a PDF
that passes :func:`scrutin.platform.candidates.pdfcheck.check_pdf` (no JavaScript, no automatic
action, no attachment…). The file is read in bounded chunks and refused past
``SCRUTIN_RESEND_DOCUMENT_MAX_BYTES`` (5 MB by default). Every message names the field.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from ..limits import TooLarge, megabytes, read_upload

FIELD = "Pièce d'identité"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 600 dpi scan of an A4 page is about 35 million pixels
JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
PDF = b"%PDF-"
KINDS = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
ACCEPTED = "une photo ou un scan au format JPEG, PNG ou PDF"


class DocumentRejected(ValueError):
    """The file is not an acceptable identity document; the message is French and names the
    field."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{FIELD} : {reason}")


@dataclass(frozen=True)
class CheckedDocument:
    kind: str  # jpeg, png or pdf
    data: bytes

    @property
    def content_type(self) -> str:
        return KINDS[self.kind]


def max_bytes() -> int:
    return int(getattr(settings, "SCRUTIN_RESEND_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _check_image(data: bytes, kind: str) -> None:
    from PIL import Image, UnidentifiedImageError

    label = "JPEG" if kind == "jpeg" else "PNG"
    damaged = DocumentRejected(
        f"l'image {label} est incomplète ou endommagée. Reprenez la photo ou le scan et "
        "déposez-le à nouveau."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[label]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise DocumentRejected(
                        f"l'image est trop grande ({width} × {height} points). Une photo "
                        "d'un téléphone ou un scan à 300 points par pouce suffit."
                    )
                image.load()  # decodes every byte: a truncated file raises here
    except DocumentRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Warning) as exc:
        raise damaged from exc
    except Image.DecompressionBombError as exc:
        raise damaged from exc


def check_bytes(data: bytes) -> CheckedDocument:
    """The document's kind from its content; :class:`DocumentRejected` otherwise."""
    limit = max_bytes()
    if len(data) > limit:
        raise DocumentRejected(
            f"le fichier fait {megabytes(len(data))}, pour {megabytes(limit)} au maximum. "
            "Réduisez sa taille (photo moins grande, ou scan en 150 ou 300 points par pouce)."
        )
    if not data:
        raise DocumentRejected(f"le fichier est vide. Joignez {ACCEPTED}.")
    if data.startswith(JPEG):
        _check_image(data, "jpeg")
        return CheckedDocument("jpeg", data)
    if data.startswith(PNG):
        _check_image(data, "png")
        return CheckedDocument("png", data)
    if data.startswith(PDF):
        from ..candidates.pdfcheck import PdfRejected, check_pdf

        try:
            check_pdf(data)
        except PdfRejected as exc:
            message = str(exc).replace(" pour la sécurité des électeurs", " par sécurité")
            raise DocumentRejected(message[0].lower() + message[1:]) from exc
        return CheckedDocument("pdf", data)
    raise DocumentRejected(
        f"ce fichier n'est ni une image JPEG ou PNG ni un PDF (son contenu a été vérifié, pas "
        f"seulement son nom). Joignez {ACCEPTED}."
    )


def check_upload(upload: IO[bytes]) -> CheckedDocument:
    """Read an uploaded file in chunks, never more than the cap + 1 byte, then check it."""
    limit = max_bytes()
    try:
        data = read_upload(upload, limit)
    except TooLarge as exc:
        raise DocumentRejected(
            f"le fichier dépasse {megabytes(limit)}. Réduisez sa taille (photo moins grande, "
            "ou scan en 150 ou 300 points par pouce)."
        ) from exc
    return check_bytes(data)
