"""``make demo``, second half: a whole election through the real services, after the electoral
data and candidatures are loaded.

For each demo CCI, the COE's **key ceremony** runs through the ceremony app (round messages
received and checked, ``trustees.json`` finalized). The key holders' own devices are played by
this process: their secrets only ever exist in the passphrase-encrypted keystores written to
``var/demo/cles/<CCI>/`` — the files a president and assessors would keep on their USB keys — and
the platform receives only the public messages. Then candidatures, urns and the platform are
**sealed**, the vote opens, simulated voters cast real encrypted ballots in one urn, which is
**closed and sealed** by decision so that the user can tally it at once from the browser and the
key holders' command; every other urn stays open for voting in the browser.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import nacl.pwhash

TALLY_URN = "011-C"
SIMULATED_VOTERS = 60


def _phrase() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))  # 24 hex digits, fresh each run


@dataclass
class DemoElection:
    lines: list[str] = field(default_factory=list)
    voted: set[str] = field(default_factory=set)  # elector numbers that already voted
    keys: Path | None = None
    passphrase: str = field(default_factory=_phrase)  # the key holders' keystores
    spare_passphrase: str = field(default_factory=_phrase)  # the president's spare support
    password: str = field(default_factory=_phrase)  # the key holders' accounts


def _holder(username: str, password: str, role: str, cci: str, first: str, last: str) -> Any:
    from django.contrib.auth.models import Group, User

    from .accounts.models import Perimeter

    user, _ = User.objects.get_or_create(username=username, defaults={
        "first_name": first, "last_name": last, "email": f"{username}@demo.invalid"})  # fmt: skip
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=role))
    Perimeter.objects.update_or_create(user=user, defaults={"cci_codes": [cci]})
    return user


def _keystore(path: Path, secret: dict[str, Any], passphrase: str, purpose: str) -> None:
    from scrutin.crypto.keystore import seal, write_keystore

    path.unlink(missing_ok=True)
    write_keystore(path, seal(secret, passphrase, purpose,
                              opslimit=nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
                              memlimit=nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE))  # fmt: skip


def run_ceremony(cci_code: str, folder: Path, demo: DemoElection) -> str:
    """The COE's ceremony: president + 2 assessors, threshold 1, through the ceremony app."""
    from scrutin.crypto import dkg

    from .ceremony import services as ceremony
    from .electoral.models import Cci

    cci = Cci.objects.get(code=cci_code)
    president = _holder(
        f"president-{cci_code}", demo.password, "PRESCOE", cci_code, "Anne", "Moreau"
    )
    assessors = [_holder(f"assesseur{i}-{cci_code}", demo.password, "COE", cci_code, first, last)
                 for i, (first, last) in enumerate((("Paul", "Girard"), ("Lucie", "Bernard")), 1)]  # fmt: skip
    row = ceremony.create_ceremony(cci, actor=None, group="ristretto255", president=president,
                                   assessors=assessors, threshold=1)  # fmt: skip
    c = ceremony.ceremony_of(row)
    users = {h.trustee: h.user for h in row.holders.select_related("user")}
    secrets: dict[str, dict[str, Any]] = {}
    round1 = []
    for trustee, user in users.items():
        secrets[trustee], message = dkg.round1(c, trustee)  # on the holder's device
        ceremony.receive(cci_code, user, json.dumps(message).encode())
        round1.append(message)
    round2 = []
    for trustee in c.assessors:
        message = dkg.round2(c, secrets[trustee], round1)
        ceremony.receive(cci_code, users[trustee], json.dumps(message).encode())
        round2.append(message)
    folder.mkdir(parents=True, exist_ok=True)
    for trustee, user in users.items():
        final, confirmation = dkg.round3(c, secrets.pop(trustee), round1, round2)
        _keystore(folder / f"{trustee}.json", final, demo.passphrase, "decryption-key")
        if trustee == c.president:
            _keystore(folder / "support-de-secours.json", final | {"spare": True},
                      demo.spare_passphrase, "decryption-key-spare")  # fmt: skip
        ceremony.receive(cci_code, user, json.dumps(confirmation).encode())
    done = ceremony.finalize(cci_code, None)
    return str((done.trustees or {}).get("public_key", ""))


def seal_everything() -> list[str]:
    """Candidatures, then every urn that has candidates, then the platform (CCTP 4.1.4.6)."""
    from django.utils import timezone

    from .candidates import services as candidates
    from .electoral.models import Urn
    from .sealing import services as sealing
    from .voting.elections import questions_document

    now = timezone.now()
    sealed = []
    for urn in Urn.objects.select_related("cci").order_by("code"):
        if not questions_document(urn):
            continue
        if not candidates.is_sealed(urn):
            candidates.seal(urn)
        sealing.seal_urn(
            urn, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=3)
        )
        sealed.append(urn.code)
    seal = sealing.seal_platform()
    return [f"  urnes scellées : {', '.join(sealed)}",
            f"  plate-forme scellée (n° {seal.sequence}, empreinte {seal.fingerprint[:16]}…)"]  # fmt: skip


