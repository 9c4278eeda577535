"""The proof of work asked of a flooding source (review 12.1): bound to the source, single use,
expiring, verified with one bounded hash, difficulty growing with the source's failures."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from scrutin.platform.voting import proofofwork as pow_
from scrutin.platform.voting.proofofwork import Refusal

SOURCE = "203.0.113.7"


@pytest.fixture(autouse=True)
def _clean_cache(settings: Any) -> None:
    settings.SCRUTIN_VOTER_SOURCE_FREE_FAILURES = 20
    settings.SCRUTIN_VOTER_POW_BITS = 16
    settings.SCRUTIN_VOTER_POW_MAX_BITS = 20
    cache.clear()


def test_review_12_1_difficulty_grows_with_the_failures_and_is_capped() -> None:
    assert [pow_.required_bits(n) for n in (0, 19, 20, 39, 40, 80, 160, 320, 10**9)] == [
        0, 0, 16, 16, 17, 18, 19, 20, 20,
    ]  # fmt: skip


def test_review_12_1_a_solved_challenge_is_accepted_once(settings: Any) -> None:
    challenge = pow_.issue(SOURCE, 8)
    nonce = pow_.solve(challenge)
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    assert pow_.leading_zero_bits(digest) >= 8
    assert pow_.check(challenge, nonce, SOURCE) is None
    assert pow_.check(challenge, nonce, SOURCE) is Refusal.REUSED


def test_review_12_1_a_challenge_cannot_be_moved_forged_or_kept() -> None:
    challenge = pow_.issue(SOURCE, 8)
    nonce = pow_.solve(challenge)
    assert pow_.check(challenge, nonce, "198.51.100.1") is Refusal.FORGED
    body, _, mac = challenge.rpartition(".")
    easier = body.replace("pow1.8.", "pow1.1.", 1) + "." + mac
    assert pow_.check(easier, "0", SOURCE) is Refusal.FORGED
    old = time.time() - pow_.lifetime() - 60
    stale = pow_.issue(SOURCE, 1)
    parts = stale.split(".")
    parts[2] = str(int(old))
    body = ".".join(parts[:4])
    stale = f"{body}.{pow_._mac(body, SOURCE)}"
    assert pow_.check(stale, pow_.solve(stale), SOURCE) is Refusal.EXPIRED


def test_review_12_1_wrong_missing_or_oversized_answers_are_refused() -> None:
    challenge = pow_.issue(SOURCE, 24)
    wrong = next(
        str(n)
        for n in range(1000)
        if pow_.leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest()) < 24
    )
    assert pow_.check(challenge, wrong, SOURCE) is Refusal.WRONG
    assert pow_.check("", "1", SOURCE) is Refusal.MISSING
    assert pow_.check(challenge, "", SOURCE) is Refusal.MISSING
    assert pow_.check(challenge, "1" * 10_000, SOURCE) is Refusal.MALFORMED
    assert pow_.check(challenge + "x" * 10_000, "1", SOURCE) is Refusal.MALFORMED
    assert pow_.check(challenge, "-1", SOURCE) is Refusal.MALFORMED
    assert pow_.check(challenge, "١٢", SOURCE) is Refusal.MALFORMED  # non-ASCII digits
    assert pow_.check("pow1.x.y.z.w", "1", SOURCE) is Refusal.MALFORMED


NODE = shutil.which("node")
SCRIPT = (
    Path(__file__).parents[3] / "src/scrutin/platform/voting/static/voting/preuve.js"
).resolve()


@pytest.mark.skipif(NODE is None, reason="Node.js is installed by scripts/install-system.sh")
def test_review_12_1_the_browser_solver_finds_what_the_server_accepts() -> None:
    """preuve.js (the file served to voters) run by Node: its SHA-256 equals hashlib's and its
    answers pass the server's check, for challenges whose prefix spans one or two blocks."""
    challenges = [pow_.issue(SOURCE, 10) for _ in range(4)]
    long = "pow1.10.1.0123456789abcdef0123456789abcdef0123456789abcdef0123456789.aa"
    texts = ["", "abc", "a" * 55, "a" * 56, "a" * 64, "a" * 119, long]
    program = (
        f"require({json.dumps(str(SCRIPT))});"
        "const api = globalThis.ScrutinPreuve;"
        f"const challenges = {json.dumps(challenges)}, texts = {json.dumps(texts)};"
        "console.log(JSON.stringify({"
        "answers: challenges.map(c => { const s = api.solver(c); let r = null;"
        "  while (r === null) r = s(5000); return r; }),"
        "hashes: texts.map(t => api.sha256(t))}));"
    )
    out = subprocess.run([str(NODE), "-e", program], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["hashes"] == [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    for challenge, answer in zip(challenges, result["answers"], strict=True):
        assert pow_.check(challenge, answer, SOURCE) is None
