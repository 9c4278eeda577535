"""Sign-in hardening (CCTP 4.1.4.7): lockout, mandatory second factor for wide perimeters,
TOTP and WebAuthn security keys, through the real pages."""

from __future__ import annotations

import json
from typing import Any

import pyotp
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from scrutin.platform.accounts import services
from scrutin.platform.accounts.models import SecurityKey, TotpDevice

from .softkey import SoftKey
from .world import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/gestion/comptes/connexion/"


def sign_in(client: Client, user: User, password: str = PASSWORD, url: str = LOGIN) -> Any:
    return client.post(url, {"username": user.username, "password": password})


def totp_now(user: User, *, step_offset: int = 0) -> str:
    device = TotpDevice.objects.get(user=user)
    totp = pyotp.TOTP(services.totp_secret(device))
    return totp.at(timezone.now().timestamp() + step_offset * totp.interval)


def test_cctp_4_1_4_7_single_cci_account_without_second_factor_goes_straight_in() -> None:
    client = Client()
    user = make_user("CELE", ["011"])
    response = sign_in(client, user)
    assert response.status_code == 302 and response.url == "/gestion/"
    assert client.get("/gestion/").status_code == 200


@pytest.mark.parametrize("perimeter", [{"national": True}, {"codes": ["011", "974"]}])
def test_cctp_4_1_4_7_wide_perimeter_must_enrol_before_any_page(perimeter: dict[str, Any]) -> None:
    client = Client()
    user = make_user("CELE", perimeter.get("codes"), national=perimeter.get("national", False))
    response = sign_in(client, user)
    assert response.url == "/gestion/comptes/second-facteur/"
    for url in ("/gestion/", "/gestion/cci/011/electeurs/", "/gestion/comptes/"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked.url == "/gestion/comptes/second-facteur/"
    assert client.get("/gestion/comptes/second-facteur/application/").status_code == 200
    wrong = client.post("/gestion/comptes/second-facteur/application/", {"code": "000000"})
    assert wrong.status_code == 200 and client.get("/gestion/").status_code == 302
    done = client.post("/gestion/comptes/second-facteur/application/", {"code": totp_now(user)})
    assert done.status_code == 302
    assert client.get("/gestion/").status_code == 200


def test_totp_secret_is_encrypted_at_rest() -> None:
    user = make_user("COE", ["011"])
    device = services.start_totp(user)
    plain = services.totp_secret(device)
    assert len(plain) == 32 and plain not in TotpDevice.objects.get(pk=device.pk).secret
    page = Client()
    page.force_login(user)
    shown = page.get("/gestion/comptes/second-facteur/application/").content.decode()
    assert plain[:4] + " " + plain[4:8] in shown and f"secret={plain}" in shown


def test_cctp_4_1_4_7_enrolled_account_must_give_its_code_at_each_sign_in() -> None:
    user = make_user("CELE", ["011"], national=True)
    device = services.start_totp(user)
    assert services.check_totp(device, totp_now(user))
    client = Client()
    assert sign_in(client, user).url == "/gestion/comptes/verification/"
    assert client.get("/gestion/").url == "/gestion/comptes/verification/"
    client.post("/gestion/comptes/verification/", {"code": "123456"})
    assert client.get("/gestion/").status_code == 302
    # the code of the next step (clock drift) is accepted once, then never again
    code = totp_now(user, step_offset=1)
    assert client.post("/gestion/comptes/verification/", {"code": code}).status_code == 302
    assert client.get("/gestion/").status_code == 200
    other = Client()
    sign_in(other, user)
    other.post("/gestion/comptes/verification/", {"code": code})
    assert other.get("/gestion/").url == "/gestion/comptes/verification/"


def test_cctp_4_1_4_7_second_factor_also_guards_the_electoral_login_route() -> None:
    user = make_user("CELE", None, national=True)
    client = Client()
    response = sign_in(client, user, url="/gestion/connexion/")
    assert response.status_code == 302
    assert client.get("/gestion/").url == "/gestion/comptes/second-facteur/"


def _locked_message(response: Any) -> bool:
    return "Identifiant ou mot de passe incorrect" in response.content.decode()


def test_cctp_4_1_4_7_lockout_after_repeated_failures_without_telling_if_account_exists(
    settings: Any,
) -> None:
    settings.SCRUTIN_LOGIN_MAX_FAILURES = 3
    user = make_user("CELE", ["011"])
    client = Client()
    for _ in range(3):
        assert _locked_message(sign_in(client, user, password="mauvais-mot-de-passe"))
    locked = sign_in(client, user)
    assert locked.status_code == 200 and _locked_message(locked)
    ghost = User(username="personne@cci.test")
    for _ in range(3):
        sign_in(client, ghost, password="mauvais-mot-de-passe")
    ghost_page = sign_in(client, ghost, password="mauvais-mot-de-passe").content.decode()
    real_page = locked.content.decode()
    strip = lambda page: page.replace(ghost.username, "").replace(user.username, "")  # noqa: E731
    assert _strip_tokens(strip(ghost_page)) == _strip_tokens(strip(real_page))
    assert Client().get("/gestion/").status_code == 302


def _strip_tokens(page: str) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_cctp_4_1_4_7_lockout_per_source_ip(settings: Any) -> None:
    settings.SCRUTIN_LOGIN_MAX_FAILURES_PER_IP = 4
    victim = make_user("CELE", ["011"])
    client = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(4):
        sign_in(client, User(username=f"essai{n}@cci.test"), password="mauvais")
    assert sign_in(client, victim).status_code == 200  # refused from this address
    assert sign_in(Client(REMOTE_ADDR="192.0.2.8"), victim).status_code == 302


def test_failed_second_factor_counts_toward_lockout(settings: Any) -> None:
    settings.SCRUTIN_LOGIN_MAX_FAILURES = 3
    user = make_user("CELE", ["011"])
    services.check_totp(services.start_totp(user), totp_now(user))
    client = Client()
    sign_in(client, user)
    client.post("/gestion/comptes/verification/", {"code": "111111"})
    client.post("/gestion/comptes/verification/", {"code": "222222"})
    response = client.post("/gestion/comptes/verification/", {"code": "333333"})
    assert response.url == "/gestion/comptes/connexion/"
    assert not client.session.get("_auth_user_id")


def test_review_12_3_right_password_does_not_reset_the_count_of_wrong_codes(
    settings: Any,
) -> None:
    """Wrong second-factor codes are counted apart from passwords; signing in again with the
    right password must not wipe them, or codes could be guessed a few at a time forever."""
    settings.SCRUTIN_LOGIN_MAX_FAILURES = 3
    user = make_user("CELE", ["011"])
    services.check_totp(services.start_totp(user), totp_now(user))
    first = Client()
    assert sign_in(first, user).url == "/gestion/comptes/verification/"
    for code in ("111111", "222222"):
        assert first.post("/gestion/comptes/verification/", {"code": code}).status_code == 200
    second = Client()
    assert sign_in(second, user).url == "/gestion/comptes/verification/"
    third_wrong = second.post("/gestion/comptes/verification/", {"code": "333333"})
    assert third_wrong.status_code == 302 and third_wrong.url == "/gestion/comptes/connexion/"
    assert not second.session.get("_auth_user_id")
    refused = sign_in(Client(), user)  # the right password, still locked out
    assert refused.status_code == 200 and _locked_message(refused)


def test_review_12_3_completed_sign_in_clears_both_counts(settings: Any) -> None:
    settings.SCRUTIN_LOGIN_MAX_FAILURES = 3
    user = make_user("CELE", ["011"])
    services.check_totp(services.start_totp(user), totp_now(user))
    client = Client()
    sign_in(client, user, password="mauvais-mot-de-passe")
    sign_in(client, user, password="mauvais-mot-de-passe")
    sign_in(client, user)
    client.post("/gestion/comptes/verification/", {"code": "111111"})
    client.post("/gestion/comptes/verification/", {"code": "222222"})
    done = client.post("/gestion/comptes/verification/", {"code": totp_now(user, step_offset=1)})
    assert done.status_code == 302 and client.get("/gestion/").status_code == 200
    again = Client()  # two more wrong passwords and codes do not reach the limit of 3
    sign_in(again, user, password="mauvais-mot-de-passe")
    sign_in(again, user, password="mauvais-mot-de-passe")
    assert sign_in(again, user).url == "/gestion/comptes/verification/"
    again.post("/gestion/comptes/verification/", {"code": "444444"})
    page = again.post("/gestion/comptes/verification/", {"code": "555555"})
    assert page.status_code == 200 and again.session.get("_auth_user_id")


PROXY = "10.0.0.5"


def behind(client_address: str) -> Client:
    """A browser at ``client_address`` reaching the site through the TLS proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def test_review_12_1_management_lockout_per_client_behind_the_proxy(settings: Any) -> None:
    settings.SCRUTIN_TRUSTED_PROXIES = "10.0.0.0/24"
    settings.SCRUTIN_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.SCRUTIN_LOGIN_MAX_FAILURES_PER_IP = 4
    victim = make_user("CELE", ["011"])
    attacker = behind("203.0.113.66")
    for n in range(6):
        sign_in(attacker, User(username=f"essai{n}@cci.test"), password="mauvais")
    assert sign_in(attacker, victim).status_code == 200  # the attacker's address is locked
    assert sign_in(behind("198.51.100.20"), victim).status_code == 302  # not every user's


def test_review_12_1_forged_header_from_outside_the_proxy_changes_nothing(
    settings: Any,
) -> None:
    settings.SCRUTIN_TRUSTED_PROXIES = "10.0.0.0/24"
    settings.SCRUTIN_LOGIN_MAX_FAILURES_PER_IP = 4
    victim = make_user("CELE", ["011"])
    for n in range(4):  # a new forged address each time, straight to the server
        forger = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        sign_in(forger, User(username=f"essai{n}@cci.test"), password="mauvais")
    forger = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert sign_in(forger, victim).status_code == 200


# WebAuthn ----------------------------------------------------------------------------------


def _register_key(client: Client, key: SoftKey) -> Any:
    options = json.loads(client.get("/gestion/comptes/second-facteur/cle/options.json").content)
    return client.post("/gestion/comptes/second-facteur/cle/",
                       {"name": "Clé bleue", "credential": json.dumps(key.create(options))})  # fmt: skip


def test_cctp_4_1_4_7_security_key_enrolment_then_sign_in() -> None:
    user = make_user("ADMIN", None, national=True)
    client = Client()
    sign_in(client, user)
    key = SoftKey(origin="http://testserver", rp_id="testserver")
    assert _register_key(client, key).status_code == 302
    stored = SecurityKey.objects.get(user=user)
    assert stored.name == "Clé bleue"
    assert client.get("/gestion/").status_code == 200

    fresh = Client()
    assert sign_in(fresh, user).url == "/gestion/comptes/verification/"
    options = json.loads(fresh.get("/gestion/comptes/verification/cle/options.json").content)
    done = fresh.post(
        "/gestion/comptes/verification/", {"credential": json.dumps(key.get(options))}
    )
    assert done.status_code == 302 and fresh.get("/gestion/").status_code == 200
    stored.refresh_from_db()
    assert stored.sign_count == key.counter and stored.last_used_at is not None


@pytest.mark.parametrize("attack", ["tampered", "wrong_origin", "replayed", "other_key"])
def test_cctp_4_1_4_7_security_key_bad_assertions_are_refused(attack: str) -> None:
    user = make_user("ADMIN", None, national=True)
    client = Client()
    sign_in(client, user)
    key = SoftKey(origin="http://testserver", rp_id="testserver")
    _register_key(client, key)
    fresh = Client()
    sign_in(fresh, user)
    options = json.loads(fresh.get("/gestion/comptes/verification/cle/options.json").content)
    if attack == "tampered":
        answer = key.get(options, tamper=True)
    elif attack == "wrong_origin":
        answer = key.get(options, origin="https://phishing.example")
    elif attack == "other_key":
        impostor = SoftKey(origin="http://testserver", rp_id="testserver",
                           credential_id=key.credential_id)  # fmt: skip
        answer = impostor.get(options)
    else:
        good = key.get(options)
        assert fresh.post("/gestion/comptes/verification/",
                          {"credential": json.dumps(good)}).status_code == 302  # fmt: skip
        fresh.post("/gestion/comptes/deconnexion/")
        sign_in(fresh, user)
        answer = good  # same challenge and signature again
    fresh.post("/gestion/comptes/verification/", {"credential": json.dumps(answer)})
    assert fresh.get("/gestion/").url == "/gestion/comptes/verification/"


def test_security_key_registration_with_wrong_origin_is_refused() -> None:
    user = make_user("COE", ["011"])
    client = Client()
    sign_in(client, user)
    key = SoftKey(origin="http://testserver", rp_id="testserver")
    options = json.loads(client.get("/gestion/comptes/second-facteur/cle/options.json").content)
    answer = key.create(options, origin="https://phishing.example")
    client.post(
        "/gestion/comptes/second-facteur/cle/", {"name": "x", "credential": json.dumps(answer)}
    )
    assert not SecurityKey.objects.filter(user=user).exists()


def test_session_waiting_for_a_removed_factor_falls_back_to_enrolment() -> None:
    user = make_user("CELE", None, national=True)
    services.check_totp(services.start_totp(user), totp_now(user))
    client = Client()
    assert sign_in(client, user).url == "/gestion/comptes/verification/"
    TotpDevice.objects.filter(user=user).delete()
    response = client.get("/gestion/comptes/verification/")
    assert response.url == "/gestion/comptes/second-facteur/"
    assert client.get("/gestion/").url == "/gestion/comptes/second-facteur/"


def test_review_12_second_factor_page_has_no_menu_and_a_distinct_cancel_button() -> None:
    """Issue 12: the verification page showed the whole menu (whose links only bounce back)
    and its cancel button looked like the submit button."""
    user = make_user("ADMIN", national=True)
    device = services.start_totp(user)
    assert services.check_totp(device, totp_now(user))
    client = Client()
    assert sign_in(client, user).url == "/gestion/comptes/verification/"
    page = client.get("/gestion/comptes/verification/").content.decode()
    assert 'class="sections"' not in page and "Données électorales" not in page
    assert '<button type="submit">Valider le code</button>' in page
    assert '<button type="submit" class="secondary">Annuler et se déconnecter</button>' in page
    enrol = Client()
    sign_in(enrol, make_user("CELE", national=True))
    assert 'class="sections"' not in enrol.get("/gestion/comptes/second-facteur/").content.decode()
    assert (
        client.post(
            "/gestion/comptes/verification/", {"code": totp_now(user, step_offset=1)}
        ).status_code
        == 302
    )
    assert 'class="sections"' in client.get("/gestion/").content.decode()


@pytest.mark.parametrize(
    "credential", ["[" * 20_000 + "]" * 20_000, '{"id": ' + "9" * 5000 + "}", '{"id": 1, "id": 2}']
)
def test_review_19_5_malformed_security_key_answers_are_refused_not_500(credential: str) -> None:
    user = make_user("ADMIN", None, national=True)
    client = Client()
    sign_in(client, user)
    key = SoftKey(origin="http://testserver", rp_id="testserver")
    client.get("/gestion/comptes/second-facteur/cle/options.json")
    page = client.post(
        "/gestion/comptes/second-facteur/cle/", {"name": "x", "credential": credential}
    )
    assert page.status_code == 200 and "illisible" in page.content.decode()
    assert not SecurityKey.objects.filter(user=user).exists()
    assert _register_key(client, key).status_code == 302
    fresh = Client()
    sign_in(fresh, user)
    fresh.get("/gestion/comptes/verification/cle/options.json")
    page = fresh.post("/gestion/comptes/verification/", {"credential": credential})
    assert page.status_code == 200  # the sign-in page again, with its generic refusal
    assert fresh.get("/gestion/").url == "/gestion/comptes/verification/"
