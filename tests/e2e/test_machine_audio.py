"""A blind voter votes alone (RT 61–64), through the machine's real processes and Chromium.

The voter uses the keypad only: no click, no look. What the terminal says is checked as the
sequence of prompt files it played (the page's log of keys, each mapped to its text through the
prepared prompt table ``audio.json``), and the outcome as the ballots the two-key tally counts.
The second test does the same with the screen masked (black, content hidden) and makes no visual
assertion at all. axe-core finds no serious or critical violation on any terminal page (RT 64),
and each page fits a 360 px wide screen: no sideways scrolling, no button cut (RT 32, 40).
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import axe_violations
from .machine_station import Web, run, station

pytestmark = pytest.mark.e2e

LISTS = ("Avenir", "Ensemble", "Renouveau")
PAIRS = ("Mme Roux et M. Petit", "Mme Lefèvre et M. Garnier")
MASK = """document.addEventListener("DOMContentLoaded", () => {
  const s = document.createElement("style");
  s.textContent = "html { background: #000 !important } body > * { visibility: hidden !important }";
  document.head.append(s);
  const cover = document.createElement("div");
  cover.style.cssText = "position:fixed;inset:0;background:#000;z-index:2147483647";
  document.documentElement.append(cover);
});"""


def package() -> dict[str, Any]:
    return {
        "format": "scrutin-machine-package/v1",
        "commune": {"name": "Villeneuve-sur-Essai", "insee": "94078"},
        "bureau": {"number": "3", "name": "École Jules-Ferry"},
        "date": "2027-03-14", "opening": "08:00", "closing": "18:00", "terminals": 1,
        "members": [
            {"role": "president", "name": "Claire Martin"},
            {"role": "assessor", "name": "Paul Durand", "key_holder": True},
        ],
        "scrutins": [
            {"id": "municipales", "preset": "municipal", "seats": 29, "registered": 900,
             "title": "Élection des conseillers municipaux",
             "lists": [{"id": f"l{i}", "name": f"Liste {n}", "detail": f"Tête de liste {n}",
                        "members": [f"{n} {j}" for j in range(1, 30)]}
                       for i, n in enumerate(LISTS, 1)]},
            {"id": "departementales", "preset": "departmental", "seats": 1, "registered": 900,
             "title": "Élection des conseillers départementaux", "constituency": "Canton de Villeneuve",
             "candidates": [{"id": f"b{i}", "name": n} for i, n in enumerate(PAIRS, 1)]},
        ],
    }  # fmt: skip


@pytest.fixture
def open_station(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A prepared station, self-tested and opened by the president and an assessor."""
    with station(tmp_path, package()) as st:
        president = Web(st["control"])
        Web(st["terminals"][1]).get("/")  # the terminal contacts the control module
        president.post("/autotest/", [], president.get("/"))
        assert "Scrutin ouvert" in president.keys("/ouvrir/", st, president.get("/")).decode()
        st["president"] = president
        yield st


class Keypad:
    """The voter's keypad and headphones: each key press returns what the terminal said."""

    def __init__(self, page: Any, table: dict[str, Any]) -> None:
        self.page = page
        self.texts = {k: p["text"] for k, p in table["prompts"].items()}

    def heard(self) -> list[str]:
        self.page.wait_for_function(
            "document.documentElement.dataset.audio === 'silence'", timeout=120_000
        )
        keys: list[str] = self.page.evaluate("window.scrutinAudio.played.splice(0)")
        return [self.texts[k] for k in keys]

    def press(self, key: str, *, navigates: bool = False) -> list[str]:
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)
        return self.heard()


NARROW = """(() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push("page " + root.scrollWidth);
  for (const b of document.querySelectorAll("button")) {
    const r = b.getBoundingClientRect();
    if (b.scrollWidth > b.clientWidth || r.left < 0 || r.right > root.clientWidth)
      out.push(b.textContent.trim());
  }
  return out;
})()"""
"""What does not fit a 360 px wide terminal: sideways scrolling, a button cut or off screen."""


