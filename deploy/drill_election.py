"""The election side of the backup drill (``deploy/backup_drill.py``), one step per process.

Run by the drill with ``SCRUTIN_DATABASE_URL`` / ``SCRUTIN_BALLOTBOX_DATABASE_URL`` pointing at
the throwaway clusters (the primaries, then the restored copies) and its own
``SCRUTIN_VAR_DIR``; each step prints one JSON document on its last line of output.

    setup DIR ELECTORS        structure (one CCI, urns 011-C and 011-I), electors, sealed
                              candidatures, key ceremony (shares kept in DIR, the key holders'
                              devices of this drill), sealed urns and platform
    cast URN FIRST COUNT      COUNT real encrypted ballots through the cast service, electors
                              FIRST.. of URN; prints the acknowledged trackers and elector numbers
    close URN                 close and seal URN by decision
    metrics                   the ``scrutin_backup_*`` lines of ``/metriques``
    state                     what the databases hold: trackers per urn, émargements per urn,
                              closing seals (after ``recover()``, as an operator does first)
    tally DIR URN             tally the closed URN (aggregation checks ballots = closing seal =
                              émargements), partial decryptions with the shares of DIR, signed
                              record; then ``scrutin verify`` on the record (exit code printed)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CCI = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 3, 6), ("I", "Industrie", "", "", 3, 6)])
URNS = ("011-C", "011-I")


def _django() -> None:
    import django

    django.setup()


def setup(folder: Path, electors: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from scrutin.crypto import dkg
    from scrutin.platform.candidates import services as candidates
    from scrutin.platform.candidates.models import Candidate
    from scrutin.platform.ceremony.models import KeyCeremony
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import ImportRun, Urn
    from scrutin.platform.sealing import services as sealing
    from scrutin.record.simulate import run_ceremony

    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([CCI]))
    imports.import_structure(ImportRun.objects.create(kind="structure", filename="s", path=str(path)))  # fmt: skip
    path = folder / "electeurs.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER,
                       generate.elector_rows("011", [("C", ""), ("I", "")], electors))  # fmt: skip
    imports.import_electors(ImportRun.objects.create(kind="electors", filename="e", path=str(path)))
    for urn in Urn.objects.order_by("code"):
        for question in urn.questions.order_by("position"):
            group = candidates.create_groupement(question, f"Liste {question.kind}")
            for i in range(3):
                candidate = Candidate(question=question, groupement=group, civility="M.",
                                      last_name=f"Nom{i}", first_name="Jean",
                                      birth_date=date(1960 + i, 1, 1))  # fmt: skip
                if question.kind == "CCIR":  # R713-8: a substitute for each regional candidate
                    candidate.substitute_civility, candidate.substitute_last_name = "Mme", f"Sup{i}"
                    candidate.substitute_first_name = "Anne"
                    candidate.substitute_birth_date = date(1980, 1, 1)
                candidates.save_candidate(candidate)
        candidates.seal(urn)
    ceremony = dkg.Ceremony("coe-011", "ristretto255", dkg.TrusteeId("president"),
                            (dkg.TrusteeId("assesseur-1"), dkg.TrusteeId("assesseur-2")), 1)  # fmt: skip
    trustees, shares = run_ceremony(ceremony)
    (folder / "shares.json").write_text(json.dumps({k: int(v) for k, v in shares.items()}))
    urn = Urn.objects.get(code=URNS[0])
    KeyCeremony.objects.create(cci=urn.cci, document=ceremony.to_json(), trustees=trustees,
                               finalized_at=timezone.now())  # fmt: skip
    now = timezone.now()
    for urn in Urn.objects.order_by("code"):
        sealing.seal_urn(urn, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2))  # fmt: skip
    sealing.seal_platform()
    return {"urns": list(Urn.objects.order_by("code").values_list("code", flat=True))}


def _electors(urn_code: str) -> list[Any]:
    from scrutin.platform.electoral.models import Elector

    return list(Elector.objects.filter(urn__code=urn_code).order_by("number"))


def cast(urn_code: str, first: int, count: int) -> dict[str, Any]:
    import random

    from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
    from scrutin.crypto.params import parse_parameters
    from scrutin.platform.electoral.models import Urn
    from scrutin.platform.voting.cast import cast_ballot

    urn = Urn.objects.select_related("election").get(code=urn_code)
    params = parse_parameters(urn.election.params)
    rng = random.Random(first)  # noqa: S311 - drill voters' choices, not a secret
    acknowledged = []
    for elector in _electors(urn_code)[first : first + count]:
        selection = []
        for q in params.questions:
            row = [0] * q.size
            for i in rng.sample(range(q.size), rng.randint(0, q.max)):
                row[i] = 1
            selection.append(row)
        result = cast_ballot(
            elector, ballot_to_json(params.group, encrypt_ballot(params, selection))
        )
        # the receipt is shown to the voter once cast_ballot returns: that is the acknowledgement
        acknowledged.append({"tracker": result.tracker, "elector": elector.number,
                             "urn": urn_code, "at": time.time()})  # fmt: skip
    return {"acknowledged": acknowledged}


def close(urn_code: str) -> dict[str, Any]:
    from scrutin.platform.electoral.models import Urn
    from scrutin.platform.sealing import services as sealing

    closing = sealing.close_urn(Urn.objects.get(code=urn_code), reason="exercice de restauration")
    return {"urn": urn_code, "ballots": closing.ballot_count, "fingerprint": closing.fingerprint}


def state() -> dict[str, Any]:
    from scrutin.platform.ballotbox.models import Ballot
    from scrutin.platform.electoral.models import Urn
    from scrutin.platform.sealing import services as sealing
    from scrutin.platform.voting.consistency import check_after_restore
    from scrutin.platform.voting.models import Emargement

    check = check_after_restore()  # casts cut by the restore point: settled first
    urns = {}
    for urn in Urn.objects.order_by("code"):
        closing = sealing.closing_of(urn)
        urns[urn.code] = {
            "trackers": sorted(Ballot.objects.using("ballotbox").filter(urn_code=urn.code)
                               .values_list("fingerprint", flat=True)),
            "emargements": sorted(Emargement.objects.filter(urn=urn)
                                  .values_list("elector_number", flat=True)),
            "closing": closing.fingerprint if closing else None,
        }  # fmt: skip
    from django.test import Client

    # the readiness probe HAProxy asks before sending voters to this node (docs/ops.md)
    ready = Client().get("/sante/pret", HTTP_HOST="localhost")
    return {"recovered": check.recovered, "consistent": check.ok, "urns": urns,
            "ready": [ready.status_code, ready.content.decode().strip()]}  # fmt: skip


def tally(folder: Path, urn_code: str) -> dict[str, Any]:
    from scrutin.crypto import dkg
    from scrutin.crypto.decryption import partial_decrypt, tally_from_json
    from scrutin.crypto.params import parse_parameters
    from scrutin.platform.electoral.models import Urn
    from scrutin.platform.tally import services
    from scrutin.platform.tally.models import TallySession

    shares = json.loads((folder / "shares.json").read_text())
    urn = Urn.objects.select_related("election").get(code=urn_code)
    session = services.aggregate(services.start(urn).pk, workers=1)
    if session.state != TallySession.State.WAITING:
        return {"state": session.state, "anomaly": session.anomaly, "verify": None}
    params = parse_parameters(urn.election.params)
    ceremony = dkg.trustee_keys(services.trustees_of(urn)).ceremony
    for trustee in ("president", "assesseur-1"):
        document = partial_decrypt(params, tally_from_json(params, session.tally), trustee,
                                   ceremony.role(trustee), shares[trustee], session.tally_fingerprint)  # fmt: skip
        services.receive_partial(session, document)
    session.refresh_from_db()
    record = services.record_dir(urn)
    scrutin = Path(sys.executable).with_name("scrutin")
    verified = subprocess.run([str(scrutin), "verify", str(record)], capture_output=True, text=True)  # noqa: S603
    return {"state": session.state, "anomaly": session.anomaly, "record": str(record),
            "ballot_count": (session.result or {}).get("ballot_count"),
            "verify": verified.returncode, "verify_output": verified.stdout[-2000:]}  # fmt: skip


def backup_metrics() -> dict[str, Any]:
    """The backup stream as the monitoring sees it (``/metriques``, scrape-time gauges)."""
    from django.test import Client

    text = Client().get("/metriques", HTTP_HOST="localhost").content.decode()
    return {"lines": [line for line in text.splitlines() if line.startswith("scrutin_backup_")]}


def main(argv: list[str]) -> int:
    _django()
    command, *args = argv
    if command == "setup":
        out = setup(Path(args[0]), int(args[1]))
    elif command == "cast":
        out = cast(args[0], int(args[1]), int(args[2]))
    elif command == "close":
        out = close(args[0])
    elif command == "metrics":
        out = backup_metrics()
    elif command == "state":
        out = state()
    elif command == "tally":
        out = tally(Path(args[0]), args[1])
    else:
        print(f"unknown step {command}", file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
