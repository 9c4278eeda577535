"""Destroying a CCI's personal data after the appeal period (CCTP 4.2.3).

CCTP 4.2.3: at the end of the electoral operations the provider destroys every copy, total or
partial, of the personal data it received. ``scrutin data destroy --cci CODE`` deletes, for one
CCI, every row and file that names or identifies an elector: the electors list, the émargements
and cast intents of its urns, credentials and their generation runs and exports, mailing
messages and bounces, resend requests and identity documents, support contacts, kit numbers,
elector changes, import findings and uploaded files, generated lists (documents), the émargement
lists archived and the credentials invalidated when an urn's electors moved to a new election
(``electoral.succession``). It keeps the
public record (``VAR_DIR/records``), the seals, the results and minutes, the candidates (public)
and the ballot box (no elector identifier), so the record still verifies.

It runs only once every urn of the CCI with a vote is sealed at its closing, and only after the
end of the appeal period (:class:`resend.models.AppealPeriod`, the CCI's own date or the
national one, the date ``scrutin resend fin-recours`` sets): strictly after that day, Paris time.
Before it, only with an override and its reason, both journaled. The signed destruction
certificate lists counts per table and per folder, never contents.

Known limit (docs/personal-data.md): the hash-chained journal, never updated, keeps the elector
numbers some events carry (support views, regenerated credentials, resends, kits).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scrutin.crypto.signing import public_key_hex, sign_document

from ..audit.journal import record_event, timestamp
from ..electoral.models import Cci, Elector, ElectorChange, ImportIssue, ImportRun, Urn
from ..environment import mark
from ..keys import platform_signing_key
from .restitution import UnknownCci

FORMAT = "scrutin-destruction/v1"
BATCH = 1000


class DestructionRefused(Exception):
    """Destruction is not allowed now (French message)."""


@dataclass
class Destruction:
    path: Path
    certificate: dict[str, Any]
    outside: list[str]  # files outside the platform's folders, for the operator to delete


def certificates_dir() -> Path:
    return Path(settings.VAR_DIR) / "destructions"


def appeal_end(cci_code: str) -> date | None:
    """The end of the CCI's appeal period: its own date, else the national one."""
    from ..resend.models import AppealPeriod

    periods = dict(AppealPeriod.objects.filter(cci_code__in=[cci_code, ""]).values_list(
        "cci_code", "ends_on"))  # fmt: skip
    return periods.get(cci_code, periods.get(""))


def _check_allowed(cci: Cci, today: date, override: str | None) -> date | None:
    from ..sealing.models import UrnClosing
    from ..voting.models import UrnElection

    voting = UrnElection.objects.filter(urn__cci=cci).values_list("urn_id", flat=True)
    closed = set(UrnClosing.objects.filter(urn__cci=cci).values_list("urn_id", flat=True))
    if open_urns := sorted(Urn.objects.filter(pk__in=set(voting) - closed).values_list(
            "code", flat=True)):  # fmt: skip
        raise DestructionRefused(
            f"Le vote des urnes {', '.join(open_urns)} n'est pas clos et scellé : aucune donnée "
            "n'est détruite."
        )
    end = appeal_end(cci.code)
    if end is not None and end < today:
        return end
    if not (override or "").strip():
        when = (f"Le délai de recours se termine le {end:%d/%m/%Y}" if end else
                "Aucune fin du délai de recours n'est fixée (scrutin resend fin-recours)")  # fmt: skip
        raise DestructionRefused(
            f"{when} : la destruction n'est possible qu'après cette date, ou avec --override et "
            "le motif de la décision."
        )
    return end


def _label(folder: Path) -> str:
    var_dir = Path(settings.VAR_DIR).resolve()
    return str(folder.relative_to(var_dir)) if folder.is_relative_to(var_dir) else str(folder)


