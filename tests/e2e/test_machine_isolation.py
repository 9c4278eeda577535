"""No remote maintenance, no outgoing connection (RT 73), checked from outside the program.

A whole short day of a polling station (preparation, self-test, opening with two keys, votes,
closing, two-key tally, ``scrutin verify``) runs inside a new network namespace whose only
interface is the loopback: there is no route to anywhere else, so a program that needed the
network would fail. Every Python process of the machine also logs, through an audit hook loaded
by ``tests/e2e/netlog/sitecustomize.py``, each address it binds, connects or sends to and each
name it resolves: every one must be a loopback address of the machine's own parts.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _loopback(target: object) -> bool:
    if isinstance(target, list) and target:
        target = target[0]
    if not isinstance(target, str):
        return False
    if target.startswith("/") or target == "":  # a Unix socket is local by construction
        return True
    if target == "localhost":
        return True
    try:
        return ipaddress.ip_address(target).is_loopback
    except ValueError:
        return False


def test_rt_73_the_machine_runs_a_whole_day_with_loopback_only_and_tries_no_other_address(
    tmp_path: Path,
) -> None:
    log = tmp_path / "reseau.log"
    env = {
        **os.environ,
        "SCRUTIN_NET_LOG": str(log),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "tests" / "e2e" / "netlog"), str(ROOT / "src"), str(ROOT)]
        ),
    }
    script = f'ip link set lo up && exec "{sys.executable}" -m tests.e2e.isolated_day "{tmp_path}"'
    done = subprocess.run(
        ["unshare", "--net", "--map-root-user", "sh", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"verified": True, "ballots": 3}
    events = [json.loads(line) for line in log.read_text().splitlines()]
    pids = {e["pid"] for e in events}
    assert len(pids) >= 3, "the control module and the terminal did not log (hook not loaded)"
    assert any(e["event"] == "socket.bind" for e in events)
    assert any(e["event"] == "socket.connect" for e in events)
    outside = [e for e in events if not _loopback(e["target"])]
    assert outside == [], f"addresses other than the loopback: {outside[:10]}"
