"""The postal letter: one A4 page per voting right (CCTP 4.1.4.1, 5.2.2; layout in docs/material.md).

What the page holds (CCTP 4.1.4.1: the notice and the elector's identification with the
credentials): the CCI's logo and address top left, the elector's address block in the window of a
DL/C5 envelope (:mod:`scrutin.material.postal`), the identifier and the secret code in a
monospace box, whether the birth date will be asked, the voting dates in Paris time, the voting
address, the steps to vote one per line, and the support phone, e-mail and message.

Speed (bench/letters.py): everything that depends only on the kit is drawn once per PDF as a
form XObject (two variants: with and without the birth-date step); each page only places the
form and draws the elector's own text with plain ``drawString`` — no Platypus in the per-letter
path. The PDF is deterministic for the same input (ReportLab's invariant mode).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from scrutin.frenchdates import DAYS, MONTHS, PARIS
from scrutin.pdf import MM, styles

from .kit import LetterKit
from .postal import AddressBlock, PostalAddress, address_block, clean, person_line

PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, RIGHT = 18 * MM, 192 * MM
#: address block origin: 105 mm from the left edge, first baseline 58 mm from the top (window of
#: a DL or C5 envelope: 100 × 45 mm, 20 mm from the right, 15 mm from the bottom; see
#: docs/material.md for the play of the folded sheet in the envelope)
ADDRESS_X, ADDRESS_TOP = 105 * MM, 58 * MM
ADDRESS_SIZE, ADDRESS_LEADING = 9.5, 11.5
FOOTER_X = 120 * MM
SANS, BOLD, MONO, MONO_BOLD = "PV", "PV-Bold", "PV-Mono", "PV-Mono-Bold"


@dataclass(frozen=True)
class LetterData:
    """One elector line as the letter needs it (from the sealed export's CSV row)."""

    identifier: str
    code: str
    birth_date_asked: bool
    civility: str = ""
    family_name: str = ""
    usage_name: str = ""
    first_name: str = ""
    company_name: str = ""
    recipient: str = ""
    complement1: str = ""
    complement2: str = ""
    street: str = ""
    place: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    category: str = ""
    subcategory: str = ""
    category_label: str = ""
    subcategory_label: str = ""

    @property
    def name(self) -> str:
        """The name the elector uses (usage name, else family name)."""
        return clean(self.usage_name) or clean(self.family_name)

    def postal_address(self) -> PostalAddress:
        recipient = clean(self.recipient) or clean(self.company_name)
        if not recipient and self.name:
            recipient = person_line(self.civility, self.first_name, self.name)
        return PostalAddress(
            recipient=recipient, complement1=self.complement1, complement2=self.complement2,
            street=self.street, place=self.place, postal_code=self.postal_code,
            city=self.city, country=self.country,
        )  # fmt: skip

    def block(self) -> AddressBlock:
        return address_block(self.postal_address())


def grouped_code(code: str) -> str:
    """« abcde fghij-klmno » → « ABCDE-FGHIJ-KLMNO » (groups of five, as typed on the site)."""
    plain = re.sub(r"[^0-9A-Za-z]", "", code).upper()
    return "-".join(plain[i : i + 5] for i in range(0, len(plain), 5))


def paris_moment(moment: datetime) -> str:
    """« jeudi 20 novembre 2026 à 9 h », « … à 18 h 30 » (Paris time)."""
    m = moment.astimezone(PARIS)
    day = "1er" if m.day == 1 else str(m.day)
    hour = f"{m.hour} h" if m.minute == 0 else f"{m.hour} h {m.minute:02d}"
    return f"{DAYS[m.weekday()]} {day} {MONTHS[m.month - 1]} {m.year} à {hour}"


def category_text(data: LetterData) -> str:
    category = clean(data.category_label) or (f"catégorie {data.category}" if data.category else "")
    sub = clean(data.subcategory_label) or (
        f"sous-catégorie {data.subcategory}" if data.subcategory else ""
    )
    return " – ".join(p for p in (category, sub) if p)


def _y(top_mm: float) -> float:
    return PAGE_H - top_mm * MM


class _Static:
    """Draws the kit's part of the page once as a form XObject and places it on each page."""

    def __init__(self, canvas: Canvas, kit: LetterKit, specimen: bool) -> None:
        self.canvas, self.kit, self.specimen = canvas, kit, specimen
        self.names: dict[bool, str] = {}

    def place(self, birth_date_asked: bool) -> None:
        name = self.names.get(birth_date_asked)
        if name is None:
            name = self.names[birth_date_asked] = f"static{int(birth_date_asked)}"
            self.canvas.beginForm(name)
            self._draw(birth_date_asked)
            self.canvas.endForm()
        self.canvas.doForm(name)

    def _draw(self, birth_date_asked: bool) -> None:
        c, kit = self.canvas, self.kit
        if self.specimen:
            c.saveState()
            c.setFillGray(0.86)
            c.setFont(BOLD, 80)
            c.translate(PAGE_W / 2, PAGE_H / 2)
            c.rotate(50)
            c.drawCentredString(0, -25, "SPÉCIMEN")
            c.restoreState()
            c.setFont(BOLD, 9)
            c.drawRightString(RIGHT, _y(8), "SPÉCIMEN – épreuve pour le BAT, à ne pas expédier")
        top = 12.0
        if kit.logo_png:
            image = ImageReader(io.BytesIO(kit.logo_png))
            width, height = image.getSize()
            scale = min(45 * MM / width, 20 * MM / height)
            c.drawImage(image, LEFT, _y(top) - height * scale, width * scale, height * scale,
                        mask="auto")  # fmt: skip
            top += 24
        else:
            top += 4
        c.setFillGray(0)
        c.setFont(BOLD, 9.5)
        for line in simpleSplit(kit.cci_label, BOLD, 9.5, 80 * MM)[:3]:
            c.drawString(LEFT, _y(top), line)
            top += 4.3
        c.setFont(SANS, 8.5)
        for line in kit.cci_address:
            c.drawString(LEFT, _y(top), line[:60])
            top += 3.8
        c.setLineWidth(0.4)
        for fold in (99, 198):  # fold marks, A4 in three for a DL envelope
            c.line(3 * MM, _y(fold), 7 * MM, _y(fold))
        self._notice(birth_date_asked)

    def _notice(self, birth_date_asked: bool) -> None:
        c, kit = self.canvas, self.kit
        c.setFont(BOLD, 14)
        c.drawString(LEFT, _y(106), "Élections à la CCI : votre courrier pour voter")
        c.setFont(SANS, 10)
        c.drawString(LEFT, _y(113), "Vous votez par internet, avec les deux codes ci-dessous.")
        c.setLineWidth(1)
        c.roundRect(LEFT, _y(146), RIGHT - LEFT, 29 * MM, 3 * MM)
        c.setFont(SANS, 10.5)
        c.drawString(LEFT + 5 * MM, _y(125), "Votre identifiant :")
        c.drawString(LEFT + 5 * MM, _y(135), "Votre code secret :")
        c.setFont(SANS, 9.5)
        c.drawString(
            LEFT + 5 * MM, _y(142.5),
            "Le site vous demandera aussi votre date de naissance." if birth_date_asked
            else "Le site ne vous demandera pas votre date de naissance.",
        )  # fmt: skip
        c.setFont(BOLD, 9.5)
        c.drawString(LEFT, _y(152), "Gardez votre code secret pour vous. Ne le donnez à personne.")
        c.setFont(SANS, 9.5)
        c.drawString(
            LEFT, _y(157), "Personne ne vous le demandera, ni par téléphone ni par courriel."
        )
        c.setFont(BOLD, 10.5)
        c.drawString(LEFT, _y(165), "Ce courrier est pour :")
        c.drawString(LEFT, _y(189), "Quand voter ?")
        c.setFont(SANS, 10)
        c.drawString(LEFT, _y(195), f"Du {paris_moment(kit.opening)}")
        c.drawString(LEFT, _y(200), f"au {paris_moment(kit.closing)} (heure de Paris).")
        c.setFont(BOLD, 10.5)
        c.drawString(LEFT, _y(209), "Comment voter ?")
        c.setFont(SANS, 10)
        url = kit.voting_url
        steps = [
            f"Allez sur le site : {url}",
            "Tapez votre identifiant.",
            "Tapez votre code secret.",
        ]
        if birth_date_asked:
            steps.append("Tapez votre date de naissance.")
        steps += ["Choisissez votre liste ou vos candidats.", "Vérifiez votre choix.",
                  "Confirmez votre vote.", "Gardez le reçu affiché à l'écran."]  # fmt: skip
        top = 215.0
        for n, step in enumerate(steps, 1):
            c.drawString(LEFT, _y(top), f"{n}.")
            for line in simpleSplit(step, SANS, 10, RIGHT - LEFT - 7 * MM)[:2]:
                c.drawString(LEFT + 7 * MM, _y(top), line)
                top += 5
        top += 2
        c.setFont(BOLD, 10.5)
        c.drawString(LEFT, _y(top), "Besoin d'aide ?")
        c.setFont(SANS, 10)
        support = kit.support
        for label, value in (("Téléphone", support.phone), ("Courriel", support.email)):
            if value:
                top += 5
                c.drawString(LEFT, _y(top), f"{label} : {value}")
        c.setFont(SANS, 9)
        for line in simpleSplit(support.message, SANS, 9, RIGHT - LEFT)[:4]:
            top += 4.5
            c.drawString(LEFT, _y(top), line)
        c.setFont(SANS, 7.5)
        c.setFillGray(0.35)
        c.drawString(LEFT, _y(291), "Gardez ce courrier jusqu'à la fin du vote.")


#: byte → how it is written inside a PDF literal string (ASCII only, as ReportLab does)
_ESCAPE = {i: chr(i) if 32 <= i <= 126 else f"\\{i:03o}" for i in range(256)}
_ESCAPE.update({ord("("): "\\(", ord(")"): "\\)", ord("\\"): "\\\\"})


class _Face:
    """One TrueType font of one PDF, with a fast path for text whose characters already have a
    code in the font's first subset: one ``str.translate`` instead of ReportLab's per-character
    loop. New characters go through ReportLab's own ``splitString`` (which assigns their code)."""

    def __init__(self, name: str, doc: object) -> None:
        from reportlab.pdfbase.pdfmetrics import getFont

        self.font, self.doc = getFont(name), doc
        self.known: set[str] = set()
        self.table: dict[int, str] = {}
        self.first = ""

    def show(self, size: float, text: str) -> str:
        if self.known.issuperset(text):
            return f"{self.first} {size:g} Tf ({text.translate(self.table)}) Tj"
        ops = []
        for subset, chunk in self.font.splitString(text, self.doc):
            name = self.font.getSubsetInternalName(subset, self.doc)
            ops.append(f"{name} {size:g} Tf ({''.join(_ESCAPE[b] for b in chunk)}) Tj")
        self._learn()
        return " ".join(ops)

    def _learn(self) -> None:
        state = self.font.state[self.doc]
        self.first = self.font.getSubsetInternalName(0, self.doc)
        for code, n in state.assignments.items():
            if n < 256 and code not in self.table:
                self.table[code] = _ESCAPE[n]
                self.known.add(chr(code))
        if 32 in self.table:  # splitString prints a non-breaking space as a space
            self.table[0xA0] = self.table[32]
            self.known.add("\u00a0")


class _Writer:
    """Appends text operators to the page directly: one ``BT … ET`` per string, no text object
    per call. This is the per-letter hot path (bench/letters.py measures it)."""

    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.faces = {name: _Face(name, c._doc) for name in (SANS, BOLD, MONO, MONO_BOLD)}

    def text(self, font: str, size: float, x: float, y: float, text: str) -> None:
        face = self.faces[font]
        self.c._code.append(f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm {face.show(size, text)} ET")

    def personal(self, data: LetterData, block: AddressBlock, footer: str) -> None:
        text = self.text
        y = PAGE_H - ADDRESS_TOP
        for line in block.lines:
            text(MONO, ADDRESS_SIZE, ADDRESS_X, y, line)
            y -= ADDRESS_LEADING
        text(MONO, 13, LEFT + 45 * MM, _y(125.3), data.identifier)
        text(MONO_BOLD, 16, LEFT + 45 * MM, _y(135.5), grouped_code(data.code))
        top = 170.5
        person = person_line(data.civility, data.first_name, data.name)
        for line in (person, clean(data.company_name), category_text(data)):
            if line:
                text(SANS, 10, LEFT, _y(top), line[:90])
                top += 4.8
        self.c._code.append("0.35 g")
        text(SANS, 7.5, FOOTER_X, _y(291), footer)
        self.c._code.append("0 g")


def fonts() -> None:
    """Registers the embedded DejaVu fonts (the house ones and the bold monospace)."""
    styles()
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from scrutin.pdf import FONT_DIR

    if MONO_BOLD not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(MONO_BOLD, str(FONT_DIR / "DejaVuSansMono-Bold.ttf")))


Notes = list[tuple[str, tuple[str, ...]]]


def render(kit: LetterKit, letters: Iterable[LetterData], out: BinaryIO, *,
           specimen: bool = False, batch: int = 1, total: int | None = None,
           notes: Notes | None = None) -> int:  # fmt: skip
    """Write one A4 page per letter into ``out``; returns the number of pages.

    ``specimen`` prints a visible « SPÉCIMEN » mark across each page (BAT proof). ``batch`` and
    ``total`` only feed the small footer line (« lot 0001 · 12 / 1000 ») the print shop checks.
    ``notes`` receives (identifier, notes) for each address block that had to be changed.
    """
    fonts()
    saved = rl_config.useA85
    rl_config.useA85 = 0  # binary compressed streams: ASCII85 costs a third of the time
    try:
        return _render(kit, letters, out, specimen=specimen, batch=batch, total=total, notes=notes)
    finally:
        rl_config.useA85 = saved


def _render(kit: LetterKit, letters: Iterable[LetterData], out: BinaryIO, *,
            specimen: bool, batch: int, total: int | None, notes: Notes | None) -> int:  # fmt: skip
    c = Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(f"Courriers de vote – {kit.cci_label}" + (" – spécimen" if specimen else ""))
    c.setAuthor(kit.cci_label)
    c.setCreator("Scrutin")
    static, writer = _Static(c, kit, specimen), _Writer(c)
    pages = 0
    for data in letters:
        pages += 1
        static.place(data.birth_date_asked)
        count = f"{pages} / {total}" if total else str(pages)
        block = data.block()
        if notes is not None and block.notes:
            notes.append((data.identifier, block.notes))
        writer.personal(data, block, f"lot {batch:04d} · {count} · {data.identifier}")
        c.showPage()
    if pages == 0:
        raise ValueError("no letter to render")
    c.save()
    return pages


def text_width(text: str, size: float = ADDRESS_SIZE) -> float:
    """Width in millimetres of ``text`` in the address block's font (layout tests)."""
    fonts()
    return float(stringWidth(text, MONO, size)) / MM