def _unlink(paths: list[str], counts: dict[str, int], outside: list[str]) -> None:
    """Delete the files the platform wrote or received (under VAR_DIR or MEDIA_ROOT), counted
    per folder; a file elsewhere (one an operator imported from their own disk) is listed in
    ``outside`` for the operator to delete, never deleted from here."""
    roots = [Path(settings.VAR_DIR).resolve(), Path(settings.MEDIA_ROOT).resolve()]
    for raw in paths:
        if not raw or not (path := Path(raw)).is_file():
            continue
        resolved = path.resolve()
        if not any(resolved.is_relative_to(root) for root in roots):
            outside.append(str(resolved))
            continue
        resolved.unlink()
        label = _label(resolved.parent)
        counts[label] = counts.get(label, 0) + 1


def _known(cci_code: str, field: str, values: set[str]) -> set[str]:
    if not values:
        return set()
    query = {"cci_code": cci_code, f"{field}__in": values}
    return set(Elector.objects.filter(**query).values_list(field, flat=True))


def _sweep_mailbox(cci_code: str, counts: dict[str, int]) -> None:
    """The local mailbox (demo, test instance): the messages sent to this CCI's electors."""
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    from ..mailing.outbox import mail_dir, mailbox_files

    files = mailbox_files()
    for start in range(0, len(files), BATCH):
        batch: dict[Path, set[str]] = {}
        for path in files[start : start + BATCH]:
            with path.open("rb") as fh:
                headers = BytesHeaderParser().parse(fh)
            batch[path] = {a for _, a in getaddresses(headers.get_all("To", [])) if a}
        known = _known(cci_code, "email", set().union(*batch.values()))
        for path, addresses in batch.items():
            if addresses & known:
                path.unlink()
                counts[_label(mail_dir())] = counts.get(_label(mail_dir()), 0) + 1


def _sweep_sms(cci_code: str, counts: dict[str, int]) -> None:
    """The file SMS outbox: its lines to this CCI's electors' mobiles are removed."""
    path = Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"
    if not path.is_file():
        return
    tmp = path.with_name(path.name + ".tmp")
    removed = 0
    with path.open(encoding="utf-8") as source, tmp.open("w", encoding="utf-8") as out:
        while lines := [line for _, line in zip(range(BATCH), source, strict=False)]:
            numbers = {str(json.loads(line).get("to", "")) for line in lines if line.strip()}
            known = _known(cci_code, "mobile_e164", numbers)
            for line in lines:
                if line.strip() and str(json.loads(line).get("to", "")) in known:
                    removed += 1
                else:
                    out.write(line)
    os.replace(tmp, path)
    if removed:
        counts[_label(path.parent) + " (lignes)"] = removed


def _claim_refused_imports(cci: Cci) -> None:
    """Electors files refused before their CCI was recorded on the run: the file names it."""
    from ..electoral.imports import peek_cci

    orphans = ImportRun.objects.filter(kind=ImportRun.Kind.ELECTORS, cci__isnull=True)
    mine = [run.pk for run in orphans.exclude(path="").only("pk", "path")
            if Path(run.path).is_file() and peek_cci(Path(run.path)) == cci.code]  # fmt: skip
    ImportRun.objects.filter(pk__in=mine).update(cci=cci)


