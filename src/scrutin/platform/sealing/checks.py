"""``scrutin urns check-seals``: recompute, read-only, what the seals fingerprint and compare.

For each urn seal: its signature, the election in force, the electors list (the CELE control
list's fingerprint), the candidatures in force, the trustees of the finalized ceremony. For the
platform seal in force: every file of the installed package (bytecode caches included) and every
asset as served (``STATIC_ROOT`` once collected). For each closing seal: the ballots
file and the émargement list. An urn whose electors moved to a new election (annulment, partial
election: ``electoral.succession``) is checked against what was recorded at the transfer: the
list's fingerprint then, the archived émargement list, the archived key ceremony. Only reads (SELECT): it can run during the vote (CCTP 4.2.2.2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.signing import InvalidSignature, verify_document

from ..electoral.fingerprints import urn_fingerprint
from ..electoral.models import Urn, UrnSuccession
from . import documents as docs
from .ballots import BallotBoxCorrupt, ballots_digest
from .models import PlatformSeal, UrnClosing, UrnSeal


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    detail: str = ""

    def render(self) -> str:
        mark = "OK    " if self.ok else "ÉCART "
        return f"[{mark}] {self.what}" + (f" — {self.detail}" if self.detail else "")


def _signature(document: dict[str, Any]) -> bool:
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        verify_document(bytes.fromhex(document["platform_key"]), body,
                        bytes.fromhex(document["signature"]))  # fmt: skip
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


def _stored(what: str, document: dict[str, Any], stored_fp: str) -> Finding | None:
    if fingerprint(document) != stored_fp or not _signature(document):
        return Finding(False, what, "document signé altéré (empreinte ou signature invalide)")
    return None


def _files_diff(sealed: dict[str, str], now: dict[str, str], limit: int = 10) -> str:
    changed = sorted(p for p in sealed.keys() & now.keys() if sealed[p] != now[p])
    added = sorted(now.keys() - sealed.keys())
    removed = sorted(sealed.keys() - now.keys())
    parts = []
    for label, paths in (("modifiés", changed), ("ajoutés", added), ("supprimés", removed)):
        if paths:
            shown = ", ".join(paths[:limit]) + (" …" if len(paths) > limit else "")
            parts.append(f"{len(paths)} fichier(s) {label} : {shown}")
    return " ; ".join(parts)


def _transferred(urn: Urn) -> UrnSuccession | None:
    """The decision that moved this urn's electors to a new election, if any."""
    return UrnSuccession.objects.filter(previous=urn).first()


def _archived_emargements(moved: UrnSuccession) -> dict[str, Any]:
    """The émargement list archived when the electors moved (``{}`` if the file is gone)."""
    path = Path(moved.archive) / "emargements.json"
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"emargements": [], "missing": str(path)}
    return document


def check_urn_seal(seal: UrnSeal) -> list[Finding]:
    from ..candidates.services import candidatures_document, current_seal
    from ..ceremony.services import finalized_trustees

    urn = seal.urn
    what = f"Urne {urn.code}"
    altered = _stored(f"{what} : scellement", seal.document, seal.fingerprint)
    if altered:
        return [altered]
    doc = seal.document
    out = []
    election = getattr(urn, "election", None)
    election_ok = election is not None and election.fingerprint == doc["election"] == fingerprint(
        election.params
    )
    out.append(Finding(election_ok, f"{what} : élection", "" if election_ok else "l'élection en vigueur n'est plus celle du scellement"))  # fmt: skip
    moved = _transferred(urn)
    # electors moved to a new election (electoral.succession): the list as it was transferred
    count, sha = (moved.electors, moved.electors_sha256) if moved else urn_fingerprint(urn)
    electors_ok = (count, sha) == (doc["electors"]["count"], doc["electors"]["sha256"])
    out.append(Finding(electors_ok, f"{what} : liste électorale",
                       f"{count} électeur(s)" if electors_ok else
                       f"{count} électeur(s) aujourd'hui contre {doc['electors']['count']} au scellement, ou empreinte différente"))  # fmt: skip
    current = current_seal(urn)
    sealed_fp = doc["candidatures"]
    cand_ok = (
        sealed_fp is not None
        and current is not None
        and current.fingerprint == sealed_fp
        and fingerprint(candidatures_document(urn)) == sealed_fp
    )
    out.append(Finding(cand_ok, f"{what} : candidatures",
                       "" if cand_ok else "les candidatures en vigueur diffèrent de celles du scellement (ou ne sont pas scellées)"))  # fmt: skip
    trustees = finalized_trustees(urn.cci_id)
    trustees_ok = trustees is not None and fingerprint(trustees) == doc["trustees"]
    if not trustees_ok:  # a ceremony archived for a new election of the CCI
        from ..ceremony.models import ArchivedCeremony

        trustees_ok = any(fingerprint(t) == doc["trustees"] for t in ArchivedCeremony.objects
                          .filter(cci_id=urn.cci_id, trustees__isnull=False).values_list("trustees", flat=True))  # fmt: skip
    out.append(Finding(trustees_ok, f"{what} : détenteurs de clés",
                       "" if trustees_ok else "trustees.json de la cérémonie diffère du scellement (ou cérémonie absente)"))  # fmt: skip
    return out


