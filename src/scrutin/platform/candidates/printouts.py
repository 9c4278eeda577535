"""Print-outs for the COE (CCTP 4.1.3): the electoral list, the candidatures and the list of
professions de foi of an urn, as PDF (ReportLab, like ``electoral.control``).

``invariant=True`` gives byte-identical output for the same data and ``produced_at``
(ReportLab's invariant mode: fixed document ID and a creation date of 2000-01-01 UTC), which
the golden-file tests use.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from django.utils import timezone

from ..electoral.models import Urn
from ..jobs import Progress
from .models import Candidate, Groupement, ProfessionDeFoi
from .services import current_seal, ordered_entries

CHUNK = 60  # rows per table: ReportLab splits long tables slowly
READ_SHARE = 40  # % of a long list's progress bar given to reading its rows, the rest to layout


def _urn_title(urn: Urn) -> str:
    sub = f" — {urn.subcategory_label}" if urn.subcategory_label else ""
    return f"{urn.cci.label} ({urn.cci_id}) — {urn.category_type_label} {urn.category.label}{sub}"


def build_progress(progress: Progress | None, start: int) -> Callable[[str, int], None]:
    """A ReportLab progress callback reporting the layout of the flowables from ``start`` % to
    100 % (the rows were read before, up to ``start`` %)."""
    total = 1

    def report(kind: str, value: int) -> None:
        nonlocal total
        if kind == "SIZE_EST":
            total = max(value, 1)
        elif kind == "PROGRESS" and progress is not None:
            progress(start * total + (100 - start) * value, 100 * total)

    return report


def _build(title: str, urn: Urn, produced_at: datetime | None, invariant: bool,
           body: Iterable[Any], landscape_page: bool = False, *, out: BinaryIO | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """The PDF, written to ``out`` when given (a job's file; then ``b""`` is returned)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        out or buffer, pagesize=landscape(A4) if landscape_page else A4,
        title=f"{title} — {urn.code}", author="Scrutin", leftMargin=15 * mm, rightMargin=15 * mm,
        invariant=1 if invariant else 0,
    )  # fmt: skip
    doc.setProgressCallBack(build_progress(progress, READ_SHARE))
    styles = getSampleStyleSheet()
    produced = timezone.localtime(produced_at or timezone.now()).strftime("%d/%m/%Y à %H:%M")
    seal = current_seal(urn)
    state = (f"Candidatures scellées le {timezone.localtime(seal.sealed_at):%d/%m/%Y à %H:%M}, "
             f"empreinte SHA-256 {seal.fingerprint}." if seal else "Candidatures non scellées.")  # fmt: skip
    story = [
        Paragraph(escape(f"{title} — scrutin {urn.code}"), styles["Title"]),
        Paragraph(escape(_urn_title(urn)), styles["Normal"]),
        Paragraph(escape(f"Éditée le {produced} (heure de Paris). {state}"), styles["Normal"]),
        Spacer(1, 5 * mm),
        *body,
    ]
    doc.build(story)
    return b"" if out else buffer.getvalue()