def _delete_rows(cci: Cci, tables: dict[str, int], files: list[str]) -> None:
    from ..credentials.models import Credential, GenerationRun
    from ..documents.models import DocumentJob
    from ..mailing.models import Bounce, Message
    from ..material.models import KitNumber
    from ..resend.models import IdentityDocument, ResendRequest
    from ..support.models import ContactLog
    from ..voting.models import CastIntent, Emargement

    code = cci.code

    def gone(label: str, deleted: tuple[int, dict[str, int]] | int) -> None:
        tables[label] = deleted if isinstance(deleted, int) else deleted[1].get(label, 0)

    gone("credentials.Credential", Credential.objects.filter(cci_code=code).delete())
    runs = GenerationRun.objects.filter(cci_code=code)
    files.extend(runs.values_list("export_path", flat=True))
    gone("credentials.GenerationRun", runs.delete())
    gone("voting.Emargement", Emargement.objects.filter(urn__cci=cci).delete())
    gone("voting.CastIntent", CastIntent.objects.filter(urn__cci=cci).delete())
    gone("mailing.Bounce", Bounce.objects.filter(cci_code=code).delete())
    gone("mailing.Message", Message.objects.filter(campaign__cci_code=code).delete())
    gone(
        "resend.IdentityDocument", IdentityDocument.objects.filter(request__cci_code=code).delete()
    )
    gone("resend.ResendRequest", ResendRequest.objects.filter(cci_code=code).delete())
    gone("support.ContactLog", ContactLog.objects.filter(cci_code=code).delete())
    gone("material.KitNumber", KitNumber.objects.filter(kit__cci_code=code).delete())
    jobs = DocumentJob.objects.filter(urn__cci=cci)
    files.extend(jobs.values_list("path", flat=True))
    gone("documents.DocumentJob", jobs.delete())
    gone("electoral.ElectorChange", ElectorChange.objects.filter(cci=cci).delete())
    _claim_refused_imports(cci)
    gone("electoral.ImportIssue", ImportIssue.objects.filter(run__cci=cci).delete())
    runs_with_files = ImportRun.objects.filter(cci=cci).exclude(path="")
    files.extend(runs_with_files.values_list("path", flat=True))
    tables["electoral.ImportRun (chemin du fichier effacé)"] = runs_with_files.update(path="")
    gone("electoral.Elector", Elector.objects.filter(cci_code=code).delete())
    # a new election of an urn (electoral.succession): the archived émargement lists and the
    # hashes of the invalidated credentials
    from ..credentials.models import DeadCredential
    from ..electoral.models import UrnSuccession

    urn_codes = list(Urn.objects.filter(cci=cci).values_list("code", flat=True))
    gone(
        "credentials.DeadCredential", DeadCredential.objects.filter(urn_code__in=urn_codes).delete()
    )
    for folder in UrnSuccession.objects.filter(previous__cci=cci).values_list("archive", flat=True):
        files.append(str(Path(folder) / "emargements.json"))


def destroy(
    cci_code: str, *, override: str | None = None, today: date | None = None
) -> Destruction:
    """Destroy the CCI's personal data and write the signed certificate (CCTP 4.2.3).

    Raises :class:`UnknownCci` or :class:`DestructionRefused` (nothing deleted then)."""
    cci = Cci.objects.filter(code=cci_code).first()
    if cci is None:
        raise UnknownCci(cci_code)
    today = today or timezone.localdate()
    end = _check_allowed(cci, today, override)
    overridden = end is None or end >= today
    init = record_event("data:cci:destroy-init", cci_code=cci.code, data={
        "appeal_end": end.isoformat() if end else None,
        "override": (override or "").strip() if overridden else None,
    })  # fmt: skip
    tables: dict[str, int] = {}
    paths: list[str] = []
    folders: dict[str, int] = {}
    outside: list[str] = []
    _sweep_mailbox(cci.code, folders)  # before the electors go: their addresses tell which
    _sweep_sms(cci.code, folders)
    with transaction.atomic():
        _delete_rows(cci, tables, paths)
    _unlink(paths, folders, outside)
    document: dict[str, Any] = {
        "format": FORMAT,
        "cci": cci.code,
        "label": cci.label,
        "destroyed_at": timestamp(timezone.now()),
        "appeal_end": end.isoformat() if end else None,
        "override": (override or "").strip() if overridden else None,
        "journal_sequence": init.sequence,
        "tables": dict(sorted(tables.items())),
        "folders": dict(sorted(folders.items())),
        "outside_files": len(outside),
        "kept": [
            "registre public et scellements (records/)",
            "résultats et procès-verbaux",
            "candidatures",
            "urne chiffrée",
            "journal",
        ],
    }
    mark(document)
    key = platform_signing_key()
    document["platform_key"] = public_key_hex(key)
    document["signature"] = sign_document(key, document)
    folder = certificates_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"certificat-destruction-{cci.code}-{init.sequence}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    record_event("data:cci:destroy-complete", cci_code=cci.code, data={
        "outcome": "done", "certificate": path.name, "signature": document["signature"],
        "tables": document["tables"], "folders": document["folders"],
    })  # fmt: skip
    return Destruction(path, document, outside)
