"""Credentials: authentication API for the voters' site and generation at scale.

``authenticate`` and ``check_challenge`` are what the voting site calls (CCTP 4.1.4.2, 4.1.4.3:
identifier + secret code, then the birth date in a second step); throttling and lockout are the
voting site's job. ``generate`` and ``regenerate_one`` create codes with a CSPRNG, store only
their keyed hash and write the plaintext to an export sealed to the dispatch operator's key
(CCTP 4.1.4.5, 5.2.3). No code, plaintext or hash, is ever logged.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from ..audit.journal import record_event
from ..electoral import fingerprints
from ..electoral.models import Cci, Elector
from ..environment import is_test
from . import codes
from .export import ExportWriter, key_fingerprint, open_export_file
from .models import Credential, CredentialCounts, GenerationRun, RecipientKey

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
PAGE = 10_000
_NO_HASH = bytes(32)  # compared against when the identifier is unknown: same work either way
EXPORT_FIELDS = (
    "civility", "usage_name", "first_name", "company_name", "postal_recipient",
    "postal_complement1", "postal_complement2", "postal_street", "postal_place", "postal_code",
    "postal_city", "postal_country", "email", "mobile_e164",
    # for the postal letters (scrutin material letters): sorting by urn and by surname (CCTP
    # 5.2.2.1) and the category shown to the elector
    "category_code", "subcategory_code", "urn__category__label", "urn__subcategory_label",
    "family_name",
)  # fmt: skip


def _field(elector: Elector, path: str) -> Any:
    """``getattr`` along a ``values_list`` path (``urn__category__label``)."""
    value: Any = elector
    for part in path.split("__"):
        value = getattr(value, part)
    return value


#: a change stamped this long before a count may have committed after it: recounted next time
RECOUNT_MARGIN = timedelta(seconds=5)
COPY_COLUMNS = ("number", "cci_code", "code_hash", "generation", "issued_at", "run_id")


class GenerationRefused(Exception):
    """The generation is not allowed in the current state (message in French, for the user)."""


def _pepper() -> bytes:
    return codes.pepper_bytes(settings.SCRUTIN_CREDENTIAL_PEPPER)


# --- the voting site's API ---------------------------------------------------------------------


def authenticate(identifier: str, code: str) -> Credential | None:
    """The credential matching this identifier and secret code, else ``None``.

    Input is normalised (spaces, dashes, dots removed; case ignored). The work does not depend on
    whether the identifier exists: always one indexed lookup, one HMAC and one constant-time
    comparison (against a dummy value for an unknown identifier). A credential whose elector line
    has been removed does not authenticate (the lookup joins the elector).
    """
    number = codes.normalise_identifier(identifier)[:64]
    typed = codes.normalise_code(code)[:64]
    row = Credential.objects.select_related("elector").filter(elector_id=number).first()
    expected = bytes(row.code_hash) if row is not None else _NO_HASH
    matches = hmac.compare_digest(codes.code_hash(_pepper(), number, typed), expected)
    return row if matches and row is not None else None


def check_challenge(credential: Credential, ddmmyyyy: str) -> bool:
    """Second step: the birth date as DDMMYYYY (separators ignored); True when the electors file
    said 01011901, i.e. no birth date to check (annex 7.1.3)."""
    birth = credential.elector.birth_date
    if birth is None:
        return True
    typed = "".join(ch for ch in ddmmyyyy if ch.isdigit())
    return hmac.compare_digest(typed.encode(), f"{birth:%d%m}{birth.year:04d}".encode())


# --- recipient key -----------------------------------------------------------------------------


def register_recipient(public_key: bytes, label: str, user: User | None = None) -> RecipientKey:
    """Make this X25519 public key the one exports are sealed to (the previous one is retired)."""
    if len(public_key) != 32:
        raise ValueError("Une clé publique X25519 fait 32 octets.")
    fingerprint = key_fingerprint(public_key)
    with transaction.atomic():
        RecipientKey.objects.filter(active=True).update(active=False)
        key, _ = RecipientKey.objects.update_or_create(
            fingerprint=fingerprint,
            defaults={"public_key": public_key, "label": label[:100], "active": True,
                      "created_by": user},
        )  # fmt: skip
    return key


def active_recipient() -> RecipientKey | None:
    return RecipientKey.objects.filter(active=True).first()


# --- generation --------------------------------------------------------------------------------


def exact_counts(cci_codes: Iterable[str]) -> dict[str, dict[str, int]]:
    """Electors, credentials and lines without one, for each of these CCIs, counted now in one
    grouped query. Credentials are counted through their elector line: those of lines removed
    from the list do not count."""
    codes = list(cci_codes)
    found = {
        row["cci_code"]: row
        for row in Elector.objects.filter(cci_code__in=codes)
        .values("cci_code")
        .annotate(electors=Count("number"), credentials=Count("credential"))
        .order_by()
    }
    out = {}
    for code in codes:
        row = found.get(code, {"electors": 0, "credentials": 0})
        electors, issued = int(row["electors"]), int(row["credentials"])
        out[code] = {"electors": electors, "credentials": issued, "missing": electors - issued}
    return out


def counts_by_cci(cci_codes: Iterable[str]) -> dict[str, dict[str, int]]:
    """:func:`exact_counts` as stored in :class:`CredentialCounts`, recounted only for the CCIs
    whose list or credentials changed since (a list changes its control-list values, a
    generation finishes a run): the dashboard of a hundred CCIs counts no two million rows."""
    codes = list(cci_codes)
    changed = fingerprints.changed_at_by_cci(codes)
    generated = dict(
        GenerationRun.objects.filter(cci_code__in=codes, finished_at__isnull=False)
        .values_list("cci_code")
        .annotate(last=Max("finished_at"))
        .order_by()
    )
    kept = {row.cci_code: row for row in CredentialCounts.objects.filter(cci_code__in=codes)}
    stale = []
    for code in codes:
        row = kept.get(code)
        moments = [m for m in (changed.get(code), generated.get(code)) if m is not None]
        if row is None or any(m >= row.computed_at for m in moments):
            stale.append(code)
    if stale:
        now = timezone.now() - RECOUNT_MARGIN
        rows = [CredentialCounts(cci_code=code, electors=fresh["electors"],
                                 credentials=fresh["credentials"], computed_at=now)
                for code, fresh in exact_counts(stale).items()]  # fmt: skip
        CredentialCounts.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["cci_code"],
            update_fields=["electors", "credentials", "computed_at"],
        )  # fmt: skip
        kept |= {row.cci_code: row for row in rows}
    return {
        code: {"electors": kept[code].electors, "credentials": kept[code].credentials,
               "missing": kept[code].electors - kept[code].credentials}
        for code in codes
    }  # fmt: skip


def counts(cci_code: str) -> dict[str, int]:
    return counts_by_cci([cci_code])[cci_code]


def new_run(cci_code: str, mode: str, *, user: User | None = None, reason: str = "",
            recipient: RecipientKey | None = None, number: str = "") -> GenerationRun:  # fmt: skip
    """Record a generation request (who, when, why) before it runs."""
    recipient = recipient or active_recipient()
    if recipient is None:
        raise GenerationRefused(
            "Aucune clé de l'opérateur d'expédition n'est enregistrée : l'export des codes ne "
            "pourrait pas être chiffré. Enregistrez-la d'abord (scrutin credentials recipient)."
        )
    if mode in (GenerationRun.Mode.ALL, GenerationRun.Mode.ONE) and not reason.strip():
        raise GenerationRefused("Indiquez le motif de la régénération.")
    return GenerationRun.objects.create(cci_code=cci_code, mode=mode, reason=reason.strip()[:300],
                                        recipient=recipient, created_by=user,
                                        elector_number=number)  # fmt: skip


def _recipient_key(run: GenerationRun) -> bytes:
    """The key an export is sealed to (every run but a ``mail`` one has a recipient)."""
    if run.recipient is None:
        raise GenerationRefused(
            "Cette génération n'a pas de clé d'opérateur : aucun export possible."
        )
    return bytes(run.recipient.public_key)


def export_folder() -> Path:
    return Path(settings.VAR_DIR) / "credential_exports"


def export_path(run: GenerationRun, mode: str) -> Path:
    """A new file for this run's export; the random part keeps names unique even when run
    numbers start again (a database restored or re-created next to existing exports)."""
    return (
        export_folder()
        / f"{run.pk}-{run.cci_code}-{mode}-{secrets.token_hex(4)}.scrutin-identifiants"
    )


def _pages(cci_code: str, missing_only: bool) -> Iterator[list[tuple[Any, ...]]]:
    """The CCI's elector lines by number, a page at a time, from one streaming query (a
    server-side cursor on PostgreSQL, ``fetchmany`` on SQLite): one scan, constant memory. The
    pages' writes go through the same connection between two fetches."""
    rows = Elector.objects.filter(cci_code=cci_code).order_by("number")
    if missing_only:
        rows = rows.filter(credential__isnull=True)
    stream = rows.values_list("number", "birth_date", *EXPORT_FIELDS).iterator(chunk_size=PAGE)
    while page := list(islice(stream, PAGE)):
        yield page