def tables(header: list[str], rows: list[list[Any]], widths: list[float]) -> list[Any]:
    """``rows`` as tables of ``CHUNK`` rows each under ``header`` (one long table is slow)."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    style = TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
    ])  # fmt: skip
    out = []
    for start in range(0, max(len(rows), 1), CHUNK):
        table = Table([header, *rows[start : start + CHUNK]], colWidths=widths, repeatRows=1)
        table.setStyle(style)
        out.append(table)
    return out


def _p(text: str) -> Any:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph

    style = getSampleStyleSheet()["Normal"].clone("cell", fontSize=8, leading=10)
    return Paragraph(escape(text), style)


def electors_pdf(urn: Urn, *, produced_at: datetime | None = None, invariant: bool = False,
                 out: BinaryIO | None = None, progress: Progress | None = None) -> bytes:  # fmt: skip
    """The electoral list of an urn: number, name, company, postal address. Long lists are built
    by a job (``documents``) into ``out`` with its ``progress``."""
    from reportlab.lib.units import mm

    rows = []  # plain strings, not Paragraphs: about 10 times faster for long lists
    total = urn.electors.count() if progress else 0
    columns = ("number", "civility", "usage_name", "first_name", "company_name", "postal_street",
               "postal_place", "postal_code", "postal_city")  # fmt: skip
    electors = urn.electors.order_by("number").values_list(*columns)
    for number, civility, usage, first, company, street, place, code, city in electors.iterator(
        chunk_size=2000
    ):
        name = f"{civility} {usage} {first}".strip()
        town = f"{code} {city}".strip()
        address = "\n".join(x for x in (street, place, town) if x)
        rows.append([number, name, company, address])
        if progress and len(rows) % 2000 == 0:
            progress(READ_SHARE * len(rows), 100 * total)
    body = [*tables(["Numéro", "Électeur", "Entreprise", "Adresse"], rows,
                     [28 * mm, 80 * mm, 62 * mm, 97 * mm]),
            _p(f"{len(rows)} électeur{'s' if len(rows) > 1 else ''} inscrit{'s' if len(rows) > 1 else ''}.")]  # fmt: skip
    return _build("Liste électorale", urn, produced_at, invariant, body, landscape_page=True,
                  out=out, progress=progress)  # fmt: skip


def _candidate_cells(c: Candidate, rank: str) -> list[Any]:
    sub = c.substitute_display
    if sub and c.substitute_same_sex:
        sub += " (même sexe que le candidat : à vérifier)"
    return [rank, _p(str(c)), c.birth_date.strftime("%d/%m/%Y"),
            _p(", ".join(x for x in (c.activity, c.town, c.delegation) if x)), _p(sub or "—")]  # fmt: skip


def candidatures_pdf(urn: Urn, *, produced_at: datetime | None = None,
                     invariant: bool = False) -> bytes:  # fmt: skip
    """Every ballot of the urn with its groupements and individual candidacies, in order."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    styles = getSampleStyleSheet()
    body: list[Any] = []
    widths = [14 * mm, 50 * mm, 22 * mm, 48 * mm, 46 * mm]
    header = ["Rang", "Candidat", "Naissance", "Activité, commune, délégation", "Suppléant"]
    for question in urn.questions.order_by("position"):
        body.append(Paragraph(escape(f"{question.title} — {question.seats} siège"
                                     f"{'s' if question.seats > 1 else ''}"), styles["Heading2"]))  # fmt: skip
        entries = ordered_entries(question)
        if not entries:
            body.append(Paragraph("Aucune candidature.", styles["Normal"]))
        for entry in entries:
            if isinstance(entry, Groupement):
                members = list(entry.candidates.order_by("position"))
                body.append(Paragraph(escape(
                    f"{entry.registration}. Groupement « {entry.name} » — {len(members)} candidat"
                    f"{'s' if len(members) > 1 else ''} pour {question.seats} siège{'s' if question.seats > 1 else ''}"
                ), styles["Heading4"]))  # fmt: skip
                rows = [_candidate_cells(c, str(c.position)) for c in members]
            else:
                body.append(
                    Paragraph(f"{entry.registration}. Candidature individuelle", styles["Heading4"])
                )
                rows = [_candidate_cells(entry, "—")]
            body.extend(tables(header, rows, widths))
        body.append(Spacer(1, 4 * mm))
    return _build("Candidatures", urn, produced_at, invariant, body)


def professions_pdf(urn: Urn, *, produced_at: datetime | None = None,
                    invariant: bool = False) -> bytes:  # fmt: skip
    """The professions de foi deposited for the urn: owner, file, pages, size, SHA-256."""
    from reportlab.lib.units import mm

    rows = []
    docs = ProfessionDeFoi.objects.filter(
        groupement__question__urn=urn
    ) | ProfessionDeFoi.objects.filter(candidate__question__urn=urn)
    for doc in docs.select_related("groupement__question", "candidate__question").order_by("pk"):
        rows.append([doc.question.kind, _p(doc.owner_label), _p(doc.filename), str(doc.pages),
                     f"{doc.size / 1024:.0f} Ko", f"{doc.sha256[:32]}\n{doc.sha256[32:]}"])  # fmt: skip
    body = tables(["Bulletin", "Groupement ou candidat", "Fichier", "Pages", "Taille", "SHA-256"],
                   rows, [16 * mm, 45 * mm, 40 * mm, 12 * mm, 15 * mm, 52 * mm])  # fmt: skip
    return _build("Professions de foi", urn, produced_at, invariant, body)
