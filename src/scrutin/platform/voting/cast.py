"""Casting a ballot: stored in the ballot box and émargement recorded — both or neither, even
if the process is killed at any point, and one vote per right under concurrent casts
(CCTP 4.1.4.3, 4.1.4.4; design README §3.5).

The ballot box and the émargement list live in two databases with no shared transaction, so a
cast runs four short transactions around a random token ``t``:

1. ``default``: lock the right; refuse if the urn is closed (read under a key-share lock
   that the closing waits for, see ``_lock_open``), if the right has voted or has a cast in
   progress; write ``CastIntent(elector, t)`` and commit — the durable mark that a cast started.
2. ``ballotbox``: store the ballot and ``BallotIntent(H(t), tracker)``; commit.
3. ``default``: delete the intent and write the ``Emargement``; commit. If the intent is gone
   (recovery decided the cast failed), undo step 2 instead.
4. ``ballotbox``: delete ``BallotIntent(H(t))``.

``recover()`` settles intents left by a crash: if the ballot box holds ``H(t)`` the ballot was
stored, so the émargement is written; otherwise the intent is dropped and the elector may vote
again. The link between elector and ballot (``t`` ↔ ``H(t)``) exists only while a cast is in
flight or until recovery runs; the ballot box never holds a timestamp or an elector number.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from scrutin.crypto.ballot import InvalidBallot, ballot_tracker, check_ballot_json
from scrutin.crypto.encoding import EncodingError, canonical_json
from scrutin.crypto.params import ElectionParameters, parse_parameters

from ..ballotbox.models import Alpha, Ballot, BallotIntent
from ..electoral.models import Elector
from ..monitoring import metrics
from .models import CastIntent, Emargement, UrnElection

BALLOTBOX = "ballotbox"
STALE_AFTER = timedelta(minutes=2)


INVALID_BALLOT = "Le bulletin reçu n'est pas valide : il n'a pas été enregistré."


class CastRefused(Exception):
    """The cast is refused; ``message`` is for the voter (French), ``code`` for the program."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CastResult:
    tracker: str
    voted_at: datetime
    election_fingerprint: str


_PARSED: dict[str, ElectionParameters] = {}


def _parameters(fingerprint: str, document: dict[str, Any]) -> ElectionParameters:
    """An urn's parameters, parsed and validated once per process: the document is immutable
    for a given fingerprint (the fingerprint is its hash, checked here on first use)."""
    params = _PARSED.get(fingerprint)
    if params is None:
        params = parse_parameters(document)
        if params.fingerprint() != fingerprint:
            raise ValueError(
                f"election {fingerprint}: stored fingerprint does not match its parameters"
            )
        _PARSED[fingerprint] = params
    return params


def _crash_point(name: str) -> None:
    """Fault injection for the crash tests: ``SCRUTIN_CRASH_AT=<name>`` kills the process here,
    with no clean-up at all (``os._exit``), as a power cut or ``kill -9`` would."""
    if os.environ.get("SCRUTIN_CRASH_AT") == name:
        os._exit(137)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def alphas(ballot_json: dict[str, Any]) -> list[str]:
    """Every ``alpha`` of the ballot's ciphertexts (choices and blank of each answer)."""
    out = []
    for answer in ballot_json["answers"]:
        out += [ct["alpha"] for ct in answer["choices"]]
        out.append(answer["blank"]["alpha"])
    return out


def ciphertexts_digest(ballot_json: dict[str, Any]) -> str:
    """SHA-256 over the ballot's ciphertexts only (not its proofs)."""
    cts = [[a["choices"], a["blank"]] for a in ballot_json["answers"]]
    return hashlib.sha256(canonical_json(cts)).hexdigest()


CLOSED = "Le vote est clos : il n'est plus possible de voter."