class _Sink:
    """Writes credential rows: ``COPY`` on PostgreSQL, batched INSERTs on SQLite."""

    def __init__(self) -> None:
        self.table = connection.ops.quote_name(Credential._meta.db_table)
        self.columns = ", ".join(COPY_COLUMNS)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(COPY_COLUMNS))
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608 - fixed names
                cursor.executemany(sql, rows)

    def delete_range(self, first: str, last: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE number >= %s AND number <= %s",  # noqa: S608
                           [first, last])  # fmt: skip


def _export_row(number: str, code: str, values: tuple[Any, ...]) -> list[str]:
    return [number, codes.format_code(code), "non" if values[1] is None else "oui", *values[2:]]


def _write_page(page: list[tuple[Any, ...]], run: GenerationRun, sink: _Sink,
                writer: ExportWriter, now: datetime, generations: dict[str, int]) -> None:  # fmt: skip
    pepper, run_id, cci, digest = _pepper(), run.pk, run.cci_code, codes.code_hash
    fresh = codes.random_codes(len(page))
    rows = []
    for values, code in zip(page, fresh, strict=True):
        number = values[0]
        rows.append((number, cci, digest(pepper, number, code), generations.get(number, 0) + 1,
                     now, run_id))  # fmt: skip
        writer.write_row(_export_row(number, code, values))
    sink.write(rows)