def narrow_problems(page: Any) -> list[str]:
    """The page at 360 px wide (a small upright terminal), then back to the test's width."""
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    problems: list[str] = page.evaluate(NARROW)
    page.set_viewport_size(size)
    return problems


def say(table: dict[str, Any], *keys: str) -> list[str]:
    return [table["prompts"][k]["text"] for k in keys]


def vote_with_the_keypad(page: Any, st: dict[str, Any], check_pages: bool) -> None:
    """Both scrutins, keypad only: list 1 after changing from list 2 at the recap; then a
    forgotten choice, corrected to a blank vote (RT 11, 13, 36, 39, 61–63)."""
    table = json.loads((st["dir"] / "interne" / "audio.json").read_text())
    t = lambda *keys: say(table, *keys)  # noqa: E731 - short name for the expected speech
    muni = "choix.municipales.municipales."
    dep = "choix.departementales.departementales."
    pad = Keypad(page, table)
    violations: dict[str, Any] = {}
    narrow: dict[str, list[str]] = {}

    def look(name: str) -> None:
        if check_pages:
            violations[name] = axe_violations(page)
            narrow[name] = narrow_problems(page)

    page.goto(st["terminals"][1] + "/")
    page.wait_for_selector("#mode-audio:not([hidden])", state="attached")
    assert pad.heard() == []  # RT 64: nothing is spoken before the voter asks for it
    look("scrutins")
    assert pad.press("5") == t("accueil", "scrutins")
    for _ in range(5):  # the voter speeds the voice up
        assert pad.press("9") == t("vitesse-plus")
    assert pad.press("0") == t("aide")
    assert pad.press("8") == t("scrutin.municipales")
    assert pad.press("8") == t("scrutin.departementales")
    assert pad.press("2") == t("scrutin.municipales")
    assert pad.press("Enter", navigates=True) == t(
        "scrutin.municipales", "consigne.municipales.municipales", muni + "l1", "membres-touche"
    )
    look("bulletin")
    assert pad.press("8") == t(muni + "l2", "membres-touche")
    # RT 30: key 3 reads the list's 29 candidates, ten at a time, in order.
    members = [f"membres.municipales.municipales.l2.{n}" for n in (1, 2, 3)]
    assert pad.press("3") == t(*members, "membres-fin")
    assert t(members[0])[0].startswith("Liste Ensemble : 29 candidats. Candidats 1 à 10 : ")
    assert t(members[2]) == [
        "Candidats 21 à 29 : " + ", ".join(f"Ensemble {j}" for j in range(21, 30)) + "."
    ]
    page.keyboard.press("3")
    interrupted = pad.press("1")  # any other key stops the reading
    assert interrupted == t(*members)[: len(interrupted)] and len(interrupted) < len(members)
    assert pad.press("-") == t("volume-moins")
    assert pad.press("5") == t("scrutin.municipales", muni + "l2", "membres-touche")
    assert pad.press("#") == t(muni + "l2", "choisi", "continuer")
    assert pad.press("Enter", navigates=True) == t("recap", muni + "l2", "recap-consigne")
    look("recapitulatif")
    # At the recap the voter changes their mind: back to the ballot, list 2 still chosen.
    assert pad.press("*", navigates=True) == t(
        "scrutin.municipales", "consigne.municipales.municipales", muni + "l2", "choisi",
        "membres-touche",
    )  # fmt: skip
    assert pad.press("ArrowUp") == t(muni + "l1", "membres-touche")
    assert pad.press("ArrowUp") == t("debut-liste", muni + "l1", "membres-touche")
    assert pad.press("Enter") == t(muni + "l1", "choisi", "continuer")
    assert pad.press("#", navigates=True) == t("recap", muni + "l1", "recap-consigne")
    assert pad.press("#", navigates=True) == t(
        "enregistre", "reste", "scrutin.departementales", "reste-consigne"
    )
    look("enregistre")
    # The departmental ballot: « Continuer » with nothing chosen is refused, aloud.
    assert pad.press("Enter", navigates=True) == t(
        "scrutin.departementales", "consigne.departementales.departementales", dep + "b1"
    )
    assert pad.press("3") == t("membres-aucun")  # a binôme has no list of candidates
    assert pad.press("6") == t("continuer")
    assert pad.press("Enter", navigates=True) == t(
        "erreur-choix", "scrutin.departementales", "consigne.departementales.departementales",
        dep + "b1",
    )  # fmt: skip
    look("erreur")
    assert pad.press("ArrowDown") == t(dep + "b2")
    assert pad.press("ArrowDown") == t("blanc")
    assert pad.press("Enter") == t("blanc", "choisi", "continuer")
    assert pad.press("Enter", navigates=True) == t("recap", "blanc", "recap-consigne")
    assert pad.press("#", navigates=True) == t("enregistre", "fini")
    page.wait_for_url(st["terminals"][1] + "/", timeout=60_000)
    # Back on the waiting screen: the audio mode and its settings are gone (next voter).
    assert pad.heard() == []
    assert page.evaluate("sessionStorage.length") == 0
    assert page.evaluate("window.scrutinAudio.on") is False
    look("attente")
    assert violations == {name: [] for name in violations}
    assert narrow == {name: [] for name in narrow}

    # The file the terminal serves is the prepared one.
    entry = table["prompts"][muni + "l1"]
    url = st["terminals"][1] + f"/son/{muni}l1.wav"
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - loopback test server
        assert hashlib.sha256(r.read()).hexdigest() == entry["sha256"]


