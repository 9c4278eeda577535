"""The tally pages as the commission and the key holders use them: start, the dossier decrypted
offline with ``scrutin trustee decrypt``, partials deposited (file and JSON), results, minutes,
record, archive, national exports (CCTP 3.2.2.6, 4.1.4.8, 4.1.4.8.1)."""

from __future__ import annotations

import csv
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import nacl.pwhash
import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.crypto.encoding import encode_scalar
from scrutin.crypto.keystore import seal, write_keystore
from scrutin.crypto.signing import verify_document
from scrutin.platform.tally.models import TallySession
from scrutin.verify.record import verify_record

from ..accounts.world import make_user
from .conftest import Vote

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response: Any) -> bytes:
    """A streamed file response's bytes (record files are served from disk)."""
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _keystore(tmp_path: Path, vote: Vote, trustee: str, role: str) -> tuple[Path, Path]:
    secret = {"ceremony": "coe-011", "trustee": trustee, "role": role,
              "share": encode_scalar(vote.shares[trustee])}  # fmt: skip
    path, phrase = tmp_path / f"{trustee}.json", tmp_path / f"{trustee}.pass"
    phrase.write_text("une phrase de passe assez longue\n")
    write_keystore(path, seal(secret, "une phrase de passe assez longue", "trustee",
                              opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
                              memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN))  # fmt: skip
    return path, phrase


