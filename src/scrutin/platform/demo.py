"""``make demo``: a demo election on the embedded SQLite default, then the development server.

Starts from fresh SQLite databases under ``var/`` and loads, through the real services: a
structure with several CCIs (one with sub-categories, one overseas CCI with a CCIT ballot only),
generated electors files, candidatures with professions de foi, an open election per urn, and
voters' credentials (generated, exported encrypted, read back with the demo dispatch key). It
prints where to vote, a few credentials, the managers' login, and serves the platform on
http://127.0.0.1:8000/.

The voting material of CCI 974 (``demo_material``): its letters, made by ``scrutin material
letters`` as the dispatch operator would, under ``var/demo/courriers/``; its material by e-mail,
and every later mail of the platform, in the local mailbox ``var/demo/courriels/`` (one ``.eml``
file per message, ``SCRUTIN_MAIL_DIR``) instead of an SMTP server.

The key ceremony, seals, simulated voters and the closing of one urn are in
``demo_election``: each COE's ceremony runs through the ceremony app, the key holders' devices
being played by this process (their secrets exist only in the encrypted keystores under
``var/demo/cles/``); in a real election each holder runs ``scrutin trustee …`` or the browser page
on their own computer (docs/key-ceremony.md) and the platform never holds a share.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("SCRUTIN_DEBUG", "1")
os.environ.setdefault("SCRUTIN_HTTPS", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
os.environ.setdefault("SCRUTIN_MAIL_DIR", "demo/courriels")  # the local mailbox, under VAR_DIR

DEMO_CCIS = [
    ("011", "CCI de l'Ain", [
        ("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5),
        ("S", "Services", "S1", "moins de 10 salariés", 1, 4), ("S", "Services", "S2", "10 salariés et plus", 1, 4),
    ]),
    ("691", "CCI Lyon Métropole Saint-Étienne Roanne", [
        ("C", "Commerce", "", "", 4, 12), ("I", "Industrie", "", "", 4, 12), ("S", "Services", "", "", 5, 16),
    ]),
    ("974", "CCI de La Réunion", [
        ("C", "Commerce", "", "", 0, 14), ("I", "Industrie", "", "", 0, 12), ("S", "Services", "", "", 0, 18),
    ]),
]  # fmt: skip
DEMO_ELECTORS = {"011": 1500, "691": 3000, "974": 800}
HOST, PORT = "127.0.0.1", "8000"


def load(folder: Path) -> tuple[list[str], Any]:
    from django.contrib.auth.models import Group, Permission, User
    from django.core.management import call_command

    from scrutin.platform.accounts.models import Perimeter
    from scrutin.platform.electoral import imports
    from scrutin.platform.electoral.annex7 import generate
    from scrutin.platform.electoral.models import ImportRun, Urn

    call_command("migrate", verbosity=0)
    call_command("migrate", database="ballotbox", verbosity=0)
    folder.mkdir(parents=True, exist_ok=True)
    structure = folder / "structure-electorale.csv"
    generate.write_csv(structure, generate.STRUCTURE_HEADER, generate.structure_rows(DEMO_CCIS))
    lines = []
    run = imports.import_structure(
        ImportRun.objects.create(kind="structure", filename=structure.name, path=str(structure))
    )
    lines.append(
        f"  structure électorale : {run.get_status_display()} ({run.summary.get('urns')} scrutins)"
    )
    for code, count in DEMO_ELECTORS.items():
        urns = [
            (u.category.code, u.subcategory_code)
            for u in Urn.objects.filter(cci_id=code).select_related("category")
        ]
        path = folder / f"electeurs-{code}.csv"
        generate.write_csv(
            path, generate.ELECTORS_HEADER, generate.elector_rows(code, urns, count, seed=int(code))
        )
        run = imports.import_electors(
            ImportRun.objects.create(kind="electors", filename=path.name, path=str(path))
        )
        lines.append(
            f"  électeurs CCI {code} : {run.get_status_display()} ({run.rows} lignes) — {path}"
        )
    from scrutin.platform.candidates.demo import load_demo_candidates

    lines += load_demo_candidates()
    from scrutin.platform.accounts.roles import setup_roles
    from scrutin.platform.demo_election import run as run_election

    setup_roles()
    election = run_election(folder.parent)
    lines += election.lines
    password = secrets.token_urlsafe(12)
    user, _ = User.objects.get_or_create(
        username="demo", defaults={"first_name": "Gestionnaire", "last_name": "Démo"}
    )
    user.set_password(password)
    user.save()
    demo_perms = ["manage_electoral_data", "manage_credentials", "view_journal", "view_participation",
                  "manage_candidates", "unseal_candidatures", "manage_accounts",
                  "view_emargements", "suspend_voting", "view_usage", "organise_ceremony",
                  "seal_urns", "seal_platform", "close_urns", "run_tally", "view_results",
                  "export_results"]  # fmt: skip
    user.user_permissions.add(*Permission.objects.filter(codename__in=demo_perms))
    user.groups.add(Group.objects.get(name="ADMIN"))  # its role, named in the journal and lists
    Perimeter.objects.update_or_create(user=user, defaults={"national": True})
    lines.append(
        f"  second facteur du compte « demo » (obligatoire pour un compte NATIONAL) : {demo_totp(user)}"
    )
    lines.append(f"  compte gestionnaire : identifiant « demo », mot de passe « {password} »")
    return lines, election


def demo_totp(user: Any) -> str:
    """Enrol a TOTP device for the demo manager and say how to get its codes."""
    import pyotp

    from scrutin.platform.accounts import services as accounts

    device = accounts.start_totp(user)
    secret = accounts.totp_secret(device)
    accounts.check_totp(device, pyotp.TOTP(secret).now())
    return (f"application TOTP, secret {secret} — code du moment : "
            f".venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\"")  # fmt: skip


def fresh_databases() -> None:
    """The demo starts afresh: its SQLite databases and the files derived from them."""
    import shutil

    from django.conf import settings

    var = Path(settings.VAR_DIR)
    shutil.rmtree(var / "credential_exports", ignore_errors=True)
    # the material of the previous run: its codes are dead with its databases
    for folder in (var / "demo" / "courriers", var / "demo" / "courriels"):
        shutil.rmtree(folder, ignore_errors=True)
    (var / "sms" / "outbox.jsonl").unlink(missing_ok=True)
    for alias in ("default", "ballotbox"):
        name = str(settings.DATABASES[alias]["NAME"])
        if settings.DATABASES[alias]["ENGINE"].endswith("sqlite3"):
            for suffix in ("", "-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from scrutin.platform import demo_material as material
    from scrutin.platform.credentials.demo import demo_credentials
    from scrutin.platform.demo_election import TALLY_URN, how_to_tally

    fresh_databases()
    folder = Path(settings.VAR_DIR) / "demo"
    lines, election = load(folder)
    cci = material.MATERIAL_CCI
    national = User.objects.get(username="demo")
    material.approve_material(cci, coe=User.objects.get(username=f"president-{cci}"),
                              national=national)  # fmt: skip
    # the codes of the electors served by e-mail are replaced by the ones their e-mail carries
    voters = demo_credentials(3, exclude_urns={TALLY_URN},
                              exclude=election.voted | material.electronic(cci))  # fmt: skip
    sent = material.produce_letters(cci, folder / "courriers", national=national,
                                    operator_key=folder / "operateur-expedition.cle")  # fmt: skip
    sent += material.send_material_emails(cci)
    base = f"http://{HOST}:{PORT}"
    print("\nScrutin — démonstration (base SQLite sous var/)\n", flush=True)
    print("\n".join(lines))
    print(f"\n  VOTER : {base}/vote/  avec l'un de ces identifiants de démonstration :")
    for identifier, code, born in voters:
        challenge = (
            f"date de naissance {born:%d/%m/%Y}" if born else "pas de date de naissance demandée"
        )
        print(f"    identifiant {identifier}   code {code}   ({challenge})")
    print(f"  … ou avec l'identifiant et le code d'un courrier ou d'un courriel de la CCI {cci} :")
    print("\n".join(sent))
    print(
        f"\n  Site gestionnaire : {base}/gestion/  (imports, candidatures, identifiants, journal)"
    )
    print("\n".join(how_to_tally(base, election)))
    print("  Arrêt : Ctrl+C\n", flush=True)
    if "--no-server" in sys.argv:
        return
    call_command("runserver", f"{HOST}:{PORT}", use_reloader=False)


if __name__ == "__main__":
    main()