def generate(run: GenerationRun, progress: Progress | None = None) -> GenerationRun:
    """Run a CCI-wide generation (modes NEW, MISSING, ALL) in one transaction.

    NEW refuses when the CCI already has credentials; MISSING adds the lines without one (e.g.
    electors added by a CELE decision); ALL replaces every credential of the CCI (the old codes
    stop working at commit). Memory stays constant: pages of electors, ``COPY`` on PostgreSQL,
    export chunks written as they fill.
    """
    run.status = GenerationRun.Status.RUNNING
    run.save(update_fields=["status"])
    journal = {"run": run.pk, "mode": str(run.mode)}
    record_event(
        "credentials:cci:generate-init", actor=run.created_by, cci_code=run.cci_code, data=journal
    )
    path = export_path(run, str(run.mode))
    try:
        with transaction.atomic():
            list(Cci.objects.select_for_update().filter(code=run.cci_code))  # one run per CCI
            existing = Credential.objects.filter(cci_code=run.cci_code).exists()
            if run.mode == GenerationRun.Mode.NEW and existing:
                raise GenerationRefused(
                    f"Des identifiants existent déjà pour la CCI {run.cci_code} : choisissez "
                    "« lignes sans identifiant » ou, avec un motif, la régénération de tous."
                )
            missing_only = run.mode == GenerationRun.Mode.MISSING
            total = exact_counts([run.cci_code])[run.cci_code][
                "missing" if missing_only else "electors"
            ]
            if total == 0:
                raise GenerationRefused(
                    f"Aucune ligne électorale à traiter pour la CCI {run.cci_code}."
                )
            run.total = total
            sink, now, done = _Sink(), timezone.now(), 0
            with open_export_file(path) as fh:
                writer = ExportWriter(fh, _recipient_key(run), test=is_test())
                for page in _pages(run.cci_code, missing_only):
                    generations: dict[str, int] = {}
                    if run.mode == GenerationRun.Mode.ALL:
                        first, last = page[0][0], page[-1][0]
                        generations = dict(Credential.objects.filter(
                            elector_id__gte=first, elector_id__lte=last).values_list("elector_id", "generation"))  # fmt: skip
                        sink.delete_range(first, last)
                    _write_page(page, run, sink, writer, now, generations)
                    done += len(page)
                    if progress:
                        progress(done, total)
                run.export_sha256 = writer.close()
            if run.mode == GenerationRun.Mode.ALL:  # lines of electors no longer in the list
                Credential.objects.filter(cci_code=run.cci_code).exclude(run=run).delete()
            run.count = done
            run.export_path = str(path)
            run.status = GenerationRun.Status.DONE
            run.finished_at = timezone.now()
            run.save()
    except GenerationRefused as exc:
        path.unlink(missing_ok=True)
        _finish(run, GenerationRun.Status.REFUSED, str(exc))
        record_event("credentials:cci:generate-complete", actor=run.created_by, cci_code=run.cci_code,
                     data=journal | {"outcome": "refused", "message": str(exc)})  # fmt: skip
        raise
    except Exception:
        path.unlink(missing_ok=True)
        log.exception("credential generation %s failed", run.pk)
        _finish(run, GenerationRun.Status.FAILED, "Échec technique : contactez l'assistance.")
        record_event("credentials:cci:generate-complete", actor=run.created_by, cci_code=run.cci_code,
                     data=journal | {"outcome": "failed"})  # fmt: skip
        raise
    record_event("credentials:cci:generate-complete", actor=run.created_by, cci_code=run.cci_code,
                 data=journal | {"outcome": "done", "count": run.count, "export_sha256": run.export_sha256})  # fmt: skip
    log.info("credential generation %s: %s lines for CCI %s", run.pk, run.count, run.cci_code)
    return run