def _decrypt_offline(tmp_path: Path, dossier: bytes, keystore: Path, phrase: Path) -> Path:
    home = tmp_path / f"poste-{keystore.stem}"  # the holder's computer, where the zip is opened
    with zipfile.ZipFile(io.BytesIO(dossier)) as z:
        # issue 12: the dossier unzips into a folder of its own name, not the current folder
        assert {n.split("/", 1)[0] for n in z.namelist()} == {"depouillement-011-C"}
        z.extractall(home)  # noqa: S202 - our own zip
    folder = home / "depouillement-011-C"
    out = tmp_path / f"partiel-{keystore.stem}.json"
    _register()
    result = CliRunner().invoke(app, ["trustee", "decrypt", "--record", str(folder), "--secret",
                                      str(keystore), "--out", str(out), "--passphrase-file", str(phrase)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _designate(vote: Vote, holders: dict[str, tuple[Any, str, str]]) -> None:
    """The ceremony's designation of the accounts holding the keys (what the ceremony app
    records when the COE opens its ceremony)."""
    from scrutin.platform.ceremony.models import KeyCeremony, KeyHolder

    ceremony = KeyCeremony.objects.get(cci=vote.urn.cci)
    for position, (trustee, (user, first, last)) in enumerate(holders.items()):
        user.first_name, user.last_name = first, last
        user.save()
        role = KeyHolder.Role.PRESIDENT if position == 0 else KeyHolder.Role.ASSESSOR
        KeyHolder.objects.create(ceremony=ceremony, trustee=trustee, role=role,
                                 position=position, user=user)  # fmt: skip


def test_cctp_3_2_2_6_commission_and_key_holders_tally_through_the_pages(
    closed_vote: Vote, tmp_path: Path, settings: Any
) -> None:
    settings.SCRUTIN_IMPORTS_INLINE = True
    president_user = make_user("PRESCOE", ["011"], name="president@cci.test")
    assessor_user = make_user("COE", ["011"], name="assesseur@cci.test")
    president, assessor = _client(president_user), _client(assessor_user)
    code = closed_vote.urn.code
    _designate(closed_vote, {"president": (president_user, "Claire", "Lefèvre"),
                             "assesseur-1": (assessor_user, "Marc", "Giraud")})  # fmt: skip
    page = president.get(reverse("tally:urn", kwargs={"code": code}))
    assert "Commencer le dépouillement" in page.content.decode()
    assert "12 bulletin(s) et 12 émargement(s) — nombres égaux (R713-24)" in page.content.decode()
    response = president.post(reverse("tally:start", kwargs={"code": code}))
    assert response.status_code == 302
    session = TallySession.objects.get(urn=closed_vote.urn)
    assert session.state == "waiting"
    # the president decrypts offline from the dossier and deposits the file
    dossier = _body(president.get(reverse("tally:dossier", kwargs={"code": code})))
    keystore, phrase = _keystore(tmp_path, closed_vote, "president", "president")
    out = _decrypt_offline(tmp_path, dossier, keystore, phrase)
    with out.open("rb") as f:
        response = president.post(reverse("tally:partial", kwargs={"code": code}), {"fichier": f})
    page = president.get(response.url).content.decode()
    assert "Déchiffrement partiel de Claire Lefèvre accepté" in page  # by name, not « president »
    assert "Claire Lefèvre (président de la commission)" in page and "(president)" not in page
    # the same file again: refused with a message
    with out.open("rb") as f:
        response = president.post(
            reverse("tally:partial", kwargs={"code": code}), {"fichier": f}, follow=True
        )
    assert "déjà été reçu" in response.content.decode()
    # an assessor posts theirs as JSON (what the browser page does)
    keystore, phrase = _keystore(tmp_path, closed_vote, "assesseur-1", "assessor")
    out = _decrypt_offline(tmp_path, dossier, keystore, phrase)
    response = assessor.post(reverse("tally:partial", kwargs={"code": code}), out.read_bytes(),
                             content_type="application/json")  # fmt: skip
    assert response.json()["ok"] is True and "terminé" in response.json()["message"]
    # results on the page, the minutes, the signed results, the record and the archive
    page = president.get(reverse("tally:urn", kwargs={"code": code})).content.decode()
    assert "Résultats" in page and "Procès-verbal CCIR" in page
    # the key holders by name (issue 12: not « president (president) », « assesseur-1 (assessor) »)
    assert "Claire Lefèvre (président de la commission)" in page
    assert (
        "Marc Giraud (assesseur)" in page and "assesseur-1" not in page and "(assessor)" not in page
    )
    minutes = president.get(reverse("tally:minutes", kwargs={"code": code, "ballot": "ccit"}))
    assert minutes["Content-Type"] == "application/pdf" and minutes.content.startswith(b"%PDF")
    results = president.get(reverse("tally:results-json", kwargs={"code": code})).json()
    assert results["trustee_names"] == {"president": "Claire Lefèvre", "assesseur-1": "Marc Giraud"}
    signature = results.pop("signature")
    verify_document(bytes.fromhex(signature["key"]), results, bytes.fromhex(signature["value"]))
    record = _body(president.get(reverse("tally:record", kwargs={"code": code})))
    zipfile.ZipFile(io.BytesIO(record)).extractall(tmp_path / "registre")  # noqa: S202
    assert verify_record(tmp_path / "registre" / f"registre-{code}", workers=1).valid
    archive = _body(president.get(reverse("tally:archive", kwargs={"code": code})))
    assert _body(president.get(reverse("tally:archive", kwargs={"code": code}))) == archive
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile(f"archive-{code}/archive.json"))  # type: ignore[arg-type]
    assert f"archive-{code}/proces-verbal-ccir.pdf" in names
    assert f"archive-{code}/scellements/scellement-cloture.json" in names
    signed = {k: v for k, v in manifest.items() if k != "signature"}
    verify_document(
        bytes.fromhex(manifest["platform_key"]), signed, bytes.fromhex(manifest["signature"])
    )
    # once done, nothing more is accepted
    response = assessor.post(reverse("tally:partial", kwargs={"code": code}), out.read_bytes(),
                             content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "n'attend pas" in response.json()["error"]


def test_cctp_4_1_4_8_1_cci_france_downloads_votes_seats_and_participation(
    closed_vote: Vote, tmp_path: Path, settings: Any
) -> None:
    from scrutin.platform.tally import services

    from .test_tally import tallied

    tallied(closed_vote)
    admin = _client(make_user("ADMIN", None, national=True, name="national@cci.test"))
    body = (
        admin.get(reverse("tally:export", kwargs={"what": "resultats.csv"}))
        .getvalue()
        .decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) > 1 and any("011-C" in cell for cell in rows[1])
    participation = admin.get(reverse("tally:export", kwargs={"what": "participation.csv"}))
    assert "20" in participation.getvalue().decode("utf-8-sig")
    assert admin.get(reverse("tally:export", kwargs={"what": "sieges.csv"})).status_code == 200
    data = json.loads(admin.get(reverse("tally:export", kwargs={"what": "resultats.json"})).content)
    assert data["urns"][0]["urn"]["code"] == "011-C"
    assert services.results_of(closed_vote.urn) == data["urns"][0]
    # a COE president of the CCI has no national download
    president = _client(make_user("PRESCOE", ["011"], name="p2@cci.test"))
    assert (
        president.get(reverse("tally:export", kwargs={"what": "resultats.csv"})).status_code == 403
    )
