"""The JSON side of the holders' pages, as the browser page uses it: the state document, the
submit endpoint (same checks as the upload form, JSON answers in French), and the partial
decryption page of an urn once the ceremony is finalized (CCTP 4.1.4.8)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scrutin.crypto import dkg
from scrutin.crypto.encoding import fingerprint
from scrutin.platform.ceremony.models import KeyCeremony

from .conftest import Coe, open_ceremony

pytestmark = pytest.mark.django_db(transaction=True)


def post(client: Client, doc: Any) -> tuple[int, dict[str, Any]]:
    response = client.post(reverse("ceremony:submit", kwargs={"code": "011"}),
                           json.dumps(doc), content_type="application/json")  # fmt: skip
    return response.status_code, response.json()


def state(client: Client) -> dict[str, Any]:
    response = client.get(reverse("ceremony:state", kwargs={"code": "011"}))
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def test_browser_protocol_state_submit_and_decrypt_page(coe: Coe) -> None:
    open_ceremony(coe)
    ids = ("president", "assesseur-1", "assesseur-2")
    clients = dict(zip(ids, (coe.client(u) for u in (coe.president, *coe.assessors)), strict=True))
    first = state(clients["assesseur-1"])
    assert (first["trustee"], first["role"], first["round"]) == ("assesseur-1", "assessor", 1)
    assert first["round1"] is None and first["submit"].endswith("/gardien/deposer/")
    c = dkg.parse_ceremony(first["ceremony"])
    secrets, r1 = {}, []
    for t, client in clients.items():
        secrets[t], message = dkg.round1(c, t)
        r1.append(message)
        assert post(client, message) == (200, {"ok": True, "message": post_ok(message)})
    status, answer = post(clients["president"], r1[0])
    assert status == 400 and "déjà été reçu" in answer["error"]
    status, answer = post(clients["president"], {"format": "scrutin-keystore/v1", "salt": "00"})
    assert status == 400 and "fichier secret" in answer["error"]
    assert state(clients["president"])["round"] == 3  # the president skips round 2
    listed = state(clients["assesseur-2"])
    assert listed["round"] == 2 and sorted(m["trustee"] for m in listed["round1"]) == sorted(ids)
    r2 = [dkg.round2(c, secrets[a], r1) for a in ids[1:]]
    for a, message in zip(ids[1:], r2, strict=True):
        assert post(clients[a], message)[0] == 200
    for t, client in clients.items():
        _, confirmation = dkg.round3(c, secrets[t], r1, r2)
        assert post(client, confirmation)[0] == 200
    assert state(clients["assesseur-1"])["round"] is None

    decrypt = reverse("ceremony:decrypt", kwargs={"code": "011-C"})
    assert clients["assesseur-1"].get(decrypt).status_code == 404  # not finalized yet
    coe.client(coe.organiser).post(reverse("ceremony:finalize", kwargs={"code": "011"}))
    trustees = KeyCeremony.objects.get(cci_id="011").trustees
    assert trustees is not None
    assert state(clients["president"])["public_key"] == trustees["public_key"]
    page = clients["assesseur-2"].get(decrypt).content.decode()
    for name in ("election-json", "tally-json", "trustees-json", "partial"):
        assert f'"{reverse(f"tally:{name}", kwargs={"code": "011-C"})}"' in page
    assert "ceremony/decrypt-page.js" in page and "ceremony/scrutin-trustee.js" in page
    assert coe.client(coe.idle).get(decrypt).status_code == 404
    assert coe.client(coe.stranger).get(decrypt).status_code == 403
    other = reverse("ceremony:decrypt", kwargs={"code": "974-C"})
    assert clients["assesseur-2"].get(other).status_code == 403


def post_ok(message: dict[str, Any]) -> str:
    return f"Message du tour 1 reçu et vérifié (empreinte {fingerprint(message)[:16]}…)."


@pytest.mark.parametrize(
    "body",
    ["[" * 60_000 + "]" * 60_000, '{"format": ' + "7" * 5000 + "}", '{"format": Infinity}'],
    ids=["nested", "huge-integer", "infinity"],
)
def test_review_19_5_malformed_round_message_is_refused_in_french(coe: Coe, body: str) -> None:
    open_ceremony(coe)
    response = coe.client(coe.president).post(reverse("ceremony:submit", kwargs={"code": "011"}),
                                              body, content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"].startswith("Ce fichier n'est pas un document JSON lisible : ")


def test_review_19_4_round_message_above_the_cap_is_refused_before_it_is_read(coe: Coe) -> None:
    from scrutin.platform.ceremony.rounds import MAX_MESSAGE

    open_ceremony(coe)
    response = coe.client(coe.president).post(reverse("ceremony:submit", kwargs={"code": "011"}),
                                              b" " * (MAX_MESSAGE + 1), content_type="application/json")  # fmt: skip
    assert response.status_code == 413 and "trop volumineux" in response.json()["error"]
