"""Browser ballot-encryption benchmark (issue 3, docs/browser-module.md).

Encrypts the reference ballot — CCIR question with 12 candidates and 6 seats, CCIT question with
30 candidates and 15 seats — with the committed bundle ``scrutin-ballot.js`` in real headless
Chromium (the system's ``/usr/bin/chromium``, driven by Playwright; no browser is downloaded),
served from a loopback-only HTTP server, and in Node.js in the same run as a baseline.

    .venv/bin/python bench/crypto_browser.py [--quick] [--runs N] [--group NAME]

Importable: :func:`measure_browser_encryption` returns seconds per reference ballot.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scrutin.crypto.encoding import encode_point
from scrutin.crypto.group import GROUP_NAMES, get_group

ROOT = Path(__file__).resolve().parents[1]

BUNDLE = ROOT / "src/scrutin/platform/voting/static/voting/scrutin-ballot.js"
CHROMIUM = os.environ.get("SCRUTIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFERENCE = (("ccir", 12, 6), ("ccit", 30, 15))
TARGET_SECONDS = 1.0

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scrutin-ballot benchmark</title>
<script src="/scrutin-ballot.js"></script></head>
<body><p>scrutin-ballot benchmark</p></body></html>
"""

TIMING_JS = """
async ({election, choices, runs}) => {
  const S = window.ScrutinBallot;
  let t = performance.now();
  const first = S.encryptBallot(election, choices);
  const firstSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  for (let i = 0; i < runs; i++) S.encryptBallot(election, choices);
  const perBallot = (performance.now() - t) / 1000 / runs;
  return {seconds_per_ballot: perBallot, first_seconds: firstSeconds,
          tracker: S.ballotTracker(first), ballot: first,
          user_agent: navigator.userAgent};
}
"""


def reference_election(group_name: str) -> tuple[dict[str, Any], list[list[str]]]:
    """Election parameters of the reference ballot, and a full selection (6 + 15 candidates)."""
    group = get_group(group_name)
    doc = {
        "format": "scrutin-election/v1",
        "election_id": "bench-browser",
        "title": "Benchmark: CCI reference ballot",
        "group": group_name,
        "public_key": encode_point(group, group.base_mul(group.random_scalar())),
        "trustees": secrets.token_hex(32),
        "platform_key": secrets.token_hex(32),
        "questions": [
            {
                "id": qid,
                "title": qid.upper(),
                "candidates": [{"id": f"{qid}{i}", "name": f"Candidate {i}"} for i in range(k)],
                "max": seats,
            }
            for qid, k, seats in REFERENCE
        ],
    }
    choices = [[f"{qid}{i}" for i in range(seats)] for qid, _, seats in REFERENCE]
    return doc, choices


@contextlib.contextmanager
def serve_bundle(bundle: Path = BUNDLE) -> Iterator[str]:
    """A loopback-only HTTP server for the benchmark page and the bundle; yields its URL."""
    body = bundle.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            files = {
                "/": (PAGE, "text/html; charset=utf-8"),
                "/scrutin-ballot.js": (body, "text/javascript; charset=utf-8"),
            }
            if self.path not in files:
                self.send_error(404)
                return
            data, ctype = files[self.path]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def browser_run(group_name: str, runs: int = 5) -> dict[str, Any]:
    """Time the reference ballot in headless Chromium; also returns the first ballot made."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium package")
    election, choices = reference_election(group_name)
    with serve_bundle() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function("() => typeof window.ScrutinBallot === 'object'")
            result: dict[str, Any] = page.evaluate(
                TIMING_JS, {"election": election, "choices": choices, "runs": runs}
            )
        finally:
            browser.close()
    result["election"] = election
    return result


def measure_browser_encryption(group: str, runs: int = 5) -> float:
    """Seconds per reference ballot encrypted by the bundle in headless Chromium."""
    return float(browser_run(group, runs)["seconds_per_ballot"])


def measure_node_encryption(group: str, runs: int = 5) -> float:
    """Seconds per reference ballot encrypted by the same bundle in Node.js (baseline)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node not found")
    election, choices = reference_election(group)
    out = subprocess.run(
        [node, str(ROOT / "js/tools/bundle-cli.mjs"), "bench", str(BUNDLE)],
        input=json.dumps({"election": election, "choices": choices, "runs": runs}),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return float(json.loads(out.stdout)["seconds_per_ballot"])


def check_with_python(result: dict[str, Any]) -> None:
    """The benchmark's ballot must be one the server accepts (a fast wrong ballot is no result)."""
    from scrutin.crypto.ballot import ballot_tracker, check_ballot_json
    from scrutin.crypto.params import parse_parameters

    check_ballot_json(parse_parameters(result["election"]), result["ballot"])
    if ballot_tracker(result["ballot"]) != result["tracker"]:
        raise RuntimeError("the browser's tracker differs from the Python fingerprint")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer timed runs")
    parser.add_argument("--runs", type=int, default=None, help="timed encryptions per group")
    parser.add_argument("--group", choices=GROUP_NAMES, action="append")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 10)
    groups = args.group or list(GROUP_NAMES)
    raw = BUNDLE.read_bytes()
    packed = len(gzip.compress(raw, compresslevel=9, mtime=0))
    print(f"bundle {BUNDLE.relative_to(ROOT)}: {len(raw)} bytes, {packed} gzipped")
    print(
        f"reference ballot: CCIR 12 candidates / 6 seats + CCIT 30 candidates / 15 seats; {runs} runs"
    )
    print(
        f"{'group':<14}{'browser s/ballot':>18}{'first call':>12}{'node s/ballot':>16}{'ratio':>8}"
    )
    worst = 0.0
    for group in groups:
        result = browser_run(group, runs)
        check_with_python(result)
        browser = float(result["seconds_per_ballot"])
        baseline = measure_node_encryption(group, runs)
        worst = max(worst, browser, float(result["first_seconds"]))
        print(
            f"{group:<14}{browser:>18.3f}{result['first_seconds']:>12.3f}"
            f"{baseline:>16.3f}{browser / baseline:>8.2f}"
        )
    print(
        f"target: well under {TARGET_SECONDS:.0f} s per ballot in the browser -> "
        + ("met" if worst < TARGET_SECONDS else "NOT MET")
    )
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
