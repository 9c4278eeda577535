"""The tally of one urn, in any order (CCTP 4.1.4.6, 3.2.2.6, 4.1.4.8, 4.2.2.2).

1. ``start``: only for an urn whose vote is closed and sealed (design invariant 3). The
   ballots of the sealed ballot box are written as the record's ``ballots.jsonl`` (canonical lines
   in tracker order), whose count and SHA-256 must equal the closing seal's, and the count must
   equal the number of émargements (R713-24): any difference stops the tally, shown and journaled.
2. The ballots are aggregated homomorphically (all cores) into ``tally.json``. Nothing else is
   ever offered for decryption: there is no way to decrypt a single ballot.
3. Each key holder, on their own device, checks that ``tally.json`` is the sum of the published
   ballots and posts a partial decryption with proofs; each is checked on receipt.
4. With the president's and ``t`` assessors' partials, the totals are combined, the CCI rule
   applied, and the signed record (the 8 files of docs/protocol.md §11), the results
   document and the procès-verbaux are written; the urn is then locked.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scrutin.crypto import dkg
from scrutin.crypto.decryption import DecryptionError, check_partial, tally_from_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import ElectionParameters, parse_parameters
from scrutin.record import layout, strictjson
from scrutin.record.recount import result_documents
from scrutin.record.writer import document_bytes, write_json, write_manifest

from ..audit.journal import record_event
from ..ceremony import services as ceremony
from ..electoral.models import Elector, Urn
from ..environment import TEST, is_test
from ..keys import platform_signing_key
from ..sealing import services as seals
from ..sealing.ballots import write_ballots_file
from ..voting.models import Emargement, UrnElection
from .models import PartialDecryption, TallySession
from .results import urn_results

RESULTS_FILE = "resultats.json"


class TallyRefused(Exception):
    """A tally action that cannot be taken now; the message is shown to the commission."""


def record_dir(urn: Urn) -> Path:
    return Path(settings.VAR_DIR) / "records" / urn.code / "record"


def urn_dir(urn: Urn) -> Path:
    return Path(settings.VAR_DIR) / "records" / urn.code


def parameters(election: UrnElection) -> ElectionParameters:
    return parse_parameters(election.params)


def trustees_of(urn: Urn) -> dict[str, Any]:
    from ..ceremony.services import finalized_trustees

    trustees = finalized_trustees(urn.cci_id)
    if trustees is None:
        raise TallyRefused("La cérémonie des clés de cette COE n'est pas terminée.")
    return trustees


def can_start(urn: Urn) -> str | None:
    """Why the tally of ``urn`` cannot start now, or ``None``."""
    election = UrnElection.objects.filter(urn=urn).first()
    if election is None:
        return "Cette urne n'a pas d'élection."
    if election.closed_at is None:
        return "Le vote de cette urne n'est pas clos : aucun dépouillement avant la clôture."
    if seals.closing_of(urn) is None:
        return "L'urne n'est pas scellée à la clôture : le dépouillement est impossible."
    if TallySession.objects.filter(urn=urn).exists():
        return "Le dépouillement de cette urne a déjà commencé."
    return None


def start(urn: Urn, user: Any = None) -> TallySession:
    """Open the tally session of a closed, sealed urn (the aggregation runs as a job)."""
    with transaction.atomic():
        Urn.objects.select_for_update().get(pk=urn.pk)
        reason = can_start(urn)
        if reason:
            raise TallyRefused(reason)
        session = TallySession.objects.create(
            urn=urn, state=TallySession.State.AGGREGATING,
            started_by=user if getattr(user, "pk", None) else None,
        )  # fmt: skip
        record_event("tally:urn:decrypt-init", actor=user, cci_code=urn.cci_id, urn_code=urn.code,
                     data={"election": urn.election.fingerprint})  # fmt: skip
    return session


def stop(session: TallySession, anomaly: str) -> TallySession:
    session.state = TallySession.State.STOPPED
    session.anomaly = anomaly
    session.save(update_fields=["state", "anomaly"])
    urn = session.urn
    record_event("tally:urn:anomaly", cci_code=urn.cci_id, urn_code=urn.code,
                 data={"anomaly": anomaly})  # fmt: skip
    return session


def aggregate(session_id: int, workers: int | None = None) -> TallySession:
    """Write the urn's ballots file, check it against the closing seal and the émargements,
    aggregate it into ``tally.json``."""
    from scrutin.record.tally import aggregate_file, tally_document

    session = TallySession.objects.select_related("urn__cci", "urn__election").get(pk=session_id)
    if session.state != TallySession.State.AGGREGATING:
        return session
    urn = session.urn
    election = urn.election
    params = parameters(election)
    directory = record_dir(urn)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    write_json(directory / layout.ELECTION, election.params)
    write_json(directory / layout.TRUSTEES, trustees_of(urn))
    count, digest = write_ballots_file(urn, directory / layout.BALLOTS)
    closing = seals.closing_of(urn)
    assert closing is not None  # checked by start()
    emargements = Emargement.objects.filter(urn=urn).count()
    if (count, digest) != (closing.ballot_count, closing.ballots_sha256):
        return stop(session, (
            f"Le contenu de l'urne ({count} bulletins, empreinte {digest[:16]}…) ne correspond pas "
            f"au scellement de clôture ({closing.ballot_count} bulletins, empreinte "
            f"{closing.ballots_sha256[:16]}…)."))  # fmt: skip
    if count != emargements:
        return stop(session, (
            f"Le nombre de bulletins ({count}) diffère du nombre d'émargements ({emargements}) : "
            "le dépouillement est arrêté (Code de commerce R713-24)."))  # fmt: skip
    # the closing seal goes into the record: the verifier checks ballots = seal = émargements
    write_json(directory / layout.CLOSING, closing.document)
    result = aggregate_file(params, directory / layout.BALLOTS, workers=workers)
    tally_doc = tally_document(params, result)
    write_json(directory / layout.TALLY, tally_doc)
    session.tally = tally_doc
    session.tally_fingerprint = fingerprint(tally_doc)
    session.state = TallySession.State.WAITING
    session.save(update_fields=["tally", "tally_fingerprint", "state"])
    return session


def _keys(urn: Urn) -> dkg.TrusteeKeys:
    return dkg.trustee_keys(trustees_of(urn))


def missing_partials(session: TallySession) -> tuple[bool, int]:
    """(president's partial missing?, assessors still needed)."""
    keys = _keys(session.urn)
    have = set(session.partials.values_list("trustee", flat=True))
    assessors = sum(1 for a in keys.ceremony.assessors if a in have)
    return keys.ceremony.president not in have, max(0, keys.ceremony.threshold - assessors)


def _of_holder(urn: Urn, trustee: str) -> str:
    """« de Claire Lefèvre », « d'Anne Moreau » (elided), « de ce détenteur de clé »."""
    name = ceremony.trustee_names(urn.cci_id).get(trustee) or "ce détenteur de clé"
    return f"d'{name}" if name[:1].upper() in "AEIOUYÂÉÈÊÎÔ" else f"de {name}"


def received_partials(session: TallySession) -> list[dict[str, Any]]:
    """The partial decryptions received, for the tally pages: the holder by name (the account
    the ceremony designated) and role in French, never the key's internal identifier."""
    names = ceremony.trustee_names(session.urn.cci_id)
    roles = {"president": "président de la commission", "assessor": "assesseur"}
    return [{"name": names.get(p.trustee) or roles.get(p.role, "détenteur de clé"),
             "role": roles.get(p.role, "détenteur de clé"), "received_at": p.received_at}
            for p in session.partials.all()]  # fmt: skip


def _refusal_reason(document: dict[str, Any], keys: dkg.TrusteeKeys,
                    params: ElectionParameters, session: TallySession) -> str:  # fmt: skip
    """Why a partial decryption was refused, in French (the crypto layer's messages are for
    developers and name internal identifiers)."""
    trustee = document.get("trustee")
    if not isinstance(trustee, str) or not trustee:
        return "le fichier ne dit pas quel détenteur de clé l'a produit (fichier incomplet)."
    if trustee not in keys.keys:
        return ("il a été produit avec une clé qui n'est pas celle d'un détenteur de cette "
                "commission (autre cérémonie des clés ?).")  # fmt: skip
    if document.get("election") != params.fingerprint() or document.get("tally") != session.tally_fingerprint:  # fmt: skip
        return ("il a été produit pour un autre scrutin ou une autre agrégation ; téléchargez "
                "à nouveau le dossier de dépouillement de cette urne.")  # fmt: skip
    return (
        "ses preuves de déchiffrement ne sont pas valides ou le fichier est abîmé ; "
        "produisez-le à nouveau avec votre support de clé."
    )


def receive_partial(session: TallySession, document: object, user: Any = None) -> str:
    """Check and keep one key holder's partial decryption; finish the tally when enough."""
    urn = session.urn
    if not isinstance(document, dict):
        raise TallyRefused("Le fichier reçu n'est pas un déchiffrement partiel (JSON attendu).")
    refused: Exception | None = None
    with transaction.atomic():
        session = TallySession.objects.select_for_update().get(pk=session.pk)
        if session.state != TallySession.State.WAITING:
            raise TallyRefused("Ce dépouillement n'attend pas de déchiffrement partiel.")
        params = parameters(urn.election)
        keys = _keys(urn)
        try:
            check_partial(params, keys, tally_from_json(params, session.tally or {}), document,
                          session.tally_fingerprint)  # fmt: skip
        except (DecryptionError, dkg.CeremonyError) as exc:
            refused = exc
        else:
            trustee = str(document["trustee"])
            if session.partials.filter(trustee=trustee).exists():
                raise TallyRefused(
                    f"Le déchiffrement partiel {_of_holder(urn, trustee)} a déjà été reçu."
                )
            PartialDecryption.objects.create(
                session=session, trustee=trustee, role=str(document["role"]), document=document,
                received_from=user if getattr(user, "pk", None) else None,
            )  # fmt: skip
            record_event("tally:partial:accept", actor=user, cci_code=urn.cci_id,
                         urn_code=urn.code, data={"trustee": trustee, "partial": fingerprint(document)})  # fmt: skip
    if refused is not None:
        record_event("tally:partial:refuse", actor=user, cci_code=urn.cci_id, urn_code=urn.code,
                     data={"reason": str(refused)[:200]})  # fmt: skip
        raise TallyRefused(
            f"Déchiffrement partiel refusé : {_refusal_reason(document, keys, params, session)}"
        ) from refused
    president_missing, assessors_needed = missing_partials(session)
    if not president_missing and assessors_needed == 0:
        finish(session)
        return (f"Déchiffrement partiel {_of_holder(urn, trustee)} accepté : le "
                "dépouillement est terminé.")  # fmt: skip
    return f"Déchiffrement partiel {_of_holder(urn, trustee)} accepté."


def finish(session: TallySession) -> TallySession:
    """Combine, count, write the signed record and the results; lock the urn's tally."""
    urn = Urn.objects.select_related("cci", "category", "election").get(pk=session.urn_id)
    election = urn.election
    params = parameters(election)
    trustees_doc = trustees_of(urn)
    partials = [p.document for p in session.partials.order_by("trustee")]
    decryptions, result = result_documents(params, trustees_doc, session.tally or {}, partials)
    directory = record_dir(urn)
    write_json(directory / layout.DECRYPTIONS, decryptions)
    write_json(directory / layout.RESULT, result)
    write_manifest(directory, params.fingerprint(), platform_signing_key(),
                   environment=TEST if is_test() else "")  # fmt: skip
    totals: dict[str, tuple[list[int], int]] = {
        str(q.id): (list(answer["counts"]), int(answer["blank"]))
        for q, answer in zip(params.questions, result["answers"], strict=True)
    }
    closing = seals.closing_of(urn)
    assert closing is not None
    now = timezone.now()
    doc = urn_results(
        urn, totals,
        registered=Elector.objects.filter(urn=urn).count(),
        voters=int(result["ballot_count"]),
        fingerprints={"election": params.fingerprint(), "tally": session.tally_fingerprint,
                      "result": fingerprint(result)},
        seals=seals.fingerprints(urn),
        times={"opens_at": election.opens_at, "closes_at": election.closes_at,
               "closed_at": election.closed_at, "tally_started_at": session.started_at,
               "tally_finished_at": now},
        decrypted_by=list(result["decrypted_by"]),
        trustee_names=ceremony.trustee_names(urn.cci_id),
    )  # fmt: skip
    (urn_dir(urn) / RESULTS_FILE).write_bytes(document_bytes(doc))
    session.decryptions = decryptions
    session.result = result
    session.results = doc
    session.state = TallySession.State.DONE
    session.finished_at = now
    session.save(update_fields=["decryptions", "result", "results", "state", "finished_at"])
    record_event("tally:urn:decrypt-complete", cci_code=urn.cci_id, urn_code=urn.code,
                 data={"outcome": "success", "result": fingerprint(result),
                       "ballot_count": result["ballot_count"]})  # fmt: skip
    return session


def election_document(urn: Urn) -> dict[str, Any]:
    return dict(urn.election.params)


def read_record_file(urn: Urn, name: str) -> bytes:
    if name not in layout.DOCUMENTS and name != layout.MANIFEST:
        raise FileNotFoundError(name)
    return (record_dir(urn) / name).read_bytes()


def results_of(urn: Urn) -> dict[str, Any] | None:
    session = TallySession.objects.filter(urn=urn, state=TallySession.State.DONE).first()
    return session.results if session else None


MAX_PARTIAL = 16 * 1024 * 1024


def load_json(raw: bytes) -> object:
    """An uploaded or posted partial decryption, read by the one strict JSON reader."""
    try:
        return strictjson.loads(raw, max_bytes=MAX_PARTIAL)
    except strictjson.JsonRefused as exc:
        raise TallyRefused(f"Fichier illisible : {exc}.") from exc
