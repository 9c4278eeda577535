"""The house style of Scrutin's printed documents (procès-verbaux, printouts), framework-free.

Shared by the platform's procès-verbal (:mod:`scrutin.platform.tally.minutes`) and the voting
machine's printouts (:mod:`scrutin.machine.printouts`): DejaVu fonts embedded (they cover every
Latin name; Helvetica's encoding does not: Ł, ễ, ğ…), paragraph styles, numbers and dates as
French readers write them, tables, and a canvas that makes the bytes deterministic — ReportLab's
invariant mode (fixed document ID), a creation date taken from the document's own data, and on
every page the section's label, « page n / N » and a fingerprint line.

DejaVu fonts come from ``fonts-dejavu-core``, installed by ``scripts/install-system.sh``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from scrutin.frenchdates import long_date

PARIS = ZoneInfo("Europe/Paris")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"PV": "DejaVuSans.ttf", "PV-Bold": "DejaVuSans-Bold.ttf",
         "PV-Oblique": "DejaVuSans-Oblique.ttf", "PV-Mono": "DejaVuSansMono.ttf"}  # fmt: skip
MM = 72 / 25.4
WIDTH = 174 * MM  # A4 minus 18 mm margins
LINE = "_" * 98


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    """Registers the embedded fonts (once) and returns the paragraph styles by name."""
    for name, file in FONTS.items():
        path = FONT_DIR / file
        if not path.is_file():
            raise RuntimeError(f"Police {path} introuvable : installez le paquet fonts-dejavu-core "
                               "(scripts/install-system.sh) pour éditer les procès-verbaux.")  # fmt: skip
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily("PV", normal="PV", bold="PV-Bold", italic="PV-Oblique",
                                  boldItalic="PV-Bold")  # fmt: skip
    base = ParagraphStyle("pv", fontName="PV", fontSize=9, leading=11.5, spaceAfter=3)
    cell = ParagraphStyle("cell", base, fontSize=8.5, leading=10.5, spaceAfter=0)
    return {
        "p": base,
        "title": ParagraphStyle("title", base, fontName="PV-Bold", fontSize=15, leading=19, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10.5, leading=13.5, alignment=TA_CENTER),
        "h": ParagraphStyle("h", base, fontName="PV-Bold", fontSize=11, leading=14, spaceBefore=9, spaceAfter=4, keepWithNext=1),
        "note": ParagraphStyle("note", base, fontName="PV-Oblique", fontSize=8, leading=10),
        "cell": cell,
        "cellb": ParagraphStyle("cellb", cell, fontName="PV-Bold"),
        "cellbr": ParagraphStyle("cellbr", cell, fontName="PV-Bold", alignment=TA_RIGHT),
        "h2": ParagraphStyle("h2", base, fontName="PV-Bold", spaceBefore=6, keepWithNext=1),
        "mono": ParagraphStyle("mono", cell, fontName="PV-Mono", fontSize=7.4, leading=9.5),
    }  # fmt: skip


# --- text ------------------------------------------------------------------------------------


def number(value: int) -> str:
    """1 500 (non-breaking space between thousands)."""
    return f"{value:,}".replace(",", "\u00a0")


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    return f"{number(n)} {(plural_form or word + 's') if n > 1 else word}"


def moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso).astimezone(PARIS) if iso else None


def when(iso: str | None) -> str:
    """mardi 27 octobre 2026 à 18 h 00 (Paris time, whatever offset the document used)."""
    m = moment(iso)
    return "non renseigné" if m is None else long_date(m)


def esc(text: object) -> str:
    return escape(str(text))


def para(text: str, style: str = "p") -> Paragraph:
    return Paragraph(text, styles()[style])


def table(rows: list[list[Any]], widths: list[float], *, header: bool = True,
          right: tuple[int, ...] = (), shade: bool = True) -> Table:  # fmt: skip
    """A grid; ``widths`` in millimetres; the header row repeats on each page."""
    if header:
        head = [para(esc(h), "cellbr" if i in right else "cellb") for i, h in enumerate(rows[0])]
        rows = [head, *rows[1:]]
    grid = Table(rows, colWidths=[w * MM for w in widths], repeatRows=1 if header else 0, hAlign="LEFT")  # fmt: skip
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), "PV", 8.5), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *[("ALIGN", (c, 0), (c, -1), "RIGHT") for c in right],
    ]  # fmt: skip
    if header or shade:
        last = (-1, 0) if header else (0, -1)
        style.append(("BACKGROUND", (0, 0), last, colors.HexColor("#ececec")))
    grid.setStyle(TableStyle(style))
    return grid


def pairs(rows: list[tuple[str, Any]], left: float = 62) -> Table:
    """Label / value rows (a value given as text is a paragraph)."""
    cells = [[para(esc(k), "cellb"), para(v, "cell") if isinstance(v, str) else v] for k, v in rows]
    return table(cells, [left, 174 - left], header=False)


def space() -> Spacer:
    return Spacer(1, 2 * MM)


# --- document --------------------------------------------------------------------------------


class Section(Flowable):  # type: ignore[misc]
    """Zero-size flowable naming the part whose pages follow (for the footer)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def wrap(self, *_: Any) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        self.canv.scrutin_section = self.label


def pdf_date(iso: str | None) -> str:
    """A PDF creation date from an ISO moment, with its offset (D:YYYYMMDDHHmmSS+HH'mm')."""
    m = datetime.fromisoformat(iso) if iso else datetime(2000, 1, 1, tzinfo=PARIS)
    minutes = int((m.utcoffset() or timedelta()).total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"D:{m:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def numbered_canvas(created: str, bottom: str) -> type[Canvas]:
    """A canvas class that dates the PDF ``created`` and draws, on every page once their number
    is known, the current :class:`Section` label, « page n / N » and the line ``bottom``."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: created)
            self.scrutin_section = ""
            self.pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self.pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for n, state in enumerate(self.pages, 1):
                self.__dict__.update(state)
                self.setFont("PV", 7)
                self.setFillGray(0.35)
                self.drawString(18 * MM, 10 * MM, state["scrutin_section"][:110])
                self.drawRightString(192 * MM, 10 * MM, f"page {n} / {len(self.pages)}")
                self.drawString(18 * MM, 6.5 * MM, bottom)
                super().showPage()
            super().save()

    return NumberedCanvas
