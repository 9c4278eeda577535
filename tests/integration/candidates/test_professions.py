"""Professions de foi (CCTP 4.1.3): only real, passive PDFs under the size limit are accepted;
they are stored under random names and served with a safe content type."""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from scrutin.platform.candidates import services
from scrutin.platform.candidates.models import ProfessionDeFoi
from scrutin.platform.candidates.pdfcheck import PdfRejected, check_pdf
from scrutin.platform.candidates.professions import store_profession

from .conftest import add_candidate, question, reportlab_pdf, urn

pytestmark = pytest.mark.django_db


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_document_js() -> bytes:
    """A document-level script in the /Names /JavaScript name tree."""
    writer = _writer()
    action = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)"),
    }))  # fmt: skip
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("init"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )
    return _bytes(writer)


def pdf_with_open_action_js() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)"),
    })  # fmt: skip
    return _bytes(writer)


def pdf_with_page_aa() -> bytes:
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({
        NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject("/GoTo")})
    })  # fmt: skip
    return _bytes(writer)


def pdf_with_launch() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe"),
    })  # fmt: skip
    return _bytes(writer)


def pdf_with_embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("virus.exe", b"MZ\x90\x00")
    return _bytes(writer)


def pdf_with_file_attachment_annotation() -> bytes:
    writer = _writer()
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
        NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)]),
    })  # fmt: skip
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _bytes(writer)


