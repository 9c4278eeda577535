"""The whole key ceremony of a COE through the platform's pages, with the real `scrutin trustee`
commands on the holders' side (CCTP 3.2.2.6, 4.1.4.8): the platform relays public messages
only, refuses wrong files with a French message, and its trustees.json passes the independent
verifier's trustees check."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.keystore import open_sealed
from scrutin.crypto.params import ElectionId, ElectionParameters, Fingerprint
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.ceremony.models import KeyCeremony, RoundMessage
from scrutin.platform.ceremony.services import finalized_trustees
from scrutin.platform.electoral.models import Urn
from scrutin.record.simulate import make_questions
from scrutin.verify.election import read_election
from scrutin.verify.record import check_trustees
from scrutin.verify.report import Report

from .conftest import (
    PASSPHRASE,
    SPARE,
    Coe,
    Trustee,
    download,
    load,
    open_ceremony,
    round_files,
    upload,
)

pytestmark = pytest.mark.django_db(transaction=True)
IDS = ("president", "assesseur-1", "assesseur-2")


def run_rounds(coe: Coe, trustee: Trustee, work: Path, *, until: int = 3) -> None:
    """Each holder downloads what the page offers, runs the command, uploads its message."""
    holders = dict(zip(IDS, [coe.president, *coe.assessors], strict=True))
    for t, user in holders.items():
        client = coe.client(user)
        download(client, "ceremony.json", work)
        trustee("round1", "--ceremony", "ceremony.json", "--trustee", t,
                "--secret-out", f"{t}.r1.key", "--out", f"r1-{t}.json")  # fmt: skip
        assert any("tour 1 reçu et vérifié" in m for m in upload(client, work / f"r1-{t}.json"))
    if until < 2:
        return
    for t in IDS[1:]:
        client = coe.client(holders[t])
        download(client, "tour-1.zip", work / t)
        r1 = [x for p in sorted((work / t).glob("r1-*.json")) for x in ("--round1", str(p))]
        trustee("round2", "--ceremony", "ceremony.json", "--secret", f"{t}.r1.key", *r1,
                "--out", f"r2-{t}.json")  # fmt: skip
        assert any("tour 2 reçu" in m for m in upload(client, work / f"r2-{t}.json"))
    if until < 3:
        return
    for t, user in holders.items():
        client = coe.client(user)
        download(client, "tour-2.zip", work)
        spare = ["--spare-out", f"{t}.spare.key"] if t == "president" else []
        trustee("round3", "--ceremony", "ceremony.json", "--secret", f"{t}.r1.key",
                *round_files(work, 1), *round_files(work, 2), "--secret-out", f"{t}.key",
                *spare, "--out", f"r3-{t}.json")  # fmt: skip
        assert any("tour 3 reçu" in m for m in upload(client, work / f"r3-{t}.json"))


def test_cctp_4_1_4_8_ceremony_through_the_pages_with_the_cli_gives_verified_trustees(
    coe: Coe, trustee: Trustee, tmp_path: Path
) -> None:
    open_ceremony(coe)
    work = tmp_path / "cli"
    run_rounds(coe, trustee, work)
    organiser = coe.client(coe.organiser)
    page = organiser.get(reverse("ceremony:cci", kwargs={"code": "011"})).content.decode()
    assert "Terminer la cérémonie" in page and page.count("reçu le") == 8
    response = organiser.post(reverse("ceremony:finalize", kwargs={"code": "011"}), follow=True)
    assert "Cérémonie terminée" in response.content.decode()

    ceremony = KeyCeremony.objects.get(cci_id="011")
    trustees = ceremony.trustees
    assert ceremony.finalized_at is not None and finalized_trustees("011") == trustees
    assert trustees["public_key"] == load(work / "r3-president.json")["public_key"]
    params = ElectionParameters(ElectionId("cci-011-C"), "Élection CCI de l'Ain", "ristretto255",
                                trustees["public_key"], Fingerprint(fingerprint(trustees)),
                                "00" * 32, make_questions((("ccir", 3, 2),)))  # fmt: skip
    report = Report()
    assert check_trustees(trustees, read_election(params.to_json()), report) is not None
    assert report.valid, report.render()
    # The spare support is the president's key under another passphrase (CCTP 4.1.4.8).
    key = open_sealed(load(work / "president.key"), PASSPHRASE)
    assert open_sealed(load(work / "president.spare.key"), SPARE) == key | {"spare": True}
    # Nothing stored by the platform contains a secret share.
    stored = str(list(RoundMessage.objects.values_list("document", flat=True))) + str(trustees)
    for t in IDS:
        assert open_sealed(load(work / f"{t}.key"), PASSPHRASE)["share"] not in stored
    events = list(JournalEntry.objects.filter(event__startswith="ceremony:").order_by("sequence"))
    assert [e.event for e in events] == ["ceremony:coe:create", *["ceremony:round:receive"] * 8,
                                         "ceremony:coe:finalize"]  # fmt: skip
    assert events[-1].data["trustees"] == fingerprint(trustees)
    # Once finalized, nothing changes any more.
    assert (
        "La cérémonie est terminée"
        in upload(coe.client(coe.president), work / "r3-president.json")[0]
    )
    restart = organiser.get(reverse("ceremony:restart", kwargs={"code": "011"})).content.decode()
    assert "La cérémonie est terminée" in restart


def test_wrong_foreign_duplicate_and_secret_files_are_refused_in_french(
    coe: Coe, trustee: Trustee, tmp_path: Path
) -> None:
    open_ceremony(coe)
    work = tmp_path / "cli"
    president, a1 = coe.client(coe.president), coe.client(coe.assessors[0])
    download(president, "ceremony.json", work)
    trustee("round1", "--ceremony", "ceremony.json", "--trustee", "president",
            "--secret-out", "president.r1.key", "--out", "r1-president.json")  # fmt: skip
    assert "tour 1 reçu et vérifié" in upload(president, work / "r1-president.json")[0]
    assert "déjà été reçu" in upload(president, work / "r1-president.json")[0]
    assert (
        "est celui du gardien « president », pas le vôtre"
        in upload(a1, work / "r1-president.json")[0]
    )
    refused = upload(a1, work / "president.r1.key")[0]
    assert "fichier secret" in refused and "n'a pas été conservé" in refused
    (work / "junk.json").write_text("pas du JSON")
    assert "pas un document JSON lisible" in upload(a1, work / "junk.json")[0]
    (work / "other.json").write_text('{"format": "scrutin-ballot/v1"}')
    assert "pas un message de la cérémonie" in upload(a1, work / "other.json")[0]
    trustee("ceremony", "--id", "coe-011-1", "--president", "president", "--assessor", "assesseur-1",
            "--assessor", "autre", "--threshold", "1", "--out", "foreign.json")  # fmt: skip
    trustee("round1", "--ceremony", "foreign.json", "--trustee", "assesseur-1",
            "--secret-out", "f.r1.key", "--out", "r1-foreign.json")  # fmt: skip
    assert "autre cérémonie" in upload(a1, work / "r1-foreign.json")[0]
    trustee("round1", "--ceremony", "ceremony.json", "--trustee", "assesseur-1",
            "--secret-out", "a1.r1.key", "--out", "r1-assesseur-1.json")  # fmt: skip
    forged = load(work / "r1-assesseur-1.json")
    forged["pok"]["response"] = load(work / "r1-president.json")["pok"]["response"]
    (work / "forged.json").write_text(json.dumps(forged))
    assert (
        "preuve de connaissance de ce message est invalide" in upload(a1, work / "forged.json")[0]
    )
    extra = load(work / "r1-assesseur-1.json") | {"note": "x"}
    (work / "extra.json").write_text(json.dumps(extra))
    assert "mal formé" in upload(a1, work / "extra.json")[0]
    assert RoundMessage.objects.count() == 1
    assert not JournalEntry.objects.filter(
        event="ceremony:round:receive", data__trustee="assesseur-1"
    ).exists()


def test_rounds_open_in_order(coe: Coe, trustee: Trustee, tmp_path: Path) -> None:
    open_ceremony(coe)
    run_rounds(coe, trustee, tmp_path / "cli", until=1)
    a1 = coe.client(coe.assessors[0])
    work = tmp_path / "cli"
    # The president's round 3 is possible once round 1 is complete; an assessor's needs round 2.
    download(a1, "tour-1.zip", work / "a1")
    trustee("round3", "--ceremony", "ceremony.json", "--secret", "assesseur-1.r1.key",
            *round_files(work, 1), "--secret-out", "a1.key", "--out", "r3-a1.json", code=2)  # fmt: skip
    message = upload(a1, work / "r3-a1.json")[0]
    assert "Le tour 3 n'est pas encore ouvert" in message
    president = coe.client(coe.president)
    page = president.get(reverse("ceremony:holder", kwargs={"code": "011"})).content.decode()
    assert "Tour 3" in page


def test_complaint_blocks_finalize_and_restart_starts_a_new_attempt(
    coe: Coe, trustee: Trustee, tmp_path: Path
) -> None:
    open_ceremony(coe)
    work = tmp_path / "cli"
    run_rounds(coe, trustee, work, until=1)
    a1, a2 = (coe.client(a) for a in coe.assessors)
    download(a1, "tour-1.zip", work)
    trustee("round2", "--ceremony", "ceremony.json", "--secret", "assesseur-1.r1.key",
            *round_files(work, 1), "--out", "r2-assesseur-1.json")  # fmt: skip
    bad = load(work / "r2-assesseur-1.json")
    c = bad["shares"][0]["ciphertext"]
    bad["shares"][0]["ciphertext"] = c[:-2] + ("00" if c[-2:] != "00" else "01")
    (work / "r2-assesseur-1.json").write_text(json.dumps(bad))
    assert "tour 2 reçu" in upload(a1, work / "r2-assesseur-1.json")[0]  # sealed: unreadable here
    trustee("round2", "--ceremony", "ceremony.json", "--secret", "assesseur-2.r1.key",
            *round_files(work, 1), "--out", "r2-assesseur-2.json")  # fmt: skip
    upload(a2, work / "r2-assesseur-2.json")
    trustee("round3", "--ceremony", "ceremony.json", "--secret", "assesseur-2.r1.key",
            *round_files(work, 1), *round_files(work, 2), "--secret-out", "a2.key",
            "--out", "r3-assesseur-2.json", code=2)  # fmt: skip
    assert "réclamation contre assesseur-1" in upload(a2, work / "r3-assesseur-2.json")[0]
    organiser = coe.client(coe.organiser)
    page = organiser.get(reverse("ceremony:cci", kwargs={"code": "011"})).content.decode()
    assert "Réclamation contre assesseur-1" in page and "Terminer la cérémonie" not in page
    refused = organiser.post(reverse("ceremony:finalize", kwargs={"code": "011"}), follow=True)
    assert "Réclamation contre assesseur-1" in refused.content.decode()

    response = organiser.post(reverse("ceremony:restart", kwargs={"code": "011"}), {
        "group": "ristretto255", "president": coe.president.pk,
        "assessors": [a.pk for a in coe.assessors], "threshold": 2,
        "reason": "Réclamation d'assesseur-2 contre assesseur-1 au tour 3.",
    })  # fmt: skip
    assert response.status_code == 302
    ceremony = KeyCeremony.objects.get(cci_id="011")
    assert ceremony.attempt == 2 and ceremony.document["ceremony_id"] == "coe-011-2"
    entry = JournalEntry.objects.get(event="ceremony:coe:restart")
    assert entry.data["complaints"] == ["assesseur-1"] and entry.data["attempt"] == 2
    assert "autre cérémonie" in upload(coe.client(coe.president), work / "r1-president.json")[0]
    for old in work.iterdir():  # the holders start again from nothing
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    run_rounds(coe, trustee, work, until=3)
    organiser.post(reverse("ceremony:finalize", kwargs={"code": "011"}))
    assert KeyCeremony.objects.get(cci_id="011").trustees["ceremony"]["threshold"] == 2


def test_other_cci_and_undesignated_holders_are_kept_out(coe: Coe) -> None:
    open_ceremony(coe)
    names = ("holder", "browser", "state")
    for name in names:
        url = reverse(f"ceremony:{name}", kwargs={"code": "011"})
        assert coe.client(coe.stranger).get(url).status_code == 403, name
        assert coe.client(coe.idle).get(url).status_code == 404, name
        assert coe.client(coe.assessors[0]).get(url).status_code == 200, name
    file_url = reverse("ceremony:file", kwargs={"code": "011", "name": "ceremony.json"})
    assert coe.client(coe.stranger).get(file_url).status_code == 403
    assert coe.client(coe.idle).get(file_url).status_code == 404
    submit = reverse("ceremony:submit", kwargs={"code": "011"})
    assert (
        coe.client(coe.stranger).post(submit, "{}", content_type="application/json").status_code
        == 403
    )
    assert (
        coe.client(coe.idle).post(submit, "{}", content_type="application/json").status_code == 404
    )
    assert (
        coe.client(coe.assessors[0])
        .get(reverse("ceremony:cci", kwargs={"code": "011"}))
        .status_code
        == 403
    )
    mine = coe.client(coe.stranger).get(reverse("ceremony:mine")).content.decode()
    assert "CCI de l'Ain" not in mine


def test_the_designation_is_limited_to_the_ccis_key_holders(coe: Coe) -> None:
    organiser = coe.client(coe.organiser)
    page = organiser.get(reverse("ceremony:cci", kwargs={"code": "011"})).content.decode()
    assert "presidente@cci.test" in page and "suppleant@cci.test" in page
    assert "assesseur@reunion.test" not in page and "(organisateur@cci.test)" not in page
    response = organiser.post(reverse("ceremony:cci", kwargs={"code": "011"}), {
        "group": "ristretto255", "president": coe.president.pk,
        "assessors": [coe.stranger.pk], "threshold": 1,
    })  # fmt: skip
    assert response.status_code == 200 and not KeyCeremony.objects.exists()
    response = organiser.post(reverse("ceremony:cci", kwargs={"code": "011"}), {
        "group": "ristretto255", "president": coe.president.pk,
        "assessors": [a.pk for a in coe.assessors], "threshold": 3,
    })  # fmt: skip
    assert "ne peut dépasser le nombre d'assesseurs (2)" in html.unescape(response.content.decode())


def test_no_change_once_an_urn_of_the_cci_is_sealed(
    coe: Coe, trustee: Trustee, tmp_path: Path
) -> None:
    open_ceremony(coe)
    Urn.objects.filter(cci_id="011").update(sealed_at=timezone.now())
    work = tmp_path / "cli"
    download(coe.client(coe.president), "ceremony.json", work)
    trustee("round1", "--ceremony", "ceremony.json", "--trustee", "president",
            "--secret-out", "p.r1.key", "--out", "r1-president.json")  # fmt: skip
    assert (
        "urne de la CCI est déjà scellée"
        in upload(coe.client(coe.president), work / "r1-president.json")[0]
    )
    organiser = coe.client(coe.organiser)
    response = organiser.post(reverse("ceremony:restart", kwargs={"code": "011"}), {
        "group": "ristretto255", "president": coe.president.pk,
        "assessors": [a.pk for a in coe.assessors], "threshold": 1, "reason": "essai",
    })  # fmt: skip
    assert response.status_code == 200 and KeyCeremony.objects.get().attempt == 1
