"""Participation, émargement lists, seal status and suspension (CCTP 4.1.5, 4.2.2.1).

Participation is the number of voters (émargements) against the registered electors. Nothing
here reads the ballot box: no count of votes exists before the urn is closed and decrypted.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from .. import keyset
from ..accounts.perimeters import cci_codes_of
from ..audit.journal import record_event
from ..candidates.services import current_seals
from ..electoral import fingerprints
from ..electoral.models import Elector, Urn, UrnSuccession
from ..jobs import Progress
from ..voting.models import Emargement, UrnElection


@dataclass
class Line:
    label: str
    registered: int = 0
    voters: int = 0
    children: list[Line] = field(default_factory=list)

    @property
    def rate(self) -> str:
        return (
            f"{100 * self.voters / self.registered:.2f}".replace(".", ",")
            if self.registered
            else "—"
        )


def visible_urns(user: Any) -> Any:
    codes = cci_codes_of(user)
    urns = Urn.objects.select_related("cci", "category").order_by("code")
    return urns if codes is None else urns.filter(cci_id__in=codes)


def region_of(urn: Urn) -> str:
    """The CCIR ballot's label names the region; a CCI without CCIR ballot stands alone."""
    return urn.label_ccir or f"{urn.cci.label} (sans scrutin régional)"


def participation(user: Any) -> Line:
    """National → regions → CCIs → urns, restricted to the user's perimeter."""
    urns = list(visible_urns(user))
    ids = [u.id for u in urns]
    # the counts stored with each urn's control list (``electoral.fingerprints``), kept when the
    # list changes: polled every 15 s, this page must not count 2,000,000 electors each time
    registered = {urn_id: count for urn_id, (count, _) in fingerprints.stored(urns).items()}
    voters = dict(
        Emargement.objects.filter(urn_id__in=ids)
        .values_list("urn_id")
        .annotate(n=Count("elector_number"))
        .order_by()
    )
    # an urn whose electors moved to a new election (electoral.succession) is left out: its
    # electors are counted in the new urn, its own figures are in its results and elections.csv
    moved = set(
        UrnSuccession.objects.filter(previous_id__in=ids).values_list("previous_id", flat=True)
    )
    nation = Line("Total du périmètre" if cci_codes_of(user) is not None else "National")
    regions: dict[str, Line] = {}
    ccis: dict[str, Line] = {}
    for urn in urns:
        region = regions.setdefault(region_of(urn), Line(region_of(urn)))
        cci = ccis.get(urn.cci_id)
        if cci is None:
            cci = ccis[urn.cci_id] = Line(f"{urn.cci_id} — {urn.cci.label}")
            region.children.append(cci)
        if urn.id in moved:
            continue
        leaf = Line(urn.code, registered.get(urn.id, 0), voters.get(urn.id, 0))
        cci.children.append(leaf)
        for line in (cci, region, nation):
            line.registered += leaf.registered
            line.voters += leaf.voters
    nation.children = sorted(regions.values(), key=lambda r: r.label)
    return nation


def participation_json(line: Line) -> dict[str, Any]:
    return {"label": line.label, "registered": line.registered, "voters": line.voters, "rate": line.rate,
            "children": [participation_json(c) for c in line.children]}  # fmt: skip


class SealRows(list[dict[str, Any]]):
    """The per-urn rows of :func:`seal_status`, with the platform's seal state."""

    platform: Any = None  # the platform seal in force (sealing.models.PlatformSeal) or None
    unsealed: int = 0  # urns of the perimeter with an election but no seal


def seal_status(user: Any) -> SealRows:
    """For each urn of the perimeter: candidatures sealed, urn sealed (CCTP 4.1.4.6), closed and
    sealed at the closing (CCTP 4.1.4.8), state of the vote; and whether the platform is sealed
    (CCTP 4.1.4.7: the control interface shows which urns are sealed before the platform)."""
    from ..sealing.models import UrnClosing, UrnSeal
    from ..sealing.services import platform_seal_in_force

    rows = SealRows()
    rows.platform = platform_seal_in_force()
    urns = list(visible_urns(user))
    ids = [u.id for u in urns]
    elections = {e.urn_id: e for e in UrnElection.objects.filter(urn_id__in=ids).defer("params")}
    seals = {s.urn_id: s for s in UrnSeal.objects.filter(urn_id__in=ids).defer("document")}
    closings = {c.urn_id: c for c in UrnClosing.objects.filter(urn_id__in=ids).defer("document")}
    candidatures = current_seals(ids)
    for urn in urns:
        election = elections.get(urn.id)
        sealed = urn.id in seals and rows.platform is not None
        rows.append({
            "urn": urn, "candidatures_sealed": urn.id in candidatures, "urn_sealed_at": urn.sealed_at,
            "election": election, "seal": seals.get(urn.id), "closing": closings.get(urn.id),
            "state": "suspendue" if election and election.suspended else (
                "close" if election and (election.closed_at or timezone.now() >= election.closes_at) else (
                    ("ouverte" if sealed else "fermée : scellements incomplets")
                    if election and timezone.now() >= election.opens_at else (
                        "programmée" if election else "non préparée"))),
        })  # fmt: skip
    rows.unsealed = sum(1 for r in rows if r["election"] and not r["seal"])
    return rows