def _finish(run: GenerationRun, status: str, message: str) -> None:
    run.status = status
    run.message = message[:500]
    run.count = 0
    run.finished_at = timezone.now()
    run.save()


def regenerate_one(number: str, *, reason: str, user: User | None = None,
                   recipient: RecipientKey | None = None) -> GenerationRun:  # fmt: skip
    """Give one elector line a new code (lost or stolen letter): the old code stops working at
    commit (its hash is replaced in one UPDATE), the run records who, when and why, and the new
    code is only in the run's encrypted export."""
    elector = Elector.objects.filter(number=codes.normalise_identifier(number)).first()
    if elector is None:
        raise GenerationRefused(f"Aucun électeur n'a l'identifiant {number}.")
    run = new_run(elector.cci_code, GenerationRun.Mode.ONE, user=user, reason=reason,
                  recipient=recipient, number=elector.number)  # fmt: skip
    run.total = 1
    path = export_path(run, "one")
    code = codes.random_codes(1)[0]
    digest = codes.code_hash(_pepper(), elector.number, code)
    try:
        with transaction.atomic(), open_export_file(path) as fh:
            now = timezone.now()
            current = Credential.objects.select_for_update().filter(elector=elector).first()
            if current is None:
                Credential.objects.create(elector=elector, cci_code=elector.cci_code,
                                          code_hash=digest, issued_at=now, run=run)  # fmt: skip
            else:
                Credential.objects.filter(pk=current.pk).update(
                    code_hash=digest, generation=current.generation + 1, issued_at=now, run=run
                )
            writer = ExportWriter(fh, _recipient_key(run), test=is_test())
            values = (
                elector.number,
                elector.birth_date,
                *(_field(elector, f) for f in EXPORT_FIELDS),
            )
            writer.write_row(_export_row(elector.number, code, values))
            run.export_sha256 = writer.close()
            run.count = 1
            run.export_path = str(path)
            run.status = GenerationRun.Status.DONE
            run.finished_at = now
            run.save()
    except Exception:
        path.unlink(missing_ok=True)
        _finish(run, GenerationRun.Status.FAILED, "Échec technique : contactez l'assistance.")
        raise
    log.info("credential of one line regenerated by run %s", run.pk)
    return run


# --- codes sent by e-mail or SMS (issue 14, CCTP 5.2.3.2, 5.1.3.3) -------------------------------


def mail_run(cci_code: str, campaign_id: int, *, user: User | None = None,
             reason: str = "") -> GenerationRun:  # fmt: skip
    """The run recording the codes a mailing campaign sends (mode ``mail``): one per campaign,
    created by whichever worker needs it first (the unique ``campaign_id`` settles a race). It
    has no recipient key and no export: its codes exist only in the messages."""
    run, _ = GenerationRun.objects.get_or_create(
        campaign_id=campaign_id,
        defaults={"cci_code": cci_code, "mode": GenerationRun.Mode.MAIL, "created_by": user,
                  "reason": reason[:300], "status": GenerationRun.Status.DONE,
                  "finished_at": timezone.now()},
    )  # fmt: skip
    return run


def issue_for_dispatch(number: str, run: GenerationRun) -> str:
    """Draw a new code for this elector line, store its HMAC (generation + 1, this run) and
    return the plaintext **in memory only**, for the message being composed (CCTP 5.2.3: no copy
    on disk, in the database, in a log). The previous code stops working when the caller's
    transaction commits. Raises :class:`GenerationRefused` for an unknown line."""
    code = codes.random_codes(1)[0]
    _replace_hash(number, run, lambda elector: codes.code_hash(_pepper(), elector, code))
    return code


def revoke(number: str, run: GenerationRun) -> None:
    """Kill this line's current code at once, without issuing a usable one: the stored hash
    becomes 32 random bytes, which no code matches (a resend revokes before the worker sends
    the new code, so the old one is dead even while the message waits in the queue)."""
    _replace_hash(number, run, lambda _elector: secrets.token_bytes(32))


def _replace_hash(number: str, run: GenerationRun, digest: Callable[[str], bytes]) -> None:
    elector = Elector.objects.filter(number=number).values_list("number", "cci_code").first()
    if elector is None:
        raise GenerationRefused(f"Aucun électeur n'a l'identifiant {number}.")
    with transaction.atomic():
        now = timezone.now()
        current = Credential.objects.select_for_update().filter(elector_id=number).first()
        if current is None:
            Credential.objects.create(elector_id=number, cci_code=elector[1],
                                      code_hash=digest(number), issued_at=now, run=run)  # fmt: skip
        else:
            Credential.objects.filter(pk=current.pk).update(
                code_hash=digest(number), generation=current.generation + 1, issued_at=now, run=run
            )
