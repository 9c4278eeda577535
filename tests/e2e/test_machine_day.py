"""A whole polling day on the voting machine, through its real processes (RT 1–21, 24–27, 52):
``scrutin machine prepare``, the control module and two voter terminals under gunicorn on the
loopback, the president's pages and the voters' pages in Chromium, the rest of the voters through
the same terminal pages over HTTP; then closing, the two-key tally and ``scrutin verify`` on each
scrutin's record. The results must equal the choices made.

``SCRUTIN_MACHINE_E2E_VOTERS`` sets how many voters (default 300, as issue 13 asks): the first 8
tap the screens in Chromium, the others post the same terminal forms over HTTP, and one more votes
with a voting token.
"""

from __future__ import annotations

import json
import os
import random
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .machine_station import (
    Web,
    free_port,
    open_with_keys,
    process_tree,
    run,
    start,
    station,
    stop,
    wait_up,
)
from .navigation import submit

pytestmark = pytest.mark.e2e

VOTERS = int(os.environ.get("SCRUTIN_MACHINE_E2E_VOTERS", "300"))
IN_BROWSER = 8
LISTS = ("Avenir", "Ensemble", "Renouveau")
PAIRS = ("Mme Roux et M. Petit", "Mme Lefèvre et M. Garnier")


def package() -> dict[str, Any]:
    return {
        "format": "scrutin-machine-package/v1",
        "commune": {"name": "Villeneuve-sur-Essai", "insee": "94078"},
        "bureau": {"number": "3", "name": "École Jules-Ferry"},
        "date": "2027-03-14", "opening": "08:00", "closing": "18:00", "terminals": 2,
        "members": [
            {"role": "president", "name": "Claire Martin"},
            {"role": "assessor", "name": "Paul Durand", "key_holder": True},
        ],
        "scrutins": [
            {"id": "municipales", "preset": "municipal", "seats": 29, "registered": 900,
             "title": "Élection des conseillers municipaux",
             "lists": [{"id": f"l{i}", "name": f"Liste {n}", "members": [f"{n} {j}" for j in range(1, 30)]}
                       for i, n in enumerate(LISTS, 1)]},
            {"id": "departementales", "preset": "departmental", "seats": 1, "registered": 900,
             "title": "Élection des conseillers départementaux", "constituency": "Canton de Villeneuve",
             "candidates": [{"id": f"b{i}", "name": n} for i, n in enumerate(PAIRS, 1)]},
        ],
    }  # fmt: skip


