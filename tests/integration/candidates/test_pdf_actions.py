"""Actions in professions de foi (review issue 12.6): an allow-list, not a deny-list. Nothing runs
at opening; a click may only go to a page of the document, turn pages, or open a web or e-mail
address; every other action (another file, a network path, a form sending data, an import,
multimedia, an unknown type), wherever it sits — opening, link, bookmark, form field, chain,
unreferenced object, compressed object stream — is refused in French."""

from __future__ import annotations

import io
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from scrutin.platform.candidates.pdfcheck import ACTION_TYPES, PdfRejected, check_pdf

RECT = ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)])
PLACES = ("open", "link", "bookmark", "field", "next", "unreferenced")


def _name(n: str) -> NameObject:
    return NameObject(n)


def action(kind: str, **extra: Any) -> DictionaryObject:
    d = DictionaryObject({_name("/Type"): _name("/Action"), _name("/S"): _name(kind)})
    for key, value in extra.items():
        d[_name("/" + key)] = value
    return d


def pdf_with(act: DictionaryObject, place: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_blank_page(200, 200)
    page = writer.pages[0]
    if place == "open":
        writer._root_object[_name("/OpenAction")] = writer._add_object(act)
    elif place in ("link", "field"):
        annot = DictionaryObject({_name("/Type"): _name("/Annot"), _name("/Rect"): RECT,
                                  _name("/A"): writer._add_object(act)})  # fmt: skip
        annot[_name("/Subtype")] = _name("/Link" if place == "link" else "/Widget")
        ref = writer._add_object(annot)
        page[_name("/Annots")] = ArrayObject([ref])
        if place == "field":
            annot[_name("/FT")] = _name("/Btn")
            annot[_name("/T")] = TextStringObject("envoyer")
            writer._root_object[_name("/AcroForm")] = DictionaryObject(
                {_name("/Fields"): ArrayObject([ref])}
            )
    elif place == "bookmark":
        item = writer.add_outline_item(title="Programme", page_number=1)
        item.get_object()[_name("/A")] = writer._add_object(act)
    elif place == "next":
        first = action("/GoTo", D=ArrayObject([writer.pages[1].indirect_reference, _name("/Fit")]))
        first[_name("/Next")] = writer._add_object(act)
        annot = DictionaryObject({_name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Link"),
                                  _name("/Rect"): RECT, _name("/A"): writer._add_object(first)})  # fmt: skip
        page[_name("/Annots")] = ArrayObject([writer._add_object(annot)])
    else:
        writer._add_object(act)  # in the file, reached from nothing
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


REFUSED = {
    "gotor-network-path": (action("/GoToR", F=TextStringObject("\\\\serveur\\partage\\a.pdf"),
                                  D=ArrayObject([NumberObject(0), _name("/Fit")])),
                           "un autre fichier ou un chemin réseau"),
    "gotoe": (action("/GoToE", T=DictionaryObject()), "un fichier joint"),
    "submitform": (action("/SubmitForm", F=TextStringObject("https://exemple.invalid/recu")),
                   "envoie des données"),
    "importdata": (action("/ImportData", F=TextStringObject("donnees.fdf")), "importation de données"),
    "rendition": (action("/Rendition", OP=NumberObject(0)), "multimédia"),
    "launch": (action("/Launch", F=TextStringObject("calc.exe")), "lancement de programme"),
    "uri-file": (action("/URI", URI=TextStringObject("file:///etc/passwd")), "adresse web"),
    "uri-unc": (action("/URI", URI=TextStringObject("\\\\serveur\\partage")), "adresse web"),
    "uri-javascript": (action("/URI", URI=TextStringObject("javascript:alert(1)")), "adresse web"),
    "named-print": (action("/Named", N=_name("/Print")), "non admise"),
    "unknown": (action("/Inconnue"), "non admise"),
}  # fmt: skip


@pytest.mark.parametrize("place", [p for p in PLACES if p != "open"])
@pytest.mark.parametrize("name", REFUSED)
def test_review_12_6_refused_actions_wherever_they_are(name: str, place: str) -> None:
    act, message = REFUSED[name]
    with pytest.raises(PdfRejected, match=message):
        check_pdf(pdf_with(act.clone(PdfWriter()), place))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "act",
    [action("/GoTo", D=TextStringObject("programme")), action("/URI", URI=TextStringObject("https://exemple.fr")),
     action("/Named", N=_name("/NextPage"))],
    ids=["goto", "uri", "named"],
)  # fmt: skip
def test_review_12_6_every_action_at_opening_is_refused(act: DictionaryObject) -> None:
    with pytest.raises(PdfRejected, match="actions automatiques"):
        check_pdf(pdf_with(act, "open"))


