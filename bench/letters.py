"""Benchmark: postal letters for the print shop (issue 14, CCTP 5.2.2) — letters per second on 2 cores.

Builds a sealed credential export of N synthetic electors (Scrutin's real ``ExportWriter``) and a
signed kit, then runs Scrutin's real production (``scrutin.material.production.produce``: two
streaming passes over the export, NumPy sort, encrypted buckets, 2 worker processes, batches of
1,000, manifest hashes) in a child process and reports its letters per second and peak memory
(main process and workers). In the same run it measures a baseline: the same letter written the
naive way with ReportLab's Platypus (one Paragraph per line, one document per 2 processes), and
prints the ratio ours / baseline and the projection for 2,000,000 letters (target: < 40 min).

    .venv/bin/python bench/letters.py            # 20,000 letters
    .venv/bin/python bench/letters.py --quick    # 4,000 letters
    .venv/bin/python bench/letters.py -n 100000  # any size

Needs no database. Memory flat: the peak RSS is printed for N and for N/4; only the compact sort
keys (about 8 bytes of position + 80 bytes of key per letter) grow with N.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

PARIS = ZoneInfo("Europe/Paris")
TARGET_SECONDS = 40 * 60
FULL = 2_000_000
NAMES = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
         "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX"]  # fmt: skip
FIRST = ["Jean", "Marie", "Élodie", "François", "Nathalie", "Pierre", "Sophie", "Loïc", "Chloé"]
STREETS = [
    "RUE DE LA RÉPUBLIQUE",
    "AVENUE JEAN JAURÈS",
    "BOULEVARD VICTOR HUGO",
    "PLACE DE L'ÉGLISE",
]
CITIES = [("75011", "Paris"), ("69002", "Lyon"), ("13001", "Marseille"), ("33000", "Bordeaux"),
          ("59000", "Lille"), ("42000", "Saint-Étienne"), ("97400", "Saint-Denis")]  # fmt: skip
URNS = [("1", "", "Commerce", ""), ("2", "", "Industrie", ""),
        ("3", "01", "Services", "moins de 10 salariés"), ("3", "02", "Services", "10 salariés et plus")]  # fmt: skip


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_rows(n: int, seed: int = 14) -> list[list[str]]:
    from scrutin.material.production import COLUMNS

    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name, first = rng.choice(NAMES), rng.choice(FIRST)
        code, city = rng.choice(CITIES)
        cat, sub, cat_label, sub_label = rng.choice(URNS)
        company = f"{name} ET FILS {i % 997}"
        cells = {
            "identifiant": f"750{i:010d}",
            "code": "-".join("".join(rng.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(5))
                             for _ in range(3)),
            "date_de_naissance_demandee": "oui" if i % 4 else "non", "civilite": rng.choice(["M.", "MME"]),
            "nom": name, "prenom": first, "raison_sociale": company, "destinataire": company,
            "complement1": f"{'MME' if i % 2 else 'M.'} {first.upper()} {name}" if i % 3 == 0 else "",
            "voie": f"{rng.randint(1, 200)} {rng.choice(STREETS)}", "code_postal": code,
            "localite": city, "categorie": cat, "sous_categorie": sub, "libelle_categorie": cat_label,
            "libelle_sous_categorie": sub_label, "nom_de_famille": name,
        }  # fmt: skip
        rows.append([cells.get(c, "") for c in COLUMNS])
    return rows


def kit_document(fingerprint: str, batch_size: int) -> dict[str, Any]:
    from scrutin.material.kit import kit_document as build

    now = datetime.now(UTC)
    return build(
        cci_code="750", cci_label="CCI Paris Île-de-France",
        cci_address=["27 avenue de Friedland", "75008 Paris"], voting_url="https://vote.example.fr/",
        opening=datetime(2026, 11, 19, 9, tzinfo=PARIS), closing=datetime(2026, 12, 2, 18, tzinfo=PARIS),
        support={"phone": "01 23 45 67 89", "email": "assistance@cci-paris.fr",
                 "message": "Du lundi au vendredi, de 9 h à 18 h. Appel non surtaxé."},
        mode="reroute", batch_size=batch_size, reroute_address=["COE CCI PARIS", "75008 PARIS"],
        recipient_fingerprint=fingerprint, issued_at=now, coe=("Jeanne Martin", now),
        national=("Paul Durand", now),
    )  # fmt: skip


def prepare(work: Path, n: int) -> dict[str, Any]:
    from scrutin.material.kit import LetterKit
    from scrutin.platform.credentials import export

    private, public = export.generate_keypair()
    path = work / f"export-{n}.scrutin-identifiants"
    with path.open("wb") as fh:
        writer = export.ExportWriter(fh, public)
        for row in make_rows(n):
            writer.write_row(row)
        writer.close()
    kit = kit_document(export.key_fingerprint(public), 1000)
    LetterKit.from_document(kit)
    return {"export": str(path), "private": private.hex(), "kit": kit}


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child(spec_path: str) -> None:
    """Run the real production once and print its figures as JSON (own process: clean RSS)."""
    from scrutin.material.kit import LetterKit
    from scrutin.material.letter import fonts
    from scrutin.material.production import produce
    from scrutin.platform.credentials.export import read_rows

    spec = json.loads(Path(spec_path).read_text())
    kit = LetterKit.from_document(spec["kit"])
    private = bytes.fromhex(spec["private"])
    out = Path(spec["out"])
    fonts()
    before = rss_mb()
    cpu_before = _cpu()
    started = time.perf_counter()
    result = produce(kit, lambda: read_rows(Path(spec["export"]), private), out, workers=2)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.glob("*.pdf"))
    cpu = _cpu() - cpu_before  # the production only, not the interpreter's start and imports
    print(json.dumps({
        "letters": result.total, "seconds": seconds, "batches": len(result.batches), "cpu": cpu,
        "passes_cpu": result.passes_cpu,
        "rss_before_mb": before, "rss_after_mb": rss_mb(),
        "peak_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "pdf_bytes_per_letter": size / max(1, result.total),
    }))  # fmt: skip


def ours(work: Path, n: int) -> dict[str, Any]:
    spec = prepare(work, n) | {"out": str(work / f"lots-{n}")}
    spec_path = work / f"spec-{n}.json"
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run([sys.executable, __file__, "--child", str(spec_path)], check=True,
                          capture_output=True, text=True)  # fmt: skip
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _naive_part(args: tuple[dict[str, Any], list[list[str]]]) -> int:
    """The baseline: the same letter with Platypus, one Paragraph per line, one PageBreak each."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    from scrutin.material.kit import LetterKit
    from scrutin.material.letter import category_text, paris_moment
    from scrutin.material.production import letter_from_row
    from scrutin.pdf import MM, styles

    kit_doc, rows = args
    kit = LetterKit.from_document(kit_doc)
    st = styles()
    p, h, mono = st["p"], st["h"], st["mono"]
    story: list[Any] = []
    for row in rows:
        data = letter_from_row(row)
        story += [Paragraph(f"<b>{kit.cci_label}</b>", p), *[Paragraph(a, p) for a in kit.cci_address],
                  Spacer(1, 20 * MM), *[Paragraph(line, mono) for line in data.block().lines],
                  Spacer(1, 20 * MM), Paragraph("Élections à la CCI : votre courrier pour voter", h),
                  Paragraph(f"Votre identifiant : {data.identifier}", p),
                  Paragraph(f"Votre code secret : {data.code}", p),
                  Paragraph(category_text(data), p),
                  Paragraph(f"Du {paris_moment(kit.opening)} au {paris_moment(kit.closing)}", p),
                  *[Paragraph(f"{i}. {s}", p) for i, s in enumerate(
                      [f"Allez sur le site : {kit.voting_url}", "Tapez votre identifiant.",
                       "Tapez votre code secret.", "Choisissez votre liste ou vos candidats.",
                       "Vérifiez votre choix.", "Confirmez votre vote."], 1)],
                  Paragraph(f"Téléphone : {kit.support.phone}", p),
                  Paragraph(f"Courriel : {kit.support.email}", p),
                  Paragraph(kit.support.message, p), PageBreak()]  # fmt: skip
    SimpleDocTemplate(io.BytesIO(), pagesize=A4).build(story)
    return len(rows)


