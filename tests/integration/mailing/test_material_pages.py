"""COE pages of the material by e-mail (issue 14; CCTP 4.1.4.1, 5.2.3.2): permission and
perimeter, the dispatch refused before the opening, scheduled then sent, reminder decided, and
the per-elector status list (never a code); one run in real Chromium, desktop and 360 px."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.electoral.models import Elector
from scrutin.platform.mailing.models import Campaign
from scrutin.platform.material.models import DispatchSettings
from tests.frenchtext import scan_html

from .conftest import Sink
from .test_material import CODE, freeze_kit, set_window

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "ballotbox"])
PAGE = "/gestion/materiel-courriel/"


def coe_user(name: str, ccis: list[str]) -> User:
    user = User.objects.create_user(name, password="mot-de-passe-solide-2026")
    user.user_permissions.add(Permission.objects.get(codename="manage_campaigns"))
    Perimeter.objects.create(user=user, national=False, cci_codes=ccis)
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def chosen(electors: dict[str, int]) -> None:
    Elector.objects.update(mobile_e164="")  # everything by e-mail: one message per elector
    DispatchSettings.objects.create(cci_code="011", electronic=True)
    freeze_kit("011")
    set_window("011", timedelta(hours=2), timedelta(days=2))


def test_pages_need_the_permission_and_the_perimeter(chosen: None) -> None:
    assert Client().get(PAGE).status_code == 302
    nobody = User.objects.create_user("curieux", password="x-Y-z-123456789")
    assert signed_in(nobody).get(PAGE).status_code == 403
    other = signed_in(coe_user("coe974", ["974"]))
    listing = other.get(PAGE).content.decode()
    assert "CCI de La Réunion" in listing and "CCI de l'Ain" not in listing
    assert other.get(f"{PAGE}cci/011/").status_code == 403
    assert other.get(f"{PAGE}cci/011/suivi/").status_code == 403
    assert other.post(f"{PAGE}cci/011/", {"action": "envoyer"}).status_code == 403
    assert not Campaign.objects.exists()


def test_cctp_4_1_4_1_button_refused_before_the_opening_then_scheduled_and_sent(
    chosen: None, sink: Sink
) -> None:
    coe = signed_in(coe_user("coe011", ["011"]))
    page = coe.post(f"{PAGE}cci/011/", {"action": "envoyer"}, follow=True).content.decode()
    assert "part à l&#x27;ouverture du vote, pas avant" in page
    assert not Campaign.objects.exists()
    coe.post(f"{PAGE}cci/011/", {"action": "programmer"})
    entry = JournalEntry.objects.get(event="mailing:material:schedule")
    assert entry.actor == "coe011" and entry.cci_code == "011"
    assert "programmé" in coe.get(PAGE).content.decode()
    set_window("011", -timedelta(minutes=1), timedelta(days=2))
    page = coe.post(f"{PAGE}cci/011/", {"action": "envoyer"}, follow=True).content.decode()
    assert "L&#x27;envoi du matériel de vote par courriel a commencé." in page
    assert Campaign.objects.get(kind="material").sent == 38
    status = coe.get(f"{PAGE}cci/011/suivi/?statut=refused").content.decode()
    assert "0110000000003" in status and "0110000000017" in status and "0110000000004" not in status
    everything = coe.get(f"{PAGE}cci/011/suivi/?apres=abc").content.decode()  # bad key ignored
    assert "0110000000001" in everything and not CODE.search(everything)
    mine = coe.get(f"{PAGE}cci/011/suivi/?numero=0110000000004").content.decode()
    assert mine.count("<tr>") == 2  # the header and this elector's single e-mail
    # a reminder needs the confirmation box, then is journaled as the COE's decision
    coe.post(f"{PAGE}cci/011/", {"action": "relancer"})
    assert not Campaign.objects.filter(kind="reminder").exists()
    coe.post(f"{PAGE}cci/011/", {"action": "relancer", "confirmer": "1"})
    assert Campaign.objects.filter(kind="reminder").count() == 1
    assert JournalEntry.objects.get(event="mailing:reminder:decide").actor == "coe011"


def test_pages_in_chromium_desktop_and_phone(
    chosen: None, sink: Sink, chromium: Any, live_server: Any, tmp_path: Path
) -> None:
    set_window("011", -timedelta(minutes=1), timedelta(days=2))
    user = coe_user("coe011", ["011"])
    cookie = signed_in(user).cookies["sessionid"].value
    for width in (1280, 360):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}{PAGE}cci/011/")
        if width == 1280:
            page.get_by_role("button", name="Envoyer maintenant").click()
            page.wait_for_selector("text=a commencé")
        assert page.get_by_role(
            "heading", name=re.compile("Matériel de vote par courriel")
        ).is_visible()
        assert scan_html(page.content(), "cci") == []
        page.screenshot(path=str(tmp_path / f"cci-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}{PAGE}cci/011/suivi/")
        assert page.get_by_role("table").is_visible()
        page.screenshot(path=str(tmp_path / f"suivi-{width}.png"), full_page=True)
        context.close()