@pytest.fixture
def polling_station(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with station(tmp_path, package()) as running:
        yield running


def vote_in_browser(term: Any, url: str, choices: dict[str, str]) -> None:
    """A voter on the terminal's screen: choose, check the recap, confirm (RT 11, 13, 25)."""
    term.goto(url + "/")
    for scrutin, choice in choices.items():
        if term.locator("text=Choisissez un scrutin").count():
            term.click(f".scrutin-list a[href='/scrutin/{scrutin}/']")
        term.check(f"input[name=q-{scrutin}][value={choice}]")
        term.click("button:has-text('Continuer')")
        term.wait_for_selector("text=Vérifiez votre choix")
        term.click("button:has-text('Confirmer mon vote')")
        term.wait_for_selector("text=Votre vote est enregistré")
        if term.locator("a:has-text('Continuer')").count():
            term.click("a:has-text('Continuer')")


def test_rt_11_39_the_voter_changes_the_choice_from_the_recap(
    polling_station: dict[str, Any],
) -> None:
    president = Web(polling_station["control"])
    term = Web(polling_station["terminals"][1])
    term.get("/")
    president.post("/autotest/", [], president.get("/"))
    assert (
        "Scrutin ouvert" in president.keys("/ouvrir/", polling_station, president.get("/")).decode()
    )
    president.post("/terminal/1/activer/", [("scrutin", "municipales")], president.get("/"))
    page = term.get("/scrutin/municipales/")
    recap = term.post("/scrutin/municipales/", [("q-municipales", "l1"), ("step", "recap")], page)
    assert "Liste Avenir" in recap and "Vérifiez votre choix" in recap
    back = term.post("/scrutin/municipales/", [("q-municipales", "l1"), ("step", "edit")], recap)
    assert re.search(r'value="l1" checked', back)  # the ballot again, the first choice ticked
    recap = term.post("/scrutin/municipales/", [("q-municipales", "l3"), ("step", "recap")], back)
    assert "Liste Renouveau" in recap and "Liste Avenir" not in recap
    done = term.post("/scrutin/municipales/", [("q-municipales", "l3"), ("step", "confirm")], recap)
    assert "Votre vote est enregistré" in done


def vote_over_http(url: str, choices: dict[str, str]) -> None:
    web = Web(url)
    for scrutin, choice in choices.items():
        page = web.get(f"/scrutin/{scrutin}/")
        recap = web.post(
            f"/scrutin/{scrutin}/", [(f"q-{scrutin}", choice), ("step", "recap")], page
        )
        assert "Vérifiez votre choix" in recap
        done = web.post(
            f"/scrutin/{scrutin}/", [(f"q-{scrutin}", choice), ("step", "confirm")], recap
        )
        assert "Votre vote est enregistré" in done, done[:800]


def test_rt_1_to_27_a_polling_day_with_two_scrutins(
    chromium: Any, polling_station: dict[str, Any]
) -> None:
    station = polling_station
    rng = random.Random(2027)
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    control, term = ctx.new_page(), ctx.new_page()
    for url in station["terminals"].values():
        term.goto(url + "/")  # each terminal contacts the control module
        assert term.locator("text=Terminal en attente").count()
    control.goto(station["control"] + "/")
    open_with_keys(control, station, "Ouvrir le scrutin")
    assert control.locator("text=exige un autotest réussi").count()  # RT 4: no self-test yet
    submit(control, 'button:has-text("Lancer l\'autotest")')
    assert control.locator("text=Résultat de l'autotest : réussi").count(), control.content()[:3000]
    open_with_keys(control, station, "Ouvrir le scrutin")
    assert control.locator("text=Scrutin ouvert").count()

    president = Web(station["control"])
    expected: dict[str, Counter[str]] = {"municipales": Counter(), "departementales": Counter()}
    for i in range(VOTERS):
        terminal = 1 + i % 2
        both = i % 6 != 5  # one elector in six is entitled to the municipal scrutin only (RT 24)
        entitled = ["municipales", "departementales"] if both else ["municipales"]
        choices = {"municipales": rng.choice(["l1", "l2", "l3", "blanc"])}
        if both:
            choices["departementales"] = rng.choice(["b1", "b2", "blanc"])
        url = station["terminals"][terminal]
        if i < IN_BROWSER:
            control.goto(station["control"] + "/")
            form = control.locator(f"form[action='/terminal/{terminal}/activer/']")
            for box in form.locator("input[name=scrutin]").all():
                if box.get_attribute("value") not in entitled:
                    box.uncheck()
            with control.expect_navigation():
                form.locator("button").click()
            vote_in_browser(term, url, choices)
        else:
            president.post(
                f"/terminal/{terminal}/activer/",
                [("scrutin", s) for s in entitled],
                president.get("/"),
            )
            vote_over_http(url, choices)
        for s, c in choices.items():
            expected[s][c] += 1
        # RT 9: the terminal deactivated itself once the elector had voted.
        idle = rf'Terminal {terminal}</h3>\s*<p class="state"><span aria-hidden="true">○</span> Inactif'
        assert re.search(idle, president.get("/etat/"))

    # RT 8: an elector activates terminal 2 with the one-time token the president gave.
    control.goto(station["control"] + "/")
    form = control.locator("form[action='/jeton/']")
    form.locator("input[value=departementales]").uncheck()
    with control.expect_navigation():
        form.locator("button").click()
    code = control.locator("p.token").inner_text()
    term.goto(station["terminals"][2] + "/")
    term.fill("#jeton", "1234 5678")
    submit(term, "button:has-text('Valider le jeton')")
    assert term.locator("text=Ce jeton n'est pas valable").count()
    term.fill("#jeton", code)
    submit(term, "button:has-text('Valider le jeton')")
    vote_in_browser(term, station["terminals"][2], {"municipales": "l2"})
    expected["municipales"]["l2"] += 1
    term.goto(station["terminals"][2] + "/")
    term.fill("#jeton", code)
    submit(term, "button:has-text('Valider le jeton')")
    assert term.locator("text=Ce jeton n'est pas valable").count()  # used once only (RT 14)

    # RT 12: an elector leaves without voting; the president deactivates after a while.
    president.post(
        "/terminal/1/activer/",
        [("scrutin", "municipales"), ("scrutin", "departementales")],
        president.get("/"),
    )
    term.goto(station["terminals"][1] + "/")
    assert term.locator("text=Choisissez un scrutin").count()
    president.post("/terminal/1/desactiver/", [], president.get("/"))
    term.goto(station["terminals"][1] + "/")
    assert term.locator("text=Terminal en attente").count()
    # RT 14: the same activation cannot vote twice; a plain POST to the terminal is refused.
    assert "Votre vote est enregistré" not in Web(station["terminals"][1]).get(
        "/scrutin/municipales/"
    )

    counters = president.get("/etat/")
    n_muni, n_dep = VOTERS + 1, sum(expected["departementales"].values())
    assert f'data-scrutin="municipales">{n_muni}<' in counters
    assert f'data-scrutin="departementales">{n_dep}<' in counters
    assert "Liste Avenir" not in counters  # RT 47: counts of voters only, never a result

    control.goto(station["control"] + "/")
    control.check("input[name=confirmer]")
    submit(control, "button:has-text('Clore le scrutin')")
    assert control.locator("text=scrutin clos").count()
    for scrutin in ("municipales", "departementales"):
        control.goto(station["control"] + "/")
        control.check(f"input[name=scrutin][value={scrutin}]")
        open_with_keys(control, station, "Dépouiller ce scrutin")
        control.wait_for_selector("text=Chiffres du bureau")
        rows = {
            r.locator("td").nth(0).inner_text().split(" (")[0]: r.locator("td").nth(1).inner_text()
            for r in control.locator("table.votes tbody tr").all()
        }
        names = {f"l{i}": f"Liste {n}" for i, n in enumerate(LISTS, 1)} | {
            f"b{i}": n for i, n in enumerate(PAIRS, 1)
        }
        for key, count in expected[scrutin].items():
            if key != "blanc":
                assert rows[names[key]] == str(count), (scrutin, rows, expected[scrutin])
        figures = control.locator("table.figures").inner_text()
        assert f"Bulletins blancs\t{expected[scrutin]['blanc']}" in figures
        record = station["dir"] / "interne" / "records" / scrutin
        verified = run("verify", str(record), cwd=station["dir"])
        assert verified.returncode == 0, verified.stdout + verified.stderr
    control.goto(station["control"] + "/")
    assert control.locator("text=la machine est verrouillée").count()  # RT 21
    # RT 21: reading the results again needs the holders' keys.
    other = chromium.new_context(locale="fr-FR").new_page()
    other.goto(station["control"] + "/resultats/municipales/")
    assert other.locator("text=Présentez la clé du président").count()
    assert not other.locator("text=Chiffres du bureau").count()
    open_with_keys(other, station, "Relire les résultats")
    assert other.locator("text=Chiffres du bureau").count()
    other.context.close()
    ctx.close()


def test_rt_52_the_link_refuses_what_does_not_come_from_the_bureau(
    polling_station: dict[str, Any], tmp_path: Path
) -> None:
    from scrutin.machine.core import link

    forged, _ = link.request(1, "state")
    body = link.seal(bytes(32), forged)  # not the bureau's link key
    url = polling_station["control"] + "/liaison/"
    req = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - loopback
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)  # noqa: S310 - loopback test server
    assert refused.value.code == 403
    assert "ne vient pas d'un terminal" in refused.value.read().decode()
    # A terminal given another control module (wrong key) shows it is out of service.
    key = tmp_path / "autre.key"
    link.new_key(key)
    port = free_port()
    proc = start(["machine", "terminal", "--numero", "1", "--cle-liaison", str(key), "--port",
                  str(port), "--controle", polling_station["control"]], tmp_path, tmp_path / "t.log")  # fmt: skip
    try:
        wait_up(f"http://127.0.0.1:{port}/", proc)
        page = Web(f"http://127.0.0.1:{port}").get("/")
        assert "Terminal hors service" in page and "a refusé la demande" in page
    finally:
        stop([proc])