def baseline(n: int) -> dict[str, Any]:
    from scrutin.material.letter import fonts

    fonts()
    rows = make_rows(n, seed=15)
    kit = kit_document("a" * 64, 1000)
    halves = [(kit, rows[: n // 2]), (kit, rows[n // 2 :])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        letters = sum(pool.map(_naive_part, halves))
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"letters": letters, "seconds": time.perf_counter() - started,
            "cpu": kids.ru_utime + kids.ru_stime - before.ru_utime - before.ru_stime}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 letters")
    parser.add_argument("-n", type=int, default=None, help="number of letters (default 20,000)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    n = args.n or (4_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory(prefix="bench-letters-") as tmp:
        work = Path(tmp)
        small = ours(work, max(n // 4, 1000))
        big = ours(work, n)
    base = baseline(1_000 if args.quick else 2_000)
    rate = big["letters"] / big["seconds"]
    base_rate = base["letters"] / base["seconds"]
    print(f"Letters, Scrutin production (2 processes, batches of 1,000), {os.cpu_count()} cores:")
    for label, fig in (("N/4", small), ("N", big)):
        print(f"  {label:>3} = {fig['letters']:>9,} letters: {fig['seconds']:8.1f} s = "
              f"{fig['letters'] / fig['seconds']:7.0f} letters/s; RSS main {fig['rss_before_mb']:.0f} → "
              f"{fig['rss_after_mb']:.0f} MB (peak {fig['peak_main_mb']:.0f} MB), worker peak "
              f"{fig['peak_worker_mb']:.0f} MB; {fig['pdf_bytes_per_letter'] / 1024:.1f} KiB of PDF per letter")  # fmt: skip
    print(f"Baseline, naive Platypus letter (2 processes): {base['letters']:,} letters in "
          f"{base['seconds']:.1f} s = {base_rate:.0f} letters/s")  # fmt: skip
    print(f"Ratio ours / baseline: {rate / base_rate:.2f}× faster (wall clock)")
    # the machine is shared: CPU time per letter is the figure that does not depend on the others;
    # the marginal cost between N/4 and N leaves out what a run pays once (fonts, pool, first PDF)
    cpu_ms = 1000 * big["cpu"] / big["letters"]
    marginal_ms = 1000 * (big["cpu"] - small["cpu"]) / max(1, big["letters"] - small["letters"])
    base_ms = 1000 * base["cpu"] / base["letters"]
    # on 2 idle cores: the two passes run in one process, then the rendering on both cores
    passes_ms = (
        1000 * (big["passes_cpu"] - small["passes_cpu"]) / max(1, big["letters"] - small["letters"])
    )
    idle_rate = 1000 / (passes_ms + (marginal_ms - passes_ms) / 2)
    print(
        f"Of which the two sequential passes over the export (sort keys, encrypted buckets): "
        f"{passes_ms:.2f} ms per letter (marginal)"
    )
    print(
        f"CPU time per letter: ours {cpu_ms:.2f} ms (marginal {marginal_ms:.2f} ms), naive baseline "
        f"{base_ms:.2f} ms: ratio {base_ms / cpu_ms:.2f}× (marginal {base_ms / marginal_ms:.2f}×)"
    )
    print(
        f"On 2 idle cores ≈ {idle_rate:.0f} letters/s: {FULL / idle_rate / 60:.1f} min for {FULL:,} "
        f"(target < {TARGET_SECONDS // 60} min: {'met' if FULL / idle_rate < TARGET_SECONDS else 'NOT met'})"
    )
    load = os.getloadavg()[0]
    print(
        f"Load average during the run: {load:.1f} (2 cores; above 2 the wall-clock figures are shared)"
    )
    projection = FULL / rate
    verdict = "met" if projection < TARGET_SECONDS else "NOT met"
    print(f"Projection for {FULL:,} letters: {projection / 60:.1f} min (target < "
          f"{TARGET_SECONDS // 60} min: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
