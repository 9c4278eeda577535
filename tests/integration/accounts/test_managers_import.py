"""Managers file (annex 7.1.4) imported from the CLI and the web page; activation by e-mail
through Django's SMTP backend to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.accounts.services import import_managers
from scrutin.platform.electoral.models import Cci

from .world import PASSWORD, SmtpSink, make_user

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "GROUPE;NOM;PRENOM;EMAIL;PERIMETRE\r\n"


@pytest.fixture
def ccis() -> None:
    for code in ("011", "974", "175"):
        Cci.objects.create(code=code, label=f"CCI {code}")


def write(tmp_path: Path, body: str, name: str = "gestionnaires.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def run_cli(*args: str) -> Any:
    _register()
    return CliRunner().invoke(app, list(args))


def test_annex_7_1_4_cli_import_creates_inactive_accounts_and_mails_activation(
    tmp_path: Path, ccis: None, smtp_sink: SmtpSink
) -> None:
    path = write(tmp_path, "PRESCOE;DUPONT;Claire;Claire.Dupont@cci-ain.test;011\r\n"
                           "ADMIN;MARTIN;Paul;paul.martin@cci-france.test;NATIONAL\r\n"
                           "OBSERV;LEROY;Anne;anne.leroy@prefecture.test;974,175\r\n")  # fmt: skip
    result = run_cli("accounts", "import", str(path), "--base-url", "https://gestion.test")
    assert result.exit_code == 0, result.output
    assert "Comptes créés : 3" in result.output
    claire = User.objects.get(username="claire.dupont@cci-ain.test")
    assert not claire.is_active and not claire.has_usable_password()
    assert [g.name for g in claire.groups.all()] == ["PRESCOE"]
    assert claire.perimeter.cci_codes == ["011"] and not claire.perimeter.national
    assert User.objects.get(username="paul.martin@cci-france.test").perimeter.national
    assert Perimeter.objects.get(user__last_name="LEROY").cci_codes == ["974", "175"]
    assert sorted(m["X-Envelope-To"] for m in smtp_sink.messages) == [
        "anne.leroy@prefecture.test", "claire.dupont@cci-ain.test", "paul.martin@cci-france.test"]  # fmt: skip


def test_annex_7_1_4_activation_link_sets_a_strict_password_once(
    tmp_path: Path, ccis: None, smtp_sink: SmtpSink
) -> None:
    import_managers(write(tmp_path, "COE;DUPONT;Claire;claire@cci-ain.test;011\r\n"),
                    base_url="http://testserver")  # fmt: skip
    (mail,) = smtp_sink.messages
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"http://testserver(/gestion/comptes/activer/[^\s]+)", body)
    assert link is not None, body
    client = Client()
    page = client.get(link.group(1))
    assert page.status_code == 200 and "claire@cci-ain.test" in page.content.decode()
    for weak in ("court-2026", "123456789012345", "password1234", "claire@cci-ain.test1"):
        refused = client.post(link.group(1), {"new_password1": weak, "new_password2": weak})
        assert refused.status_code == 200, weak
        assert not User.objects.get(username="claire@cci-ain.test").is_active
    done = client.post(link.group(1), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    assert User.objects.get(username="claire@cci-ain.test").is_active
    assert client.get(link.group(1)).status_code == 400  # the link is spent
    signed = client.post("/gestion/comptes/connexion/",
                         {"username": "Claire@cci-ain.test", "password": PASSWORD})  # fmt: skip
    assert signed.status_code == 302


def test_annex_7_1_4_per_line_report_and_nothing_imported_on_error(
    tmp_path: Path, ccis: None, smtp_sink: SmtpSink
) -> None:
    path = write(tmp_path, "COE;DUPONT;Claire;claire@cci-ain.test;011\r\n"
                           "CHEF;MARTIN;Paul;paul@cci.test;011\r\n"
                           "COE;LEROY;Anne;anne@@cci.test;011\r\n"
                           "COE;PETIT;Luc;CLAIRE@cci-ain.test;011\r\n"
                           "CELE;DURAND;Léa;lea@cci.test;011,999\r\n"
                           "ADMIN;ROBERT;Jean;jean@cci.test;011\r\n"
                           "CELE;;Marc;marc@cci.test;\r\n")  # fmt: skip
    result = run_cli("accounts", "import", str(path), "--json")
    assert result.exit_code == 1
    import json

    report = json.loads(result.output)
    found = {(e["line"], e["column"]) for e in report["errors"]}
    assert found == {(3, "GROUPE"), (4, "EMAIL"), (5, "EMAIL"), (6, "PERIMETRE"), (7, "PERIMETRE"),
                     (8, "NOM"), (8, "PERIMETRE")}  # fmt: skip
    assert not User.objects.exists() and not smtp_sink.messages


def test_annex_7_1_4_reimport_updates_role_and_perimeter_without_new_mail(
    tmp_path: Path, ccis: None, smtp_sink: SmtpSink
) -> None:
    import_managers(write(tmp_path, "COE;DUPONT;Claire;claire@cci-ain.test;011\r\n"))
    result = import_managers(
        write(tmp_path, "PRESCOE;DUPONT;Claire;claire@cci-ain.test;011,974\r\n")
    )
    assert result.updated == ["claire@cci-ain.test"] and not result.created
    claire = User.objects.get(username="claire@cci-ain.test")
    assert [g.name for g in claire.groups.all()] == ["PRESCOE"]
    assert claire.perimeter.cci_codes == ["011", "974"]
    assert len(smtp_sink.messages) == 1


def test_web_import_is_for_national_account_managers_only(
    tmp_path: Path, ccis: None, smtp_sink: SmtpSink
) -> None:
    local = Client()
    local.force_login(make_user("ADMIN", ["011"]))
    assert local.get("/gestion/comptes/import/").status_code == 403
    national = Client()
    national.force_login(make_user("ADMIN", None, national=True))
    path = write(tmp_path, "CELE;DUPONT;Claire;claire@cci-ain.test;011\r\n")
    with path.open("rb") as fh:
        page = national.post("/gestion/comptes/import/", {"file": fh})
    assert page.status_code == 200 and "1 compte(s) créé(s)" in page.content.decode()
    assert len(smtp_sink.messages) == 1
    # the account list of a single-CCI manager shows the accounts of that CCI only
    listing = local.get("/gestion/comptes/").content.decode()
    assert "claire@cci-ain.test" in listing and "admin-nat@cci.test" not in listing
    other = User.objects.get(username="claire@cci-ain.test")
    assert local.post(f"/gestion/comptes/{other.pk}/renvoyer-activation/").status_code == 302
    assert len(smtp_sink.messages) == 2
    outsider = Client()
    outsider.force_login(make_user("ADMIN", ["974"]))
    assert outsider.post(f"/gestion/comptes/{other.pk}/renvoyer-activation/").status_code == 404


def test_setup_roles_is_idempotent_and_reports_missing_permissions() -> None:
    first = run_cli("accounts", "setup-roles")
    second = run_cli("accounts", "setup-roles")
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    from django.contrib.auth.models import Group

    from scrutin.platform.accounts.roles import ROLES

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(r.code for r in ROLES)
    cele = Group.objects.get(name="CELE")
    assert {p.codename for p in cele.permissions.all()} >= {"manage_electoral_data", "view_elector"}
    support = Group.objects.get(name="SUPPORT")
    assert {p.codename for p in support.permissions.all()} == {
        "handle_resend_requests",
        "assist_electors",
    }


def test_review_12_10_activation_links_use_the_site_url_not_the_host_header(
    tmp_path: Path, ccis: None, smtp_sink: SmtpSink, settings: Any
) -> None:
    """A request whose Host passes ALLOWED_HOSTS (a wildcard, a second name) but is forged must
    not put its host in the activation link: the link's base is SCRUTIN_SITE_URL."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.SCRUTIN_SITE_URL = "https://gestion.elections-cci.test"
    national = Client(HTTP_HOST="piege.example")
    national.force_login(make_user("ADMIN", None, national=True))
    path = write(tmp_path, "CELE;DUPONT;Claire;claire@cci-ain.test;011\r\n")
    with path.open("rb") as fh:
        assert national.post("/gestion/comptes/import/", {"file": fh}).status_code == 200
    claire = User.objects.get(username="claire@cci-ain.test")
    assert national.post(f"/gestion/comptes/{claire.pk}/renvoyer-activation/").status_code == 302
    bodies = [m.get_payload(decode=True).decode() for m in smtp_sink.messages]
    assert len(bodies) == 2
    for body in bodies:
        assert "piege.example" not in body
        assert "https://gestion.elections-cci.test/gestion/comptes/activer/" in body