def emargements(urn: Urn) -> Any:
    """The émargement list of an urn: who voted and when (never how)."""
    return (
        Emargement.objects.filter(urn=urn)
        .order_by("elector_number")
        .values_list("elector_number", "voted_at")
    )


def _emargement_line(number: str, voted_at: Any, person: tuple[str, str, str]) -> list[str]:
    return [number, *person, timezone.localtime(voted_at).strftime("%d/%m/%Y %H:%M:%S")]


def emargement_page(urn: Urn, params: Any, size: int = 100) -> keyset.Page:
    """One page of the urn's émargement list by elector number (keyset: ``?apres=``…), with the
    names of that page's electors only: the HTML page never loads the whole list."""
    page = keyset.paginate(
        Emargement.objects.filter(urn=urn), "elector_number", params, size, lead=("urn_id",)
    )
    numbers = [e.elector_number for e in page.rows]
    people = {row[0]: row[1:] for row in Elector.objects.filter(number__in=numbers).values_list(
        "number", "usage_name", "first_name", "company_name")}  # fmt: skip
    page.rows = [
        _emargement_line(e.elector_number, e.voted_at, people.get(e.elector_number, ("", "", "")))
        for e in page.rows
    ]
    return page


def emargement_rows(urn: Urn, chunk: int = 2000) -> Iterator[list[str]]:
    """Every line of the urn's émargement list, read ``chunk`` émargements at a time (a
    server-side cursor on PostgreSQL) with the names of that chunk's electors only: memory stays
    flat whatever the size of the urn (issue 19.3)."""
    batch: list[tuple[str, Any]] = []
    for item in emargements(urn).iterator(chunk_size=chunk):
        batch.append(item)
        if len(batch) == chunk:
            yield from _named_lines(batch)
            batch = []
    yield from _named_lines(batch)


def _named_lines(batch: list[tuple[str, Any]]) -> Iterator[list[str]]:
    numbers = [number for number, _ in batch]
    people = {row[0]: row[1:] for row in Elector.objects.filter(number__in=numbers).values_list(
        "number", "usage_name", "first_name", "company_name")}  # fmt: skip
    for number, voted_at in batch:
        yield _emargement_line(number, voted_at, people.get(number, ("", "", "")))


HEADER = ["numéro d'électeur", "nom", "prénom", "raison sociale", "émargé le (heure de Paris)"]


def emargement_pdf(
    urn: Urn, *, out: BinaryIO | None = None, progress: Progress | None = None
) -> bytes:
    """The urn's whole émargement list as PDF, written to ``out`` when given (built by a job,
    ``documents``, with its ``progress``; then ``b""`` is returned)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from ..candidates.printouts import READ_SHARE, build_progress, tables

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        out or buffer, pagesize=A4, title=f"Liste d'émargement {urn.code}", author="Scrutin"
    )
    doc.setProgressCallBack(build_progress(progress, READ_SHARE))
    styles = getSampleStyleSheet()
    total = Emargement.objects.filter(urn=urn).count() if progress else 0
    rows = []
    for row in emargement_rows(urn):
        rows.append(row)
        if progress and len(rows) % 2000 == 0:
            progress(READ_SHARE * len(rows), 100 * total)
    now = timezone.localtime().strftime("%d/%m/%Y à %H:%M")
    story = [Paragraph(f"Liste d'émargement — urne {urn.code} — {urn.cci.label}", styles["Title"]),
             Paragraph(f"Éditée le {now} (heure de Paris) : {len(rows)} votant(s).", styles["Normal"]),
             *tables(HEADER, rows, [32 * mm, 35 * mm, 30 * mm, 50 * mm, 33 * mm])]  # fmt: skip
    doc.build(story)
    return b"" if out else buffer.getvalue()


def set_suspension(urns: Iterable[Urn], *, suspended: bool, message: str, user: Any) -> int:
    """Suspend or resume the vote of these urns, with the message shown to voters (CCTP 4.1.5)."""
    changed = 0
    with transaction.atomic():
        for urn in urns:
            election = UrnElection.objects.select_for_update().filter(urn=urn).first()
            if election is None:
                continue
            election.suspended = suspended
            election.suspension_message = message if suspended else ""
            election.save(update_fields=["suspended", "suspension_message"])
            record_event("voting:election:suspend" if suspended else "voting:election:resume", actor=user,
                         cci_code=urn.cci_id, urn_code=urn.code, data={"message": message})  # fmt: skip
            changed += 1
    return changed
