"""The committed bundle in real headless Chromium (the system's /usr/bin/chromium).

The page and the bundle are served by Playwright's request interception from memory (no server,
no network): the shared vectors are reproduced byte for byte inside the browser, and a ballot
made there with the browser's own ``crypto.getRandomValues`` is accepted by the Python check and
decrypts to the choices.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrutin.crypto import elgamal
from scrutin.crypto.ballot import ballot_tracker, check_ballot_json
from scrutin.crypto.group import GROUP_NAMES
from scrutin.crypto.params import parse_parameters
from tests.unit.browser.helpers import BUNDLE, ROOT, election

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("SCRUTIN_CHROMIUM", "/usr/bin/chromium")
ORIGIN = "https://scrutin.invalid"
PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>
<script src="{ORIGIN}/static/voting/scrutin-ballot.js"></script></head><body></body></html>"""


@pytest.fixture(scope="module")
def page(chromium: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/install-system.sh installs it)")
    from playwright.sync_api import Route

    body = BUNDLE.read_bytes()

    def serve(route: Route) -> None:
        url = route.request.url
        if url == f"{ORIGIN}/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE)
        elif url == f"{ORIGIN}/static/voting/scrutin-ballot.js":
            route.fulfill(status=200, content_type="text/javascript", body=body)
        else:
            route.abort()

    context = chromium.new_context()
    try:
        context.route("**/*", serve)
        p = context.new_page()
        p.goto(f"{ORIGIN}/")
        p.wait_for_function("() => typeof window.ScrutinBallot === 'object'")
        yield p
    finally:
        context.close()


def vectors(group_name: str) -> dict[str, Any]:
    path = ROOT / "tests/vectors" / f"ballot-{group_name}.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("group_name", GROUP_NAMES)
def test_chromium_reproduces_the_vectors(page: Any, group_name: str) -> None:
    v = vectors(group_name)
    for case in v["valid"]:
        made = page.evaluate(
            "([e, s, r]) => ScrutinBallot.encryptSelections(e, s, {randomness: r})",
            [v["election"], case["selections"], case["randomness"]],
        )
        assert made == case["ballot"], case["name"]
        assert ballot_tracker(made) == case["tracker"]


@pytest.mark.parametrize("group_name", GROUP_NAMES)
def test_chromium_ballot_is_accepted_and_decrypts(page: Any, group_name: str) -> None:
    doc, secret = election(group_name)
    picks = ([1, 7], [0, 2, 4, 29])
    choices = [
        [doc["questions"][qi]["candidates"][i]["id"] for i in picked]
        for qi, picked in enumerate(picks)
    ]
    out = page.evaluate(
        "([e, c]) => { const b = ScrutinBallot.encryptBallot(e, c);"
        " return {ballot: b, tracker: ScrutinBallot.ballotTracker(b)}; }",
        [doc, choices],
    )
    params = parse_parameters(doc)
    parsed = check_ballot_json(params, out["ballot"])
    assert out["tracker"] == ballot_tracker(out["ballot"])
    group = params.group
    for qi, answer in enumerate(parsed.answers):
        k = params.questions[qi].size
        expected = [1 if i in picks[qi] else 0 for i in range(k)] + [0]
        got = [
            next(
                m
                for m in (0, 1)
                if group.equal(elgamal.decrypt_to_point(group, secret, ct), group.small_multiple(m))
            )
            for ct in [*answer.choices, answer.blank]
        ]
        assert got == expected


def test_chromium_rejects_bad_choices(page: Any) -> None:
    doc, _ = election("ristretto255")
    message = page.evaluate(
        "([e]) => { try { ScrutinBallot.encryptBallot(e, [['ccir-1', 'nobody'], []]); }"
        " catch (err) { return err.name + ': ' + err.message; } return 'accepted'; }",
        [doc],
    )
    assert message.startswith('ScrutinError: choices[0][1]: unknown candidate "nobody"')