@pytest.mark.parametrize("place", ["link", "bookmark", "next", "unreferenced"])
@pytest.mark.parametrize(
    "act",
    [action("/GoTo", D=TextStringObject("programme")),
     action("/URI", URI=TextStringObject("https://www.exemple.fr/programme")),
     action("/URI", URI=TextStringObject("mailto:contact@exemple.fr")),
     action("/Named", N=_name("/LastPage"))],
    ids=["goto", "https", "mailto", "named-last-page"],
)  # fmt: skip
def test_review_12_6_navigation_and_web_links_stay(act: DictionaryObject, place: str) -> None:
    assert check_pdf(pdf_with(act, place)).pages == 2


def test_review_12_6_opening_at_a_destination_stays() -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer._root_object[_name("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, _name("/XYZ"), NumberObject(0), NumberObject(0), NumberObject(0)]
    )  # fmt: skip
    out = io.BytesIO()
    writer.write(out)
    assert check_pdf(out.getvalue()).pages == 1


def test_review_12_6_screen_annotation_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    annot = DictionaryObject({_name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Screen"),
                              _name("/Rect"): RECT})  # fmt: skip
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annot)])
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(PdfRejected, match="multimédia"):
        check_pdf(out.getvalue())


def test_review_12_6_remote_action_in_a_compressed_object_stream_refused() -> None:
    """A /GoToR link whose action object is Flate-compressed in an object stream (invisible to
    the raw scan) is found by the object walk."""
    body = b"<< /S /G#6FToR /F (\\\\\\\\serveur\\\\a.pdf) /D [0 /Fit] >>"
    prefix = b"5 0 "
    objstm = zlib.compress(prefix + body)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for n, obj in [(1, b"<< /Type /Catalog /Pages 2 0 R >>"),
                   (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                   (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"),
                   (4, b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A 5 0 R >>")]:  # fmt: skip
        offsets[n] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, obj))
    offsets[6] = out.tell()
    out.write(b"6 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
              % (len(prefix), len(objstm)) + objstm + b"\nendstream\nendobj\n")  # fmt: skip
    offsets[7] = out.tell()
    rows = [b"\x00" + b"\x00" * 4 + b"\xff\xff"]
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in (1, 2, 3, 4)]
    rows.append(b"\x02" + (6).to_bytes(4, "big") + b"\x00\x00")
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in (6, 7)]
    xref = zlib.compress(b"".join(rows))
    out.write(b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
              b"/Length %d >>\nstream\n" % len(xref) + xref + b"\nendstream\nendobj\n")  # fmt: skip
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[7])
    data = out.getvalue()
    assert b"GoToR" not in data
    with pytest.raises(PdfRejected, match="un autre fichier"):
        check_pdf(data)


ALLOWED_KINDS = {"/GoTo", "/URI", "/Named"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(ACTION_TYPES | {"/Inconnue"})),
    place=st.sampled_from(PLACES),
    uri=st.sampled_from(["https://exemple.fr", "http://exemple.fr/a", "mailto:a@exemple.fr",
                         "file:///c:/x", "ftp://exemple.fr", "smb://serveur/x", "exemple.fr"]),
    named=st.sampled_from(["/NextPage", "/PrevPage", "/FirstPage", "/LastPage", "/Print", "/Quit"]),
)  # fmt: skip
def test_review_12_6_only_allow_listed_actions_pass(
    kind: str, place: str, uri: str, named: str
) -> None:
    act = action(kind, D=TextStringObject("programme"), URI=TextStringObject(uri), N=_name(named),
                 F=TextStringObject("autre.pdf"))  # fmt: skip
    allowed = place != "open" and (
        kind == "/GoTo"
        or (kind == "/URI" and uri.split(":")[0] in ("https", "http", "mailto"))
        or (kind == "/Named" and named in ("/NextPage", "/PrevPage", "/FirstPage", "/LastPage"))
    )
    data = pdf_with(act, place)
    if allowed:
        assert check_pdf(data).pages == 2
    else:
        with pytest.raises(PdfRejected, match="Ce PDF contient"):
            check_pdf(data)