def seal_refusal(election: UrnElection) -> CastRefused | None:
    """Why the vote of this urn cannot open although it is within its window: the urn is not
    sealed, its candidatures are no longer those it sealed, or no platform seal is in force
    (CCTP 4.1.4.6, 4.2.2.2), else ``None``."""
    from django.db.models import Exists, OuterRef, Subquery

    from ..candidates.models import CandidaturesSeal
    from ..electoral.models import Urn
    from ..sealing.models import PlatformSeal, UrnSeal

    # one round trip for the three checks (asked on every ballot page and every cast)
    urn_seal = UrnSeal.objects.filter(urn_id=OuterRef("pk"))
    in_force = CandidaturesSeal.objects.filter(urn_id=OuterRef("pk"), unseal__isnull=True)
    row = (
        Urn.objects.filter(pk=election.urn_id)
        .annotate(
            has_seal=Exists(urn_seal),
            sealed_candidatures=Subquery(urn_seal.values("document__candidatures")[:1]),
            candidatures=Subquery(in_force.order_by("-sealed_at").values("fingerprint")[:1]),
            platform_sealed=Exists(PlatformSeal.objects.filter(unsealed_at__isnull=True)),
        )
        .values_list("has_seal", "sealed_candidatures", "candidatures", "platform_sealed")
        .first()
    )
    if row is None or not row[0]:
        return CastRefused(
            "not-sealed", "Le vote n'est pas encore ouvert : l'urne n'a pas encore été scellée."
        )
    _, sealed_candidatures, candidatures, platform_sealed = row
    if candidatures != sealed_candidatures:
        return CastRefused(
            "candidatures-changed",
            "Le vote est momentanément interrompu : les candidatures de ce scrutin ne sont plus "
            "celles qui ont été scellées. La commission d'organisation des élections est prévenue.",
        )
    if not platform_sealed:
        return CastRefused(
            "unsealed",
            "Le vote est momentanément interrompu : la plate-forme de vote n'est pas scellée. "
            "Il reprendra dès son nouveau scellement ; revenez un peu plus tard.",
        )
    return None


def _check_open(election: UrnElection, now: datetime) -> None:
    if election.closed_at is not None or now >= election.closes_at:
        raise CastRefused("closed", CLOSED)
    if now < election.opens_at:
        raise CastRefused("not-open", "Le vote n'est pas encore ouvert.")
    refusal = seal_refusal(election)
    if refusal is not None:
        raise refusal
    if election.suspended:
        raise CastRefused("suspended", election.suspension_message or "Le vote est suspendu.")


def _lock_open(election: UrnElection) -> None:
    """Inside step 1: re-read the urn's closing under a key-share lock on its election row.

    The closing (``sealing.services.close_urn``) sets ``closed_at`` under an exclusive lock,
    which waits for every cast holding this lock: a cast either commits its intent before the
    closing, which then waits for it to finish and counts it, or reads the urn closed here."""
    from django.db import connection

    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    table = UrnElection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT closed_at FROM {table} WHERE id = %s{lock}", [election.pk])  # noqa: S608
        row = cursor.fetchone()
    if row is None or row[0] is not None or timezone.now() >= election.closes_at:
        raise CastRefused("closed", CLOSED)


def cast_ballot(elector: Elector, ballot_json: object) -> CastResult:
    """Verify and store ``ballot_json`` for ``elector``'s voting right, or raise CastRefused.
    Every outcome is counted for the monitoring (issue 18; monitoring.metrics)."""
    try:
        result = _cast_ballot(elector, ballot_json)
    except CastRefused as refused:
        metrics.count_refusal(refused.code)
        raise
    except Exception:
        metrics.CAST_ERRORS.inc()
        raise
    metrics.CASTS_ACCEPTED.inc()
    return result


