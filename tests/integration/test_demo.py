"""``make demo`` runs a whole election: ceremonies, seals, an urn voted and closed that its key
holders can tally with the printed instructions (issue #7, "Proof that it works"); it shows the
voting material of CCI 974 as its electors receive it: the letters' PDF batches and the e-mails
in a local mailbox, whose codes open the voting site (issue 14; CCTP 4.1.4.1, 5.2.2, 5.2.3.2)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
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


CHECK = r"""
import django, sys
django.setup()
from scrutin.platform.credentials.services import authenticate
for line in sys.stdin:
    identifier, code = line.split()
    print("OK" if authenticate(identifier, code) is not None else "REFUSED", identifier)
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
    check_material(var, demo.stdout)
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


def check_material(var: Path, banner: str) -> None:
    """Issue 14: the banner names the letters' PDFs and the mailbox; every elector of CCI 974
    has one letter or one e-mail, never both, and the codes they carry open the voting site."""
    pdfs = [Path(p) for p in re.findall(r"^    (\S+/lettres-974-\d{4}\.pdf) ", banner, re.M)]
    assert pdfs and all(p.is_file() and p.is_relative_to(var) for p in pdfs), banner
    mailbox = var / "demo" / "courriels"
    assert f"boîte aux lettres locale {mailbox}/" in banner
    manifest = json.loads((pdfs[0].parent / "manifeste.json").read_text(encoding="utf-8"))
    letters: dict[str, str] = {}
    for pdf in pdfs:
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
        for page in (p for p in text.split("\f") if p.strip()):
            found = re.search(r"Votre identifiant :\s+(\d{13})\s+Votre code secret :\s+(\S+)", page)
            assert found, page
            letters[found.group(1)] = found.group(2)
    assert len(letters) == manifest["total"] and manifest["urns"]
    sms = [json.loads(line) for line in (var / "sms" / "outbox.jsonl").read_text().splitlines()]
    mails: dict[str, str] = {}
    for path in sorted(mailbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["Return-Path"].startswith("<bounces+")  # the campaign's VERP sender
        plain = message.get_body(preferencelist=("plain",))
        assert plain is not None
        body = plain.get_content()
        identifier = re.search(r"Tapez votre identifiant : (\d{13})", body)
        assert identifier, body
        code = re.search(r"Tapez votre code confidentiel : (\S+)", body)
        mails[identifier.group(1)] = code.group(1) if code else ""
    assert len(mails) == manifest["electronic_skipped"] > 0
    assert not set(mails) & set(letters)  # a letter or an e-mail, never both
    assert sum(not code for code in mails.values()) == len(sms)  # the code went by SMS
    sample = [*list(letters.items())[:3], *[(n, c) for n, c in mails.items() if c][:3]]
    check = subprocess.run([sys.executable, "-c", CHECK], env=_env(var), capture_output=True,
                           text=True, timeout=600,
                           input="".join(f"{n} {c}\n" for n, c in sample))  # fmt: skip
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.split() == [x for n, _ in sample for x in ("OK", n)], check.stdout
