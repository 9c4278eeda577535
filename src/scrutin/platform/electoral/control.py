"""The control list of each CELE (CCTP 4.1.2): per urn, the number of electors taken into account
and a fingerprint of the list, as CSV and PDF, so the CELE can check that no one was left out."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..csvexport import csv_text
from . import fingerprints
from .models import Cci, ImportRun


@dataclass(frozen=True)
class ControlLine:
    urn_code: str
    category: str
    subcategory: str
    count: int
    fingerprint: str


@dataclass(frozen=True)
class ControlList:
    cci: Cci
    lines: list[ControlLine]
    last_import: ImportRun | None
    produced_at: datetime

    @property
    def total(self) -> int:
        return sum(line.count for line in self.lines)


def control_list(cci: Cci) -> ControlList:
    lines = []
    urns = list(cci.urns.select_related("category").order_by("code"))
    stored = fingerprints.stored(urns)  # written when the list changed: nothing re-hashed here
    for urn in urns:
        count, fingerprint = stored[urn.id]
        lines.append(
            ControlLine(urn.code, urn.category.label, urn.subcategory_label, count, fingerprint)
        )
    last = (
        ImportRun.objects.filter(
            cci=cci, kind=ImportRun.Kind.ELECTORS, status=ImportRun.Status.ACCEPTED
        )
        .order_by("-created_at")
        .first()
    )
    return ControlList(cci, lines, last, timezone.now())


HEADER = [
    "urne",
    "catégorie",
    "sous-catégorie",
    "électeurs pris en compte",
    "empreinte SHA-256 de la liste",
]


def control_csv(data: ControlList) -> str:
    rows: list[list[object]] = [
        [line.urn_code, line.category, line.subcategory, line.count, line.fingerprint]
        for line in data.lines
    ]
    return csv_text(HEADER, [*rows, ["TOTAL", "", "", data.total, ""]])


def control_pdf(data: ControlList) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=f"Liste de contrôle — {data.cci.label}",
                            author="Scrutin", leftMargin=15 * mm, rightMargin=15 * mm)  # fmt: skip
    styles = getSampleStyleSheet()
    produced = timezone.localtime(data.produced_at).strftime("%d/%m/%Y à %H:%M")
    story = [
        Paragraph(
            f"Liste de contrôle des électeurs — {data.cci.label} ({data.cci.code})", styles["Title"]
        ),
        Paragraph(
            f"Éditée le {produced} (heure de Paris). CCTP 4.1.2 : nombre d'électeurs pris en compte "
            "et empreinte de la liste de chaque urne.",
            styles["Normal"],
        ),
    ]
    if data.last_import is not None:
        story.append(Paragraph(f"Dernier fichier importé : {data.last_import.filename} — SHA-256 "
                               f"{data.last_import.sha256}", styles["Normal"]))  # fmt: skip
    story.append(Spacer(1, 6 * mm))
    rows: list[list[str]] = [HEADER]
    rows += [[ln.urn_code, ln.category, ln.subcategory, f"{ln.count:,}".replace(",", " "), ln.fingerprint]
             for ln in data.lines]  # fmt: skip
    rows.append(["TOTAL", "", "", f"{data.total:,}".replace(",", " "), ""])
    table = Table(rows, repeatRows=1, colWidths=[28 * mm, 40 * mm, 45 * mm, 35 * mm, 115 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("FONT", (4, 1), (4, -1), "Courier", 7), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
    ]))  # fmt: skip
    story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            "Empreinte : SHA-256 des lignes de l'urne dans l'ordre du fichier (les électeurs ajoutés ensuite "
            "à la fin, par numéro), chaque ligne étant ses 37 valeurs telles qu'enregistrées, séparées par le "
            "caractère U+001F et terminées par un saut de ligne, encodées en UTF-8. Voir le guide "
            "« Importer les électeurs ».",
            styles["Normal"],
        )
    )
    doc.build(story)
    return buffer.getvalue()