def _cast_ballot(elector: Elector, ballot_json: object) -> CastResult:
    election = UrnElection.objects.select_related("urn").get(urn_id=elector.urn_id)
    _check_open(election, timezone.now())
    params = _parameters(election.fingerprint, election.params)
    try:
        check_ballot_json(params, ballot_json)
    except (InvalidBallot, EncodingError) as exc:
        raise CastRefused("invalid-ballot", INVALID_BALLOT) from exc
    assert isinstance(ballot_json, dict)
    tracker = str(ballot_tracker(ballot_json))
    digest = ciphertexts_digest(ballot_json)
    token = secrets.token_hex(32)

    # 1. durable intent, one per right
    try:
        with transaction.atomic():
            _lock_elector(elector.number)
            _lock_open(election)
            if Emargement.objects.filter(elector_number=elector.number).exists():
                raise CastRefused("already-voted", "Vous avez déjà voté avec cet identifiant.")
            stale = CastIntent.objects.filter(elector_number=elector.number).first()
            if stale is not None:
                if timezone.now() - stale.created_at < STALE_AFTER:
                    raise CastRefused(
                        "in-progress", "Un vote avec cet identifiant est en cours d'enregistrement."
                    )
                _settle(stale)
                if Emargement.objects.filter(elector_number=elector.number).exists():
                    raise CastRefused("already-voted", "Vous avez déjà voté avec cet identifiant.")
            CastIntent.objects.create(
                elector_number=elector.number, urn_id=elector.urn_id, token=token
            )
    except IntegrityError as exc:  # a concurrent cast won the unique constraint
        raise CastRefused(
            "in-progress", "Un vote avec cet identifiant est en cours d'enregistrement."
        ) from exc
    _crash_point("after-intent")

    # 2. the ballot, tagged with H(token)
    try:
        with transaction.atomic(using=BALLOTBOX):
            Ballot.objects.using(BALLOTBOX).create(
                fingerprint=tracker,
                urn_code=election.urn.code,
                content=ballot_json,
                ciphertexts=digest,
            )
            Alpha.objects.using(BALLOTBOX).bulk_create(
                [Alpha(alpha=a, fingerprint=tracker) for a in alphas(ballot_json)]
            )
            BallotIntent.objects.using(BALLOTBOX).create(
                token_hash=_token_hash(token), fingerprint=tracker
            )
    except IntegrityError as exc:
        CastIntent.objects.filter(token=token).delete()
        raise CastRefused(
            "duplicate", "Ce bulletin a déjà été déposé dans l'urne : il est refusé."
        ) from exc
    _crash_point("after-ballot")

    # 3. émargement, unless recovery already gave up on this cast. The elector row is locked
    # first, as in step 1 and in recovery, so that a concurrent step 1 never sees the intent
    # already deleted but the émargement not yet written (READ COMMITTED reads per statement).
    voted_at = timezone.now()
    with transaction.atomic():
        _lock_elector(elector.number)
        intent = CastIntent.objects.select_for_update().filter(token=token).first()
        if intent is not None:
            intent.delete()
            Emargement.objects.create(
                elector_number=elector.number, urn_id=elector.urn_id, voted_at=voted_at
            )
    if intent is None:
        _undo_ballot(token)
        raise CastRefused(
            "interrupted", "L'enregistrement de votre vote a été interrompu : votez à nouveau."
        )
    _crash_point("after-emargement")

    # 4. forget the link
    BallotIntent.objects.using(BALLOTBOX).filter(token_hash=_token_hash(token)).delete()
    return CastResult(tracker, voted_at, election.fingerprint)


def _lock_elector(number: str) -> None:
    """Serialises everything that decides whether this right has voted (steps 1 and 3, recovery)."""
    list(Elector.objects.select_for_update().filter(number=number).values_list("number", flat=True))


def _undo_ballot(token: str) -> None:
    with transaction.atomic(using=BALLOTBOX):
        intent = BallotIntent.objects.using(BALLOTBOX).filter(token_hash=_token_hash(token)).first()
        if intent is not None:
            Ballot.objects.using(BALLOTBOX).filter(fingerprint=intent.fingerprint).delete()
            Alpha.objects.using(BALLOTBOX).filter(fingerprint=intent.fingerprint).delete()
            intent.delete()


def _settle(intent: CastIntent) -> str:
    """Finish or drop one interrupted cast (caller holds a transaction on ``default``)."""
    token_hash = _token_hash(intent.token)
    stored = BallotIntent.objects.using(BALLOTBOX).filter(token_hash=token_hash).exists()
    intent.delete()
    if stored:
        Emargement.objects.get_or_create(
            elector_number=intent.elector_number,
            defaults={"urn_id": intent.urn_id, "voted_at": timezone.now()},
        )
        BallotIntent.objects.using(BALLOTBOX).filter(token_hash=token_hash).delete()
        return "completed"
    return "dropped"


def recover(older_than: timedelta = STALE_AFTER) -> dict[str, int]:
    """Settle every cast interrupted by a crash; run at start-up and periodically."""
    outcome = {"completed": 0, "dropped": 0, "orphans": 0}
    limit = timezone.now() - older_than
    stale = CastIntent.objects.filter(created_at__lte=limit).values_list("pk", "elector_number")
    for pk, number in list(stale):
        with transaction.atomic():
            _lock_elector(number)  # same lock order as a cast: elector, then intent
            intent = CastIntent.objects.select_for_update().filter(pk=pk).first()
            if intent is not None:
                outcome[_settle(intent)] += 1
    # Step 4 interrupted: the émargement is written, only the tag remains. Read the tags
    # before the live intents: a cast that tags its ballot after the first read is not seen,
    # and one tagged before it already has its intent written, so is seen as live.
    tags = list(BallotIntent.objects.using(BALLOTBOX).values_list("token_hash", flat=True))
    live = {_token_hash(t) for t in CastIntent.objects.values_list("token", flat=True)}
    for token_hash in tags:
        if token_hash not in live:
            BallotIntent.objects.using(BALLOTBOX).filter(token_hash=token_hash).delete()
            outcome["orphans"] += 1
    return outcome
