"""Benchmark: the proof of work of the voters' login (review 12.1), measured in one run.

For each difficulty from ``SCRUTIN_VOTER_POW_BITS`` to ``SCRUTIN_VOTER_POW_MAX_BITS`` (16 to 20 by
default), solves real challenges with the server's Python solver and with ``voting/preuve.js``
(the file served to voters, run by Node's V8), and times the server's check of one answer. Prints
the mean solving time of each, and the ratio of a solution's cost to the server's check: what a
source that floods pays per attempt against what it costs the platform.

    .venv/bin/python bench/login_proof.py            # 8 challenges per difficulty
    .venv/bin/python bench/login_proof.py --quick    # 3
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SCRIPT = REPO / "src/scrutin/platform/voting/static/voting/preuve.js"
SOURCE = "203.0.113.7"


def node_solve(challenges: list[str]) -> tuple[list[str], float]:
    node = shutil.which("node")
    if node is None:
        return [], float("nan")
    program = (
        f"require({json.dumps(str(SCRIPT))});"
        f"const cs = {json.dumps(challenges)}; const t = process.hrtime.bigint();"
        "const out = cs.map(c => { const s = globalThis.ScrutinPreuve.solver(c); let r = null;"
        "  while (r === null) r = s(20000); return r; });"
        "console.log(JSON.stringify({out, ns: Number(process.hrtime.bigint() - t)}));"
    )
    done = json.loads(
        subprocess.run([node, "-e", program], capture_output=True, text=True, check=True).stdout
    )
    return done["out"], done["ns"] / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=secrets.token_hex(16),
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )
    django.setup()
    from scrutin.platform.voting import proofofwork

    count = 3 if args.quick else 8
    low = int(getattr(settings, "SCRUTIN_VOTER_POW_BITS", 16))
    high = int(getattr(settings, "SCRUTIN_VOTER_POW_MAX_BITS", 20))
    print(
        f"{'bits':>4} {'python solve':>13} {'preuve.js':>10} {'server check':>13} {'solve/check':>12}"
    )
    for bits in range(low, high + 1):
        challenges = [proofofwork.issue(SOURCE, bits) for _ in range(count)]
        start = time.perf_counter()
        answers = [proofofwork.solve(c) for c in challenges]
        python = (time.perf_counter() - start) / count
        js_answers, js_total = node_solve(challenges)
        start = time.perf_counter()
        for challenge, answer in zip(challenges, answers, strict=True):
            assert proofofwork.check(challenge, answer, SOURCE) is None
        check = (time.perf_counter() - start) / count
        assert js_answers in ([], answers)  # both search from 0: the same first solution
        print(
            f"{bits:>4} {python:>12.3f}s {js_total / count:>9.3f}s {check * 1e6:>11.1f}µs {python / check:>11.0f}×"
        )


if __name__ == "__main__":
    main()
