"""The general rehearsal (CCTP 5.1.1.6; docs/fr/repetition-generale.md): on a test instance only,
each CCI's own urns from the real structure, with fictitious electors or its real list, so that
its COE plays the whole procedure (candidatures, key ceremony, sealing, a few votes, closing,
tally, minutes) — and starts again after :func:`reset`.

Everything goes through the real services: the structure file and the electors files are
imported by :mod:`electoral.imports` (what the COE sees on the import screens); the fictitious
electors file is written by the annex-7 generator that ``make demo`` uses.

No message can reach a real elector (CCTP 5.1.1.4):

* the command refuses any instance that is not a test instance (``SCRUTIN_ENVIRONMENT=test``);
* on a test instance every e-mail and SMS goes through the test guard
  (:mod:`mailing.testguard`), which only reaches a sink or the allow-list
  ``SCRUTIN_TEST_RECIPIENTS``; a real list is refused when any of its addresses or mobiles is on
  that allow-list, so none of its electors can be reached;
* letters: the credentials export of a test instance carries a test header, which the dispatch
  operator's tools (``scrutin credentials decrypt-export``, ``scrutin material letters``) refuse
  without ``--environnement-test``; no letter is printed for a real list by mistake (the COE's
  kit/BAT itself is not marked yet: a test instance uses its own test dispatch operator key).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from .audit.journal import record_event
from .electoral.models import Cci, Elector, ImportRun, Urn
from .environment import allow_list, is_test

REFUSED_PRODUCTION = (
    "La répétition générale n'est possible que sur l'environnement de test "
    "(SCRUTIN_ENVIRONMENT=test) : cette instance est une instance de production, rien n'est fait."
)
FICTITIOUS = "fictitious"
REAL_LIST = "real-list"


class RehearsalRefused(Exception):
    """The rehearsal cannot be prepared or reset (French message); nothing was changed."""


@dataclass
class Prepared:
    ccis: dict[str, dict[str, int]] = field(default_factory=dict)  # CCI → urn code → electors
    lines: list[str] = field(default_factory=list)


def require_test_instance() -> None:
    """A rehearsal never touches a production instance (CCTP 5.1.1.4)."""
    if not is_test():
        raise RehearsalRefused(REFUSED_PRODUCTION)


def folder() -> Path:
    return Path(settings.VAR_DIR) / "repetition"


def _import(kind: str, path: Path) -> ImportRun:
    from .electoral import imports

    run = ImportRun.objects.create(kind=kind, filename=path.name, path=str(path))
    importer = (
        imports.import_structure if kind == ImportRun.Kind.STRUCTURE else imports.import_electors
    )
    try:
        run = importer(run)
    except imports.ImportRefused as exc:
        hint = (
            " Remettez d'abord la répétition de la CCI à zéro."
            if kind == ImportRun.Kind.ELECTORS
            else ""
        )
        raise RehearsalRefused(f"Fichier {path.name} refusé : {exc}{hint}") from None
    if run.status != ImportRun.Status.ACCEPTED:
        issues = "; ".join(
            f"ligne {i.line} : {i.message}" for i in run.issues.filter(blocking=True)[:5]
        )
        raise RehearsalRefused(
            f"Fichier {path.name} refusé par l'import ({run.get_status_display()}) : {issues}"
        )
    return run


def _structure_in_place(path: Path) -> bool:
    """Once any urn is sealed (another COE already rehearsing) the structure can no longer be
    re-imported; the same file, already imported, is then simply kept."""
    from scrutin.record.writer import file_digest

    if not Urn.objects.exclude(sealed_at=None).exists():
        return False
    last = (ImportRun.objects.filter(kind=ImportRun.Kind.STRUCTURE, status=ImportRun.Status.ACCEPTED)
            .order_by("-created_at", "-pk").first())  # fmt: skip
    return last is not None and last.sha256 == file_digest(path)


def _fictitious(code: str, per_urn: int) -> Path:
    """An annex-7 electors file: ``per_urn`` fictitious electors in each urn of the CCI."""
    from .electoral.annex7 import generate

    urns = [(u.category.code, u.subcategory_code)
            for u in Urn.objects.filter(cci_id=code).select_related("category").order_by("code")]  # fmt: skip
    path = folder() / f"electeurs-fictifs-{code}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = generate.elector_rows(
        code, urns, per_urn * len(urns), seed=int.from_bytes(code.encode())
    )
    generate.write_csv(path, generate.ELECTORS_HEADER, rows)
    return path


def reachable(code: str) -> int:
    """How many electors of the CCI the test guard would let an e-mail or SMS reach."""
    allowed = allow_list()
    if not (allowed.addresses or allowed.domains or allowed.phones):
        return 0
    rows = Elector.objects.filter(cci_code=code).values_list("email", "mobile_e164")
    return sum(1 for email, mobile in rows.iterator()
               if (email and allowed.allows_address(email)) or (mobile and allowed.allows_phone(mobile)))  # fmt: skip


def _counts(code: str) -> dict[str, int]:
    from django.db.models import Count

    per_urn = dict(Elector.objects.filter(cci_code=code).values_list("urn__code")
                   .annotate(n=Count("pk")).values_list("urn__code", "n"))  # fmt: skip
    return {
        u: per_urn.get(u, 0) for u in Urn.objects.filter(cci_id=code).values_list("code", flat=True)
    }


def create(
    structure: Path,
    *,
    ccis: list[str] | None = None,
    electors: int | None = None,
    real_lists: list[Path] | None = None,
) -> Prepared:
    """Import the real structure, then each CCI's electors: ``electors`` fictitious ones per urn,
    or its real list (one annex-7 file per CCI). Raises :class:`RehearsalRefused`."""
    require_test_instance()
    if (electors is None) == (not real_lists):
        raise RehearsalRefused(
            "Indiquez soit un nombre d'électeurs fictifs par urne (--electors), soit la liste "
            "réelle (--real-list), pas les deux."
        )
    if electors is not None and not 1 <= electors <= 100_000:
        raise RehearsalRefused("Le nombre d'électeurs fictifs par urne va de 1 à 100 000.")
    if not structure.is_file():
        raise RehearsalRefused(f"Fichier de structure introuvable : {structure}")
    out = Prepared()
    if _structure_in_place(structure):
        out.lines.append("Structure déjà importée à l'identique (des urnes sont scellées) : elle "
                         "n'est pas importée de nouveau.")  # fmt: skip
    else:
        _import(ImportRun.Kind.STRUCTURE, structure)
    known = set(Urn.objects.values_list("cci_id", flat=True))
    wanted = sorted(set(ccis)) if ccis else sorted(known)
    if unknown := [c for c in wanted if c not in known]:
        raise RehearsalRefused(
            f"CCI absente de la structure électorale : {', '.join(unknown)}. Aucune liste "
            "d'électeurs n'est importée."
        )
    if electors is not None:
        for code in wanted:
            _import(ImportRun.Kind.ELECTORS, _fictitious(code, electors))
            out.ccis[code] = _counts(code)
            record_event("rehearsal:cci:create", cci_code=code, data={
                "mode": FICTITIOUS, "electors": sum(out.ccis[code].values()),
                "urns": len(out.ccis[code]), "structure": structure.name})  # fmt: skip
    else:
        for path in real_lists or []:
            code = _real_list(path, wanted)
            out.ccis[code] = _counts(code)
            record_event("rehearsal:cci:create", cci_code=code, data={
                "mode": REAL_LIST, "electors": sum(out.ccis[code].values()),
                "urns": len(out.ccis[code]), "structure": structure.name})  # fmt: skip
    return out


def _real_list(path: Path, wanted: list[str]) -> str:
    """Import one CCI's real list; refused, and the previous list kept, when it is not one of the
    CCIs asked for or when the test allow-list would let a message reach one of its electors."""
    from .electoral.imports import peek_cci

    code = peek_cci(path) if path.is_file() else None
    if code not in wanted:
        raise RehearsalRefused(
            f"La liste {path.name} ne concerne aucune des CCI demandées ({', '.join(wanted)}) : "
            "elle n'est pas importée."
        )
    with transaction.atomic():
        _import(ImportRun.Kind.ELECTORS, path)
        if n := reachable(code):
            raise RehearsalRefused(
                f"La liste réelle de la CCI {code} contient {n} adresse(s) ou mobile(s) de la "
                "liste autorisée de l'environnement de test (SCRUTIN_TEST_RECIPIENTS) : un "
                "message pourrait partir vers un électeur réel. La liste n'est pas importée ; "
                "videz la liste autorisée ou retirez ces électeurs du fichier."
            )
    return code


def next_steps(base: str, ccis: list[str]) -> list[str]:
    """What each COE does next, in order, with the pages to open (docs/fr/repetition-generale.md)."""
    base = base.rstrip("/")
    g = f"{base}/gestion"
    cci = ccis[0] if len(ccis) == 1 else "<CCI>"
    return [
        f"Répétition générale prête pour : {', '.join(ccis)}. La COE de chaque CCI enchaîne :",
        f"  1. Candidatures : saisie ou import, puis scellement — {g}/candidatures/",
        f"  2. Cérémonie des clés (président et assesseurs) — {g}/ceremonie/cci/{cci}/",
        f"  3. Scellement de ses urnes (dates d'ouverture et de clôture) — {g}/scellement/ ; "
        "quand toutes les COE ont scellé, CCI France scelle la plate-forme (même page).",
        f"  4. Identifiants : CCI France les génère — {g}/identifiants/ — vers la clé de "
        "l'opérateur d'expédition de test ; « scrutin credentials decrypt-export … "
        "--environnement-test » en donne les codes, dont quelques-uns sont remis à la COE. Aucun "
        "courriel ni SMS ne part vers un électeur réel, et aucun courrier n'est expédié.",
        f"  5. Quelques votes avec ces identifiants — {base}/vote/",
        f"  6. Clôture et scellement de chaque urne — {g}/scellement/urne/<URNE>/cloturer/",
        f"  7. Dépouillement avec les détenteurs de clés — {g}/depouillement/urne/<URNE>/",
        f"  8. Résultats et procès-verbaux — {g}/depouillement/ ; registre public — {base}/urnes/",
        f"Pour recommencer : scrutin rehearsal reset --cci {cci}",
    ]


# --- reset --------------------------------------------------------------------------------------


def _media(path: str) -> str:
    return path if not path or Path(path).is_absolute() else str(Path(settings.MEDIA_ROOT) / path)


def _delete_election(cci: Cci, tables: dict[str, int], files: list[str]) -> list[str]:
    """Everything the COE did on its urns since the import: ballots, tally, closings, seals,
    election parameters, candidatures, key ceremony. Returns the urn codes."""
    from .ballotbox.models import Alpha, Ballot, BallotIntent
    from .candidates.models import (
        Candidate,
        CandidaturesSeal,
        Groupement,
        ProfessionDeFoi,
        UnsealRecord,
    )
    from .ceremony.models import KeyCeremony
    from .sealing.models import UrnClosing, UrnSeal
    from .tally.models import TallySession
    from .voting.models import UrnElection

    urns = Urn.objects.filter(cci=cci)
    codes = list(urns.values_list("code", flat=True))

    def gone(label: str, deleted: tuple[int, dict[str, int]]) -> None:
        tables[label] = deleted[0]

    with transaction.atomic(using="ballotbox"):
        fingerprints = list(
            Ballot.objects.filter(urn_code__in=codes).values_list("fingerprint", flat=True)
        )
        gone("ballotbox.Alpha", Alpha.objects.filter(fingerprint__in=fingerprints).delete())
        gone(
            "ballotbox.BallotIntent",
            BallotIntent.objects.filter(fingerprint__in=fingerprints).delete(),
        )
        gone("ballotbox.Ballot", Ballot.objects.filter(urn_code__in=codes).delete())
    gone("tally.TallySession", TallySession.objects.filter(urn__cci=cci).delete())
    gone("sealing.UrnClosing", UrnClosing.objects.filter(urn__cci=cci).delete())
    gone("sealing.UrnSeal", UrnSeal.objects.filter(urn__cci=cci).delete())
    gone("voting.UrnElection", UrnElection.objects.filter(urn__cci=cci).delete())
    tables["electoral.Urn (descellée)"] = urns.exclude(sealed_at=None).update(sealed_at=None)
    gone("candidates.UnsealRecord", UnsealRecord.objects.filter(seal__urn__cci=cci).delete())
    gone("candidates.CandidaturesSeal", CandidaturesSeal.objects.filter(urn__cci=cci).delete())
    professions = ProfessionDeFoi.objects.filter(
        pk__in=ProfessionDeFoi.objects.filter(candidate__question__urn__cci=cci).values("pk")
    ) | ProfessionDeFoi.objects.filter(groupement__question__urn__cci=cci)
    files.extend(_media(p) for p in professions.values_list("path", flat=True))
    gone("candidates.ProfessionDeFoi", professions.delete())
    gone("candidates.Candidate", Candidate.objects.filter(question__urn__cci=cci).delete())
    gone("candidates.Groupement", Groupement.objects.filter(question__urn__cci=cci).delete())
    gone("ceremony.KeyCeremony", KeyCeremony.objects.filter(cci=cci).delete())
    _delete_successions(cci, codes, tables)
    return codes


def _delete_successions(cci: Cci, codes: list[str], tables: dict[str, int]) -> None:
    """The new elections rehearsed after an annulment or a partial election
    (``electoral.succession``): their decisions, the archived ceremonies and dead credentials;
    the new urns themselves go once their electors are deleted (:func:`_delete_new_urns`)."""
    from .ceremony.models import ArchivedCeremony
    from .credentials.models import DeadCredential
    from .electoral.models import UrnSuccession

    tables["electoral.UrnSuccession"] = UrnSuccession.objects.filter(previous__cci=cci).delete()[0]
    tables["ceremony.ArchivedCeremony"] = ArchivedCeremony.objects.filter(cci=cci).delete()[0]
    tables["credentials.DeadCredential"] = DeadCredential.objects.filter(
        urn_code__in=codes
    ).delete()[0]


def _delete_new_urns(cci: Cci, tables: dict[str, int], folders: dict[str, int]) -> None:
    codes = list(Urn.objects.filter(cci=cci).values_list("code", flat=True))
    successors = Urn.objects.filter(cci=cci, generation__gt=1)
    tables["electoral.Urn (nouvelles élections)"] = successors.delete()[0]
    for code in codes:
        archived = Path(settings.VAR_DIR) / "successions" / code
        if archived.is_dir():
            shutil.rmtree(archived)
            folders[f"successions/{code}"] = 1


def reset(cci_code: str) -> dict[str, Any]:
    """Delete the CCI's rehearsal (CCTP 5.1.1.6) so that its COE can start again: its election as
    above, then its personal data as :mod:`personaldata.destruction` deletes it (electors,
    credentials, émargements, messages, generated lists, uploaded files), and its public records.
    The structure (CCI, categories, urns) stays. Journaled; returns the counts."""
    from .personaldata import destruction

    require_test_instance()
    cci = Cci.objects.filter(code=cci_code).first()
    if cci is None:
        raise RehearsalRefused(f"CCI {cci_code!r} inconnue : rien n'est remis à zéro.")
    tables: dict[str, int] = {}
    folders: dict[str, int] = {}
    paths: list[str] = []
    outside: list[str] = []
    destruction._sweep_mailbox(cci.code, folders)  # before the electors go: their addresses tell
    destruction._sweep_sms(cci.code, folders)
    with transaction.atomic():
        codes = _delete_election(cci, tables, paths)
        destruction._delete_rows(cci, tables, paths)
        _delete_new_urns(cci, tables, folders)
    destruction._unlink(paths, folders, outside)
    records = Path(settings.VAR_DIR) / "records"
    for code in codes:
        if (records / code).is_dir():
            shutil.rmtree(records / code)
            folders[f"records/{code}"] = 1
    fictitious = folder() / f"electeurs-fictifs-{cci.code}.csv"
    if fictitious.is_file():
        fictitious.unlink()
        folders["repetition"] = folders.get("repetition", 0) + 1
    counts = {
        "tables": dict(sorted((k, v) for k, v in tables.items() if v)),
        "folders": dict(sorted(folders.items())),
        "outside_files": len(outside),
    }
    record_event("rehearsal:cci:reset", cci_code=cci.code, data=counts)
    return counts
