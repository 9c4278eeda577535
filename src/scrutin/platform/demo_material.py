"""``make demo``, the voting material of one CCI as its electors receive it (issue 14; CCTP
4.1.4.1, 5.2.2, 5.2.3.2).

The demo plays every part through the real services: the COE of CCI 974 chooses the postal
letters sent directly to the electors, and the e-mail for those who have a valid address; it
approves the BAT, CCI France approves the BAT général and issues the signed kit. The dispatch
operator's part runs the real ``scrutin material letters`` command in its own process, with the
demo's operator key (``var/demo/operateur-expedition.cle``) on the sealed export, and writes the
PDF batches under ``var/demo/courriers/``. The material by e-mail leaves at once (the vote is
open) and lands in the demo's local mailbox (``SCRUTIN_MAIL_DIR``, one ``.eml`` per message);
the codes sent by SMS go to the SMS file backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

MATERIAL_CCI = "974"
RETURN_ADDRESS = "CCI de La Réunion\nService des élections\n5 bis rue de Paris\n97400 SAINT-DENIS"
BATCH_SIZE = 500


def approve_material(code: str, *, coe: Any, national: Any) -> None:
    """The COE's dispatch choices and BAT, then CCI France's BAT général (CCTP 5.2.2)."""
    from .material import services
    from .material.content import content_fingerprint, letter_content

    services.update_settings(code, {"mode": "direct", "batch_size": BATCH_SIZE,
                                    "reroute_address": "", "return_address": RETURN_ADDRESS,
                                    "electronic": True}, user=coe)  # fmt: skip
    services.approve_coe(code, user=coe, seen_sha256=content_fingerprint(letter_content(code)))
    _, refused = services.approve_national([code], user=national)
    if refused:
        raise RuntimeError("; ".join(refused))


def electronic(code: str) -> set[str]:
    """The electors of ``code`` whose material goes by e-mail (no letter for them)."""
    from .material.channels import electronic_numbers

    return electronic_numbers(code)


def produce_letters(code: str, folder: Path, *, national: Any, operator_key: Path) -> list[str]:
    """The kit issued to the operator, then ``scrutin material letters`` on the latest sealed
    export of the CCI; returns the banner's lines (paths of the PDF batches)."""
    from .credentials.models import GenerationRun
    from .keys import platform_public_key_hex
    from .material import kits

    run = (GenerationRun.objects.filter(cci_code=code, status=GenerationRun.Status.DONE)
           .exclude(export_path="").latest("pk"))  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    name, body = kits.issue_kit(code, user=national)
    kit = folder / name
    kit.write_bytes(body)
    out = folder / code
    command = [sys.executable, "-m", "scrutin.cli.main", "material", "letters", "--kit", str(kit),
               "--export", str(run.export_path), "--key", str(operator_key), "--out", str(out),
               "--public-key", platform_public_key_hex()]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    if done.returncode != 0:
        return [f"\n  COURRIERS de la CCI {code} : la production a échoué — {done.stderr.strip()}"]
    manifest = json.loads((out / "manifeste.json").read_text(encoding="utf-8"))
    lines = [f"\n  COURRIERS de la CCI {code} ({manifest['total']} courriers, produits comme chez "
             "l'opérateur d'expédition par « scrutin material letters », kit signé "
             f"{kit}) :"]  # fmt: skip
    for batch in manifest["batches"]:
        lines.append(f"    {out / batch['file']}  ({batch['letters']} courriers ; premier : "
                     f"identifiant {batch['first']})")  # fmt: skip
    lines.append(f"    manifeste : {out / 'manifeste.csv'} — les {manifest['electronic_skipped']} "
                 "électeurs servis par courriel n'ont pas de courrier.")  # fmt: skip
    return lines


def send_material_emails(code: str) -> list[str]:
    """The material by e-mail at the opening (the vote is open: it leaves now)."""
    from django.conf import settings
    from django.test import override_settings

    from .mailing import schedule
    from .mailing.models import Campaign, Message
    from .mailing.outbox import mail_dir, mailbox_files

    # sent here and now rather than in the demo's background thread, so that the mailbox is
    # full when the banner is printed
    with override_settings(SCRUTIN_IMPORTS_INLINE=True):
        campaign = schedule.start_dispatch(code)
    campaign = Campaign.objects.get(pk=campaign.pk)
    sms_count = Message.objects.filter(campaign=campaign, channel=Message.Channel.SMS).count()
    sms = Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"
    return [
        f"\n  COURRIELS : boîte aux lettres locale {mail_dir()}/ (un fichier .eml par courriel, "
        "à ouvrir avec un logiciel de messagerie ou un éditeur de texte).",
        f"    Matériel de vote de la CCI {code} envoyé à l'ouverture : {campaign.sent} messages "
        f"partis sur {campaign.total}, dont {sms_count} SMS ; {len(mailbox_files())} courriels "
        "dans la boîte.",
        f"    Les codes envoyés par SMS (électeurs qui ont un mobile : leur courriel donne "
        f"l'identifiant, le SMS le code) sont dans {sms}.",
        "    Les courriels envoyés ensuite par la plate-forme (test des adresses, renvoi du "
        "matériel, notifications) arrivent dans la même boîte.",
    ]