def simulate_voters(urn_code: str, count: int) -> set[str]:
    """Voters of one urn cast real encrypted ballots through the cast service."""
    import random

    from scrutin.crypto.ballot import ballot_to_json, encrypt_ballot
    from scrutin.crypto.params import parse_parameters

    from .electoral.models import Elector, Urn
    from .voting.cast import cast_ballot

    urn = Urn.objects.select_related("election").get(code=urn_code)
    params = parse_parameters(urn.election.params)
    rng = random.Random(2026)  # noqa: S311 - demo voters' choices, not a secret
    voted = set()
    for elector in Elector.objects.filter(urn=urn).order_by("number")[:count]:
        selection = []
        for q in params.questions:
            row = [0] * q.size
            if rng.random() > 0.08:  # some blank votes
                for i in rng.sample(range(q.size), rng.randint(1, q.max)):
                    row[i] = 1
            selection.append(row)
        cast_ballot(elector, ballot_to_json(params.group, encrypt_ballot(params, selection)))
        voted.add(elector.number)
    return voted


def run(var_dir: Path) -> DemoElection:
    from .electoral.models import Urn
    from .sealing import services as sealing

    out = DemoElection(keys=var_dir / "demo" / "cles")
    assert out.keys is not None
    out.keys.mkdir(parents=True, exist_ok=True)
    (out.keys / "phrase-de-passe.txt").write_text(out.passphrase + "\n")
    for code in sorted(set(Urn.objects.values_list("cci_id", flat=True))):
        key = run_ceremony(code, out.keys / code, out)
        out.lines.append(f"  cérémonie des clés COE {code} : terminée (clé publique {key[:16]}…)")
    out.lines += seal_everything()
    if Urn.objects.filter(code=TALLY_URN, election__isnull=False).exists():
        out.voted = simulate_voters(TALLY_URN, SIMULATED_VOTERS)
        closing = sealing.close_urn(Urn.objects.get(code=TALLY_URN),
                                    reason="démonstration : urne close pour être dépouillée")  # fmt: skip
        out.lines.append(f"  urne {TALLY_URN} : {len(out.voted)} votes simulés, vote clos et scellé "
                         f"(empreinte {closing.fingerprint[:16]}…)")  # fmt: skip
    return out


def how_to_tally(base: str, demo: DemoElection) -> list[str]:
    """The printed steps of the demo tally: each step says which account and password, which
    key support and which folder (the dossier is unzipped into a folder of its own name)."""
    keys = demo.keys
    code = TALLY_URN
    cci = code.split("-")[0]
    folder = f"depouillement-{code}"  # the dossier's name (tally.views.dossier)

    def holder_steps(trustee: str) -> list[str]:
        return [
            f"       Page « Déchiffrement par les détenteurs de clés » ({base}/gestion/depouillement/urne/{code}/"
            f"cle/) : « Déchiffrer dans ce navigateur » avec le support {keys}/{cci}/{trustee}.json,",
            f"       ou téléchargez le dossier {folder}.zip et décompressez-le (unzip {folder}.zip : "
            f"il crée le dossier {folder}), puis : .venv/bin/scrutin trustee decrypt --record "
            f"{folder} --secret {keys}/{cci}/{trustee}.json --passphrase-file "
            f"{keys}/phrase-de-passe.txt --out partiel-{trustee}.json, et déposez le fichier.",
        ]

    return [
        f"\n  DÉPOUILLER l'urne {code} (close pour la démonstration) :",
        f"    1. {base}/gestion/depouillement/urne/{code}/ — compte « president-{cci} », "
        f"mot de passe « {demo.password} » → « Commencer le dépouillement ».",
        f"    2. Toujours avec le compte « president-{cci} » (présidente Anne Moreau) :",
        *holder_steps("president"),
        f"    3. Déconnectez-vous, puis connectez-vous avec le compte « assesseur1-{cci} » "
        f"(assesseur Paul Girard), mot de passe « {demo.password} » (le même) :",
        *holder_steps("assesseur-1"),
        "       Les résultats, les procès-verbaux, le registre et l'archive apparaissent.",
        "    4. Vérification indépendante du registre téléchargé (décompressez registre-"
        f"{code}.zip) : .venv/bin/scrutin verify registre-{code}/ ; recomptage : "
        f".venv/bin/scrutin record recount registre-{code}/",
        f"  Phrase de passe des supports de clé : « {demo.passphrase} » (support de secours du "
        f"président : « {demo.spare_passphrase} »).",
        "  Autres urnes : votez, puis clôturez-les avec le compte « demo » (Scellement → Clôturer).",
    ]