def pdf_with_escaped_javascript_name() -> bytes:
    """``/J#61vaScript`` is ``/JavaScript`` once the name is decoded: the raw scan misses it."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def pdf_with_javascript_in_compressed_object_stream() -> bytes:
    """The action object lives, Flate-compressed, in an object stream found through an xref
    stream: invisible to a byte scan, found by walking every object pypdf can load."""
    action = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    prefix = b"4 0 "
    objstm = zlib.compress(prefix + action)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for n, body in [(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"),
                    (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                    (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>")]:  # fmt: skip
        offsets[n] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    offsets[5] = out.tell()
    out.write(b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
              % (len(prefix), len(objstm)) + objstm + b"\nendstream\nendobj\n")  # fmt: skip
    offsets[6] = out.tell()
    rows = [b"\x00" + b"\x00" * 4 + b"\xff\xff"]
    for n in (1, 2, 3):
        rows.append(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x02" + (5).to_bytes(4, "big") + b"\x00\x00")
    for n in (5, 6):
        rows.append(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00")
    xref = zlib.compress(b"".join(rows))
    out.write(b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
              b"/Length %d >>\nstream\n" % len(xref) + xref + b"\nendstream\nendobj\n")  # fmt: skip
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[6])
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = _writer()
    writer.encrypt("secret")
    return _bytes(writer)


MALICIOUS: dict[str, tuple[Callable[[], bytes], str]] = {
    "document-javascript": (pdf_with_document_js, "JavaScript"),
    "open-action-javascript": (pdf_with_open_action_js, "JavaScript"),
    "page-additional-actions": (pdf_with_page_aa, "actions automatiques"),
    "launch": (pdf_with_launch, "lancement de programme"),
    "embedded-file": (pdf_with_embedded_file, "fichiers joints"),
    "file-attachment-annotation": (pdf_with_file_attachment_annotation, "fichiers joints"),
    "escaped-name": (pdf_with_escaped_javascript_name, "JavaScript"),
    "object-stream": (pdf_with_javascript_in_compressed_object_stream, "JavaScript"),
    "encrypted": (encrypted_pdf, "chiffré"),
}


@pytest.mark.parametrize("name", MALICIOUS)
def test_cctp_4_1_3_active_pdf_rejected(name: str) -> None:
    build, message = MALICIOUS[name]
    with pytest.raises(PdfRejected, match=message):
        check_pdf(build())


@pytest.mark.parametrize("build", [pdf_with_escaped_javascript_name,
                                   pdf_with_javascript_in_compressed_object_stream])  # fmt: skip
def test_hidden_javascript_evades_the_raw_scan_but_not_the_object_walk(
    build: Callable[[], bytes],
) -> None:
    data = build()
    assert b"/JavaScript" not in data and b"/JS " not in data
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # a well-formed PDF otherwise
    with pytest.raises(PdfRejected, match="JavaScript"):
        check_pdf(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"PK\x03\x04 not a pdf", "n'est pas un PDF"), (b"<html><script>alert(1)</script>", "n'est pas un PDF"),
     (b"%PDF-1.7\nthis is not really a pdf\n%%EOF", "illisible"), (b"", "n'est pas un PDF")],
)  # fmt: skip
def test_not_a_pdf_rejected(data: bytes, message: str) -> None:
    with pytest.raises(PdfRejected, match=message):
        check_pdf(data)


def test_passive_pdfs_accepted() -> None:
    assert check_pdf(reportlab_pdf()).pages == 1
    assert check_pdf(_bytes(_writer())).pages == 1


def test_size_limit_default_5_mb_and_setting() -> None:
    valid = reportlab_pdf()
    padded = valid + b"%" + b"x" * (5 * 1024 * 1024 - len(valid))
    with pytest.raises(PdfRejected, match="trop volumineux"):
        check_pdf(padded)
    assert check_pdf(padded[: 5 * 1024 * 1024]).size == 5 * 1024 * 1024
    with (
        override_settings(SCRUTIN_PROFESSION_MAX_BYTES=len(valid) - 1),
        pytest.raises(PdfRejected, match="trop volumineux"),
    ):
        check_pdf(valid)


def test_upload_page_shows_refusal_and_stores_nothing(coe_011: Client, media: Path) -> None:
    g = services.create_groupement(question("011-C", "CCIT"), "Agir")
    response = coe_011.post(f"/gestion/candidatures/groupements/{g.pk}/profession-de-foi/",
                            {"file": SimpleUploadedFile("tract.pdf", pdf_with_document_js())})  # fmt: skip
    assert response.status_code == 200 and "JavaScript" in response.content.decode()
    assert not ProfessionDeFoi.objects.exists()
    assert (
        not list((media / "professions-de-foi").glob("*"))
        if (media / "professions-de-foi").exists()
        else True
    )


def test_stored_under_random_name_and_served_safely(coe_011: Client, media: Path) -> None:
    g = services.create_groupement(question("011-C", "CCIT"), "Agir pour l'Ain")
    data = reportlab_pdf()
    response = coe_011.post(f"/gestion/candidatures/groupements/{g.pk}/profession-de-foi/",
                            {"file": SimpleUploadedFile('../../evil".pdf', data)})  # fmt: skip
    assert response.status_code == 302
    doc = ProfessionDeFoi.objects.get()
    path = Path(doc.path)
    assert path.parent == media / "professions-de-foi" and len(path.stem) == 32
    assert path.read_bytes() == data and doc.sha256 == hashlib.sha256(data).hexdigest()
    preview = coe_011.get(f"/gestion/candidatures/professions-de-foi/{doc.public_id}/apercu.pdf")
    assert preview.status_code == 200 and preview.content == data
    assert preview["Content-Type"] == "application/pdf"
    assert (
        preview["Content-Disposition"] == 'inline; filename="profession-de-foi-agir-pour-l-ain.pdf"'
    )
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Content-Security-Policy"].startswith("sandbox")


def test_public_url_serves_only_sealed_candidatures(structure: None) -> None:
    q = question("011-C", "CCIT")
    single = add_candidate(q, last_name="Seul")
    doc = store_profession(single, reportlab_pdf(), "p.pdf")
    anonymous = Client()
    url = f"/gestion/candidatures/professions-de-foi/{doc.public_id}.pdf"
    assert anonymous.get(url).status_code == 404
    assert (
        anonymous.get(
            f"/gestion/candidatures/professions-de-foi/{doc.public_id}/apercu.pdf"
        ).status_code
        == 302
    )
    services.seal(urn("011-C"))
    response = anonymous.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]


def test_replacing_a_profession_removes_the_old_file(structure: None, media: Path) -> None:
    g = services.create_groupement(question("011-C", "CCIT"), "Agir")
    first = store_profession(g, reportlab_pdf("un"), "1.pdf")
    second = store_profession(g, reportlab_pdf("deux"), "2.pdf")
    assert not Path(first.path).exists() and Path(second.path).exists()
    assert ProfessionDeFoi.objects.count() == 1
    services.delete_groupement(g)
    assert not Path(second.path).exists() and not ProfessionDeFoi.objects.exists()


def test_altered_stored_file_is_not_served(structure: None) -> None:
    single = add_candidate(question("011-C", "CCIT"), last_name="Seul")
    doc = store_profession(single, reportlab_pdf(), "p.pdf")
    services.seal(urn("011-C"))
    Path(doc.path).write_bytes(pdf_with_document_js())
    with pytest.raises(RuntimeError, match="altered"):
        Client(raise_request_exception=True).get(
            f"/gestion/candidatures/professions-de-foi/{doc.public_id}.pdf"
        )


class _CountingUpload(io.BytesIO):
    """An upload whose size is not announced, counting the bytes read from it."""

    size = None
    read_bytes = 0

    def read(self, n: int | None = -1) -> bytes:
        data = super().read(n)
        self.read_bytes += len(data)
        return data


def test_review_19_4_profession_is_read_in_bounded_chunks() -> None:
    from scrutin.platform.candidates.professions import read_profession

    upload = _CountingUpload(b"%PDF-1.7\n" + b"x" * 30_000_000)
    with override_settings(SCRUTIN_PROFESSION_MAX_BYTES=100_000):
        with pytest.raises(PdfRejected, match="trop volumineux"):
            read_profession(upload)
        assert upload.read_bytes == 100_001
        announced = SimpleUploadedFile("tract.pdf", b"%PDF-" + b"x" * 200_000)
        with pytest.raises(PdfRejected, match="0,2 Mo pour 0 Mo"):
            read_profession(announced)
        assert announced.tell() == 0  # refused from its announced size, not read


def test_review_19_4_profession_body_above_the_cap_is_refused_before_it_is_read(
    coe_011: Client, media: Path
) -> None:
    g = services.create_groupement(question("011-C", "CCIT"), "Agir")
    with override_settings(SCRUTIN_PROFESSION_MAX_BYTES=10_000):
        response = coe_011.post(f"/gestion/candidatures/groupements/{g.pk}/profession-de-foi/",
                                {"file": SimpleUploadedFile("tract.pdf", b"%PDF-" + b"x" * 200_000)})  # fmt: skip
    assert response.status_code == 413 and "trop volumineux" in response.content.decode()
    assert not ProfessionDeFoi.objects.exists()