def tally(st: dict[str, Any]) -> dict[str, dict[str, Any]]:
    president = st["president"]
    president.post("/clore/", [("confirmer", "oui")], president.get("/"))
    out = {}
    for scrutin in ("municipales", "departementales"):
        president.keys("/depouiller/", st, president.get("/"), ("scrutin", scrutin))
        record = st["dir"] / "interne" / "records" / scrutin
        verified = run("verify", str(record), cwd=st["dir"])
        assert verified.returncode == 0, verified.stdout + verified.stderr
        out[scrutin] = json.loads((record / "result.json").read_bytes())
    return out


def counts(result: dict[str, Any], ids: list[str]) -> dict[str, int]:
    """The tally of the record's only question (docs/protocol.md, result.json): each choice's
    votes in the package's order, and the blank ones."""
    (answer,) = result["answers"]
    return dict(zip(ids, answer["counts"], strict=True)) | {"blanc": answer["blank"]}


def test_rt_61_62_63_a_blind_voter_votes_alone_with_the_keypad(
    chromium: Any, open_station: dict[str, Any]
) -> None:
    st = open_station
    st["president"].post(
        "/terminal/1/activer/",
        [("scrutin", "municipales"), ("scrutin", "departementales")],
        st["president"].get("/"),
    )
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    vote_with_the_keypad(ctx.new_page(), st, check_pages=True)
    ctx.close()
    results = tally(st)
    assert counts(results["municipales"], ["l1", "l2", "l3"]) == {
        "l1": 1,
        "l2": 0,
        "l3": 0,
        "blanc": 0,
    }
    assert counts(results["departementales"], ["b1", "b2"]) == {"b1": 0, "b2": 0, "blanc": 1}


def test_rt_61_62_63_the_same_vote_with_the_screen_masked(
    chromium: Any, open_station: dict[str, Any]
) -> None:
    """No visual assertion at all: only what is heard and what the tally counts."""
    st = open_station
    st["president"].post(
        "/terminal/1/activer/",
        [("scrutin", "municipales"), ("scrutin", "departementales")],
        st["president"].get("/"),
    )
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    ctx.add_init_script(MASK)
    vote_with_the_keypad(ctx.new_page(), st, check_pages=False)
    ctx.close()
    results = tally(st)
    assert counts(results["municipales"], ["l1", "l2", "l3"]) == {
        "l1": 1,
        "l2": 0,
        "l3": 0,
        "blanc": 0,
    }
    assert counts(results["departementales"], ["b1", "b2"]) == {"b1": 0, "b2": 0, "blanc": 1}