MM_AT_96_DPI = 96 / 25.4


def test_rt_30_32_40_fifty_lists_and_ten_questions_each_on_one_screen(
    chromium: Any, tmp_path: Path
) -> None:
    """RT 30 capacities on the reference screen (1920 × 1080, 96 dpi): every list of a 50-list
    scrutin and every one of 10 referendum questions on one screen (RT 32), each target at
    least 12 mm (RT 40), a list's 300 names one touch away."""
    big = package() | {"terminals": 1}
    big["scrutins"] = [
        {"id": "europeennes", "preset": "european", "seats": 81, "registered": 900,
         "title": "Élection des représentants au Parlement européen",
         "lists": [{"id": f"l{i}", "name": f"Liste numéro {i} pour l'Europe",
                    "members": [f"Candidat {i}-{j}" for j in range(1, 301)]} for i in range(1, 51)]},
        {"id": "consultation", "preset": "referendum-local", "seats": 1, "registered": 900,
         "title": "Consultation locale",
         "questions": [{"id": f"q{i}", "text": f"Approuvez-vous le projet n° {i} de la commune ?"}
                       for i in range(1, 11)]},
    ]  # fmt: skip
    with station(tmp_path, big) as running:
        ctx = chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-FR")
        control, term = ctx.new_page(), ctx.new_page()
        term.goto(running["terminals"][1] + "/")
        control.goto(running["control"] + "/")
        submit(control, 'button:has-text("Lancer l\'autotest")')
        open_with_keys(control, running, "Ouvrir le scrutin")
        control.locator("form[action='/terminal/1/activer/'] button").click()
        # the waiting screen notices the activation and reloads itself: let it, or that reload
        # interrupts the navigation below
        term.wait_for_selector("[data-poll]", state="detached", timeout=30_000)
        for scrutin, count in (("europeennes", 51), ("consultation", 30)):
            term.goto(running["terminals"][1] + f"/scrutin/{scrutin}/")
            term.screenshot(path=str(tmp_path / f"{scrutin}.png"))
            bar = term.locator(".actions").bounding_box()
            assert bar is not None
            targets = term.locator("label.target").all()
            assert len(targets) == count
            for target in targets:
                box = target.bounding_box()
                assert box is not None
                assert box["width"] >= 12 * MM_AT_96_DPI and box["height"] >= 12 * MM_AT_96_DPI
                assert box["y"] + box["height"] <= bar["y"], "every choice on one screen (RT 32)"
        term.goto(running["terminals"][1] + "/scrutin/europeennes/")
        term.locator("details.members summary").nth(49).click()
        assert term.locator("text=Candidat 50-300").is_visible()
        ctx.close()


