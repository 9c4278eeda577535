"""Realistic annex-7 files for the demo, the tests and the benchmark (every column filled as the
annex describes; about 10 % of electors with an e-mail and 10 % with a mobile number)."""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from . import electors, structure

_LAST = ("MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
         "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
         "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "N'GUYEN")  # fmt: skip
_FIRST = ("Marie", "Jean", "Pierre", "Michel", "André", "Philippe", "Nathalie", "Isabelle",
          "Sylvie", "Catherine", "Françoise", "Éric", "Stéphane", "Céline", "Hélène", "Loïc")  # fmt: skip
_STREETS = ("RUE DE LA RÉPUBLIQUE", "AVENUE JEAN JAURÈS", "BOULEVARD VICTOR HUGO", "RUE DU COMMERCE",
            "PLACE DE LA MAIRIE", "CHEMIN DES VIGNES", "ROUTE DE LYON", "ALLÉE DES TILLEULS")  # fmt: skip
_TOWNS = ("BOURG-EN-BRESSE", "OYONNAX", "AMBÉRIEU-EN-BUGEY", "BELLEY", "GEX", "NANTUA", "TRÉVOUX")
_COMPANY = ("SARL", "SAS", "SA", "EURL", "SASU", "SNC")
_NAF = ("4711B", "4520A", "5610A", "4321A", "6201Z", "4941A", "1071C", "7022Z")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


# The region of a CCI by its department (the first two digits of its code), for the CCIR labels.
_REGIONS = {"01": "Auvergne-Rhône-Alpes", "69": "Auvergne-Rhône-Alpes", "42": "Auvergne-Rhône-Alpes",
            "13": "Provence-Alpes-Côte d'Azur", "29": "Bretagne", "75": "Paris Île-de-France",
            "59": "Hauts-de-France", "33": "Nouvelle-Aquitaine", "67": "Grand Est"}  # fmt: skip


def region_of(cci_code: str) -> str:
    return _REGIONS.get(cci_code[:2], f"du département {cci_code[:2]}")


def _both(code: str, label: str) -> str:
    """The CCIR ballot's title (column P, at most 100 characters): both chambers, by name."""
    title = f"CCI de région {region_of(code)} et {label}"
    return title if len(title) <= 100 else f"CCI de région et {label}"[:100]


def structure_rows(
    ccis: Sequence[tuple[str, str, Sequence[tuple[str, str, str, str, int, int]]]],
) -> list[list[str]]:
    """Rows of a structure file: ``(cci code, label, [(cat, cat label, sub, sub label, ccir, ccit)])``."""
    rows = []
    for code, label, scrutins in ccis:
        for cat, cat_label, sub, sub_label, ccir, ccit in scrutins:
            rows.append([
                code, label, cat, cat_label, sub, sub_label, str(ccir), str(ccit),
                f"Élections des membres de la {label} 2026",
                f"Chambre de commerce et d'industrie de région {region_of(code)}" if ccir else "",
                label, "Sous-catégorie" if sub else "Catégorie",
                f"Membre de la CCI de région {region_of(code)}" if ccir else "", f"Membre de la {label}",
                f"Membre de la {label}",
                _both(code, label) if ccir else "", label,
                ", au 01 02 03 04 05, du lundi au vendredi de 9 h à 18 h", "01 02 03 04 05",
                f"elections@cci{code}.fr", f"www.cci{code}.fr", "false",
            ])  # fmt: skip
    return rows


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]] | Iterator[Sequence[str]],
              *, delimiter: str = ";", encoding: str = "utf-8") -> None:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as fh:
        _write(fh, header, rows, delimiter)


def _write(fh: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]] | Iterator[Sequence[str]],
           delimiter: str) -> None:  # fmt: skip
    writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)


def elector_rows(cci: str, urns: Sequence[tuple[str, str]], count: int, *, seed: int = 2026,
                 start: int = 1) -> Iterator[list[str]]:  # fmt: skip
    """``count`` valid elector rows of CCI ``cci`` spread over ``urns`` ((category, sub-category))."""
    rnd = random.Random(seed)  # noqa: S311 - sample data, not secrets
    for n in range(start, start + count):
        cat, sub = urns[n % len(urns)]
        last, first = rnd.choice(_LAST), rnd.choice(_FIRST)
        civ = rnd.choice(("M.", "MME", "MR", ""))
        born = (
            "01011901"
            if rnd.random() < 0.02
            else (f"{rnd.randint(1, 28):02d}{rnd.randint(1, 12):02d}{rnd.randint(1940, 2004)}")
        )
        company = f"{rnd.choice(_COMPANY)} {last} {rnd.choice(('ET FILS', 'DISTRIBUTION', 'CONSEIL', 'BÂTIMENT'))}"
        street = f"{rnd.randint(1, 180)} {rnd.choice(_STREETS)}"
        town = rnd.choice(_TOWNS)
        cp = f"01{rnd.randint(0, 999):03d}"
        email = (
            f"{_ascii(first)[0]}.{_ascii(last)}{n}@exemple-{cci}.fr" if rnd.random() < 0.1 else ""
        )
        phone = f"06{rnd.randint(10, 38)}{rnd.randint(0, 999999):06d}" if rnd.random() < 0.1 else ""
        dest = f"{civ} {last} {first}".strip()
        yield [
            cci, f"D{n % 3 + 1}", cat, sub, f"{n:010d}", f"K{n:08d}", civ, last, first, born,
            last, "DRO", f"{100 + n % 50:04d}", f"{rnd.randint(100000000, 999999999)}",
            f"{rnd.randint(0, 99999):05d}", company[:38], f"CHEZ {last}"[:38], rnd.choice(_NAF),
            rnd.choice("AB"), dest[:38], "", "", street[:38], "", cp, town, "",
            company[:38], dest[:38], "BÂTIMENT A", street[:38], "", cp, town, "FRANCE",
            email, phone,
        ]  # fmt: skip


STRUCTURE_HEADER = structure.COLUMNS
ELECTORS_HEADER = electors.COLUMNS
