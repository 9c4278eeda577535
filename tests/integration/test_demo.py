"""``make demo`` runs a whole election: ceremonies, seals, an urn voted and closed that its key
holders can tally with the printed instructions (issue #7, "Proof that it works")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TALLY = r"""
import django, os, shutil, subprocess, sys, json
from pathlib import Path
django.setup()
from scrutin.platform.electoral.models import Urn
from scrutin.platform.tally import services
urn = Urn.objects.get(code="011-C")
session = services.aggregate(services.start(urn).pk)
assert session.state == "waiting", session.anomaly
dossier = Path(sys.argv[1]) / "urne"
dossier.mkdir()
for name in ("election.json", "trustees.json", "ballots.jsonl", "tally.json"):
    shutil.copy(services.record_dir(urn) / name, dossier / name)
keys = Path(os.environ["SCRUTIN_VAR_DIR"]) / "demo" / "cles"
for trustee in ("president", "assesseur-1"):
    out = Path(sys.argv[1]) / f"partiel-{trustee}.json"
    subprocess.run([sys.executable, "-m", "scrutin.cli.main", "trustee", "decrypt", "--record",
                    str(dossier), "--secret", str(keys / "011" / f"{trustee}.json"),
                    "--passphrase-file", str(keys / "phrase-de-passe.txt"), "--out", str(out)],
                   check=True)
    print(services.receive_partial(session, json.loads(out.read_text())))
session.refresh_from_db()
print("STATE", session.state, session.results["voters"])
print("RECORD", services.record_dir(urn))
"""


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCRUTIN_", "DJANGO_"))}  # fmt: skip
    return env | {
        "SCRUTIN_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "scrutin.platform.settings",
    }


def test_make_demo_runs_an_election_that_its_key_holders_can_tally(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    demo = subprocess.run([sys.executable, "-m", "scrutin.platform.demo", "--no-server"],
                          env=_env(var), capture_output=True, text=True, timeout=600)  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "cérémonie des clés COE 011 : terminée" in demo.stdout
    assert "plate-forme scellée" in demo.stdout
    assert "DÉPOUILLER l'urne 011-C" in demo.stdout
    assert "identifiant 691" in demo.stdout  # voters of open urns are printed
    tally = subprocess.run([sys.executable, "-c", TALLY, str(tmp_path)], env=_env(var),
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert tally.returncode == 0, tally.stderr[-3000:]
    assert "STATE done 60" in tally.stdout
    record = tally.stdout.split("RECORD ")[1].strip()
    scrutin = shutil.which("scrutin", path=str(Path(sys.executable).parent)) or "scrutin"
    verify = subprocess.run([scrutin, "verify", record], env=_env(var), capture_output=True,
                            text=True, timeout=600)  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:]
