"""The letter page (CCTP 4.1.4.1, 5.2.2): what a voter reads on it, checked in the PDF's text."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from scrutin.material.kit import LetterKit
from scrutin.material.letter import grouped_code, paris_moment, render, text_width

from .helpers import OPENING, elector, kit_doc


def pdf_text(data: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    path = tmp_path / "letters.pdf"
    path.write_bytes(data)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_cctp_4_1_4_1_letter_shows_credentials_dates_address_and_support(tmp_path: Path) -> None:
    kit = LetterKit.from_document(kit_doc())
    out = io.BytesIO()
    assert render(kit, [elector(7, code="abcdefghjkmnpqr")], out) == 1
    text = pdf_text(out.getvalue(), tmp_path)
    assert "7500000000007" in text
    assert "ABCDE-FGHJK-MNPQR" in text  # grouped by five, as typed on the site
    assert "Du jeudi 19 novembre 2026 à 9 h" in text
    assert "au mercredi 2 décembre 2026 à 18 h (heure de Paris)." in text
    assert "https://vote.example.fr/" in text
    assert "Le site vous demandera aussi votre date de naissance." in text
    assert "01 23 45 67 89" in text and "assistance@cci-paris.fr" in text
    assert "CCI Paris Île-de-France" in text and "27 avenue de Friedland" in text
    for line in ("BOULANGERIE ELODIE", "12 RUE DE L EGLISE", "75011 PARIS"):
        assert line in text
    assert "Mme Élodie DURAND" in text and "SPÉCIMEN" not in text


def test_birth_date_step_only_when_it_is_asked(tmp_path: Path) -> None:
    kit = LetterKit.from_document(kit_doc())
    out = io.BytesIO()
    render(kit, [elector(1, birth_date_asked=False), elector(2)], out)
    first, second = pdf_text(out.getvalue(), tmp_path).split("\f")[:2]
    assert "ne vous demandera pas votre date de naissance" in first
    assert "Tapez votre date de naissance." not in first
    assert "Tapez votre date de naissance." in second


def test_specimen_mark_for_the_bat_proof(tmp_path: Path) -> None:
    out = io.BytesIO()
    render(LetterKit.from_document(kit_doc()), [elector()], out, specimen=True)
    assert "SPÉCIMEN" in pdf_text(out.getvalue(), tmp_path, layout=False)


def test_one_page_per_letter_and_same_bytes_for_same_input(tmp_path: Path) -> None:
    kit = LetterKit.from_document(kit_doc())
    first, second = io.BytesIO(), io.BytesIO()
    letters = [elector(n) for n in range(1, 31)]
    assert render(kit, letters, first) == 30
    render(kit, letters, second)
    assert first.getvalue() == second.getvalue()
    pages = pdf_text(first.getvalue(), tmp_path).split("\f")
    assert sum(1 for page in pages if page.strip()) == 30
    assert "7500000000030" in pages[29]


def test_paris_time_and_code_grouping() -> None:
    assert paris_moment(OPENING) == "jeudi 19 novembre 2026 à 9 h"
    assert paris_moment(OPENING.replace(minute=30, day=1)) == "dimanche 1er novembre 2026 à 9 h 30"
    assert grouped_code("abcde fghjk-mnpqr") == "ABCDE-FGHJK-MNPQR"


def test_nf_z_10_011_address_block_stays_inside_the_envelope_window() -> None:
    """DL/C5 window 100 × 45 mm, 20 mm from the right and 15 mm from the bottom of a 220 × 110
    envelope; the A4 sheet folded in three can move 10 mm sideways and 11 mm up or down in it:
    the block must stay within 100–190 mm from the left and 50–84 mm from the top."""
    from scrutin.material.letter import ADDRESS_LEADING, ADDRESS_SIZE, ADDRESS_TOP, ADDRESS_X, MM

    left = ADDRESS_X / MM
    right = left + text_width("W" * 38)
    top = ADDRESS_TOP / MM - ADDRESS_SIZE * 0.8 / MM  # cap height above the first baseline
    bottom = ADDRESS_TOP / MM + 5 * ADDRESS_LEADING / MM + ADDRESS_SIZE * 0.25 / MM
    assert left >= 100 and right <= 190, (left, right)
    assert top >= 50 and bottom <= 84, (top, bottom)


def test_first_page_rendered_only_the_address_shows_through_the_window(tmp_path: Path) -> None:
    """Rendered by poppler (pdftoppm): in the whole zone a DL window can cover when the folded
    sheet moves in the envelope (100–190 mm from the left, 39–95 mm from the top), the only ink is
    the address block; the block has ink on each of its six lines."""
    from PIL import Image

    kit = LetterKit.from_document(kit_doc())
    pdf = tmp_path / "lettre.pdf"
    full = elector(1, complement1="SERVICE COMPTABILITE FOURNISSEURS", complement2="BATIMENT B",
                   place="BP 12", street="128 AVENUE DU GENERAL DE GAULLE")  # fmt: skip
    with pdf.open("wb") as fh:
        render(kit, [full], fh)
    subprocess.run(["pdftoppm", "-r", "60", "-gray", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    image = Image.open(tmp_path / "page.pgm")
    per_mm = image.width / 210

    def ink(left: float, top: float, right: float, bottom: float) -> int:
        box = [round(v * per_mm) for v in (left, top, right, bottom)]
        return sum(image.crop(box).point(lambda v: 255 if v < 160 else 0).histogram()[255:])

    assert len(full.block().lines) == 6
    assert ink(100, 39, 190, 95) == ink(104, 53, 184, 81) > 0  # nothing else in the window zone
    for line in range(6):  # each line of the block has ink (first baseline 58 mm, 4.06 mm apart)
        top = 58 - 3 + line * 4.06
        assert ink(104, top, 184, top + 3) > 0, line