def check_platform_seal(seal: PlatformSeal, code_root: Path | None = None) -> list[Finding]:
    what = f"Plate-forme (scellement n° {seal.sequence})"
    altered = _stored(what, seal.document, seal.fingerprint)
    if altered:
        return [altered]
    sealed_code = seal.document["code"]["files"]
    sealed_assets = seal.document["assets"]["files"]
    code, assets = docs.code_files(code_root), docs.asset_files()
    code_diff, assets_diff = _files_diff(sealed_code, code), _files_diff(sealed_assets, assets)
    if any(p.endswith(".pyc") for p in code.keys() - sealed_code.keys()):
        code_diff += (" — du code compilé (.pyc) est apparu après le scellement : implanté, ou "
                      "la plate-forme écrit son bytecode (PYTHONDONTWRITEBYTECODE=1, docs/ops.md)")  # fmt: skip
    return [
        Finding(not code_diff, f"{what} : code", code_diff or f"{len(code)} fichiers identiques"),
        Finding(not assets_diff, f"{what} : ressources servies",
                f"{assets_diff or f'{len(assets)} fichiers identiques'} ({docs.assets_source()})"),
    ]  # fmt: skip


def check_closing(closing: UrnClosing) -> list[Finding]:
    urn = closing.urn
    what = f"Urne {urn.code} : clôture"
    altered = _stored(what, closing.document, closing.fingerprint)
    if altered:
        return [altered]
    try:
        count, sha = ballots_digest(urn)
    except BallotBoxCorrupt as exc:
        return [Finding(False, f"{what}, urne", str(exc))]
    ballots_ok = (count, sha) == (closing.ballot_count, closing.ballots_sha256)
    moved = _transferred(urn)
    em = _archived_emargements(moved) if moved else docs.emargements_document(urn.code)
    em_ok = (len(em["emargements"]), fingerprint(em)) == (
        closing.emargement_count,
        closing.emargements_sha256,
    )
    return [
        Finding(ballots_ok, f"{what}, contenu de l'urne",
                f"{count} bulletin(s)" if ballots_ok else f"{count} bulletin(s) aujourd'hui, contenu différent du scellement"),
        Finding(em_ok, f"{what}, liste d'émargement",
                f"{len(em['emargements'])} émargement(s)" if em_ok else "liste d'émargement différente du scellement"),
    ]  # fmt: skip


def check_seals(code_root: Path | None = None) -> list[Finding]:
    """Every comparison, read-only; an empty platform is reported, not an error."""
    from .services import platform_seal_in_force

    findings: list[Finding] = []
    for seal in UrnSeal.objects.select_related("urn__cci", "urn__election").order_by("urn__code"):
        findings += check_urn_seal(seal)
    current = platform_seal_in_force()
    if current is None:
        findings.append(Finding(False, "Plate-forme", "aucun scellement en vigueur"))
    else:
        findings += check_platform_seal(current, code_root)
    for closing in UrnClosing.objects.select_related("urn").order_by("urn__code"):
        findings += check_closing(closing)
    return findings