def test_rt_1_54_the_town_hall_builds_the_package_in_a_form(chromium: Any, tmp_path: Path) -> None:
    from scrutin.machine.core.package import parse_package

    port = free_port()
    proc = start(["machine", "preparation", "--port", str(port)], tmp_path, tmp_path / "p.log")
    try:
        wait_up(f"http://127.0.0.1:{port}/", proc)
        ctx = chromium.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
        page = ctx.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        for name, value in (("commune", "Villeneuve-sur-Essai"), ("insee", "94078"),
                            ("bureau", "3"), ("date", "2027-03-14"), ("president", "Claire Martin"),
                            ("assesseur_cle", "Paul Durand"), ("s1_titre", "Élection du maire"),
                            ("s1_inscrits", "900")):  # fmt: skip
            page.fill(f"[name={name}]", value)
        page.select_option("[name=s1_type]", "legislative")
        page.fill("[name=s1_choix]", "Mme Roux ; Divers gauche\nM. Petit")
        submit(page, "button:has-text('Vérifier le paquet')")
        assert page.locator("text=Paquet valide").count(), page.content()[:2000]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        with page.expect_download() as download:
            page.click("button:has-text('Télécharger le paquet')")
        path = tmp_path / "paquet.json"
        download.value.save_as(path)
        p = parse_package(json.loads(path.read_bytes()))
        assert [c.name for c in p.scrutins[0].ballots[0].choices] == ["Mme Roux", "M. Petit"]
        page.fill("form.prep [name=insee]", "94")
        submit(page, "button:has-text('Vérifier le paquet')")
        assert page.locator("text=Commune, code INSEE : code INSEE de 5 caractères").count()
        assert (
            page.locator("form.prep [name=president]").input_value() == "Claire Martin"
        )  # nothing lost
        ctx.close()
    finally:
        stop([proc])


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _listening(inodes: set[str]) -> list[str]:
    """Local addresses of the TCP/UDP sockets among ``inodes`` that listen or are bound."""
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode in inodes and (state == "0A" or table.startswith("udp")):
                found.append(f"{table} {local}")
    return found


def test_rt_73_the_machine_listens_on_loopback_only(polling_station: dict[str, Any]) -> None:
    """No remote maintenance: every socket the control module and the terminals listen on is
    bound to 127.0.0.1 (0100007F in /proc/net/tcp), none on another address or in UDP."""
    pids = [p for root in polling_station["pids"] for p in process_tree(root)]
    inodes = set().union(*(_socket_inodes(p) for p in pids))
    listening = _listening(inodes)
    assert len(listening) >= 3, listening  # the control module and two terminals
    assert all(a.startswith("tcp 0100007F:") for a in listening), listening
