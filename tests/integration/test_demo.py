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
import zipfile
from django.contrib.auth.models import User
from scrutin.platform.tally.archive import dossier_zip
# as printed: unzip the dossier, which creates its own folder depouillement-011-C
with zipfile.ZipFile(dossier_zip(urn)) as z:
    z.extractall(sys.argv[1])
dossier = Path(sys.argv[1]) / "depouillement-011-C"
print("ROLE", list(User.objects.get(username="demo").groups.values_list("name", flat=True)))
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
    assert "ROLE ['ADMIN']" in tally.stdout  # issue 12: the national demo account had no role
    record = tally.stdout.split("RECORD ")[1].strip()
    scrutin = shutil.which("scrutin", path=str(Path(sys.executable).parent)) or "scrutin"
    verify = subprocess.run([scrutin, "verify", record], env=_env(var), capture_output=True,
                            text=True, timeout=600)  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:]


def test_review_12_tally_instructions_repeat_each_password_and_name_the_dossier_folder() -> None:
    from scrutin.platform.demo_election import DemoElection, how_to_tally

    demo = DemoElection(keys=Path("/var/demo/cles"))
    text = "\n".join(how_to_tally("http://127.0.0.1:8000", demo))
    step3 = text.split("    3. ")[1].split("    4. ")[0]
    assert "« assesseur1-011 »" in step3 and f"mot de passe « {demo.password} »" in step3
    assert "assesseur-1.json" in step3 and "partiel-assesseur-1.json" in step3
    assert "unzip depouillement-011-C.zip" in text and "--record depouillement-011-C" in text
    assert "--record urne" not in text
    assert "/gestion/depouillement/urne/011-C/cle/" in text
