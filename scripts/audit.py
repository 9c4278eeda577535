#!/usr/bin/env python3
"""Dependency audit (``make audit``, run by ``.ci/run``): known vulnerabilities of the locked
Python packages (``requirements.lock``, with pip-audit against the package index's advisory
data) and of the JavaScript lock (``package-lock.json``, with ``npm audit``).

Either a tool checks every package and the audit fails on any known vulnerability not accepted
in ``scripts/audit-accepted.txt``, or the audit says LOUDLY which packages it could not check
and why: never "no known vulnerabilities" for a package it could not check. An audit that could
not run does not fail (the advisory services may be out of reach from CI), unless
``SCRUTIN_AUDIT_REQUIRED=1`` (a release build, where the services are reachable).

Standard library only; the update policy of the pinned versions is in docs/ops.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ACCEPTED = ROOT / "scripts" / "audit-accepted.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
TIMEOUT = 600
SERVICES = ("pypi", "osv")  # pip-audit's advisory sources, tried in this order


@dataclass
class Outcome:
    """What one tool could say about one lock file."""

    tool: str
    checked: int = 0
    vulnerable: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    error: str = ""  # the whole audit could not run

    @property
    def complete(self) -> bool:
        return not self.error and not self.unchecked


def accepted_ids(path: Path = ACCEPTED) -> set[str]:
    """Advisory ids accepted on purpose: one per line, ``ID  reason  review date``; ``#`` starts
    a comment."""
    if not path.is_file():
        return set()
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            ids.add(words[0])
    return ids


def pins(lock: Path) -> list[tuple[str, str]]:
    """``(name, version)`` of every ``name==version`` line of a pip-compile lock."""
    out = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            out.append((match.group(1), match.group(2)))
    return out


def python_outcome(report: dict[str, Any], accepted: set[str]) -> Outcome:
    """Reads pip-audit's JSON report (``-f json``): a dependency with ``skip_reason`` was *not*
    checked, whatever pip-audit prints on its last line."""
    outcome = Outcome("Python (pip-audit)")
    for dep in report.get("dependencies", []):
        name = f"{dep.get('name')} {dep.get('version', '')}".strip()
        if "skip_reason" in dep:
            outcome.unchecked.append(f"{name}: {dep['skip_reason']}")
            continue
        outcome.checked += 1
        for vuln in dep.get("vulns", []):
            ids = {vuln.get("id", ""), *vuln.get("aliases", [])}
            if ids & accepted:
                continue
            fixed = ", ".join(vuln.get("fix_versions", [])) or "none"
            outcome.vulnerable.append(f"{name}: {vuln.get('id')} (fixed in: {fixed})")
    if not report.get("dependencies"):
        outcome.error = "report without any dependency"
    return outcome


def npm_outcome(report: dict[str, Any], accepted: set[str]) -> Outcome:
    """Reads ``npm audit --json``: a report without ``auditReportVersion`` is an error (the
    advisory endpoint unreachable or refusing), not a clean bill."""
    outcome = Outcome("JavaScript (npm audit)")
    if "auditReportVersion" not in report:
        outcome.error = str(report.get("message") or report.get("error") or "unexpected answer")
        return outcome
    outcome.checked = int(report.get("metadata", {}).get("dependencies", {}).get("total", 0))
    for name, entry in sorted(report.get("vulnerabilities", {}).items()):
        advisories = [v for v in entry.get("via", []) if isinstance(v, dict)]
        ids = {str(v.get("url", "")).rsplit("/", 1)[-1] for v in advisories}
        if advisories and ids <= accepted:
            continue
        shown = ", ".join(sorted(i for i in ids if i)) or "via " + ", ".join(
            str(v) for v in entry.get("via", [])
        )
        outcome.vulnerable.append(f"{name} ({entry.get('severity')}): {shown}")
    return outcome


def run_pip_audit(lock: Path, accepted: set[str]) -> Outcome:
    tool = shutil.which("pip-audit", path=str(Path(sys.executable).parent)) or shutil.which(
        "pip-audit"
    )
    if tool is None:
        return Outcome("Python (pip-audit)", error="pip-audit is not installed (make install)")
    locked = pins(lock)
    if not locked:
        return Outcome("Python (pip-audit)", error=f"no pinned version in {lock.name}")

    def audit(requirements: Path, service: str, *extra: str) -> dict[str, Any] | str:
        with tempfile.TemporaryDirectory() as work:
            out = Path(work) / "report.json"
            command = [tool, "-s", service, "-r", str(requirements), "--disable-pip",
                       "--progress-spinner", "off", "-f", "json", "-o", str(out), *extra]  # fmt: skip
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)  # noqa: S603
            except subprocess.TimeoutExpired:
                return f"pip-audit gave no answer within {TIMEOUT} s"
            if not out.is_file():
                return (done.stderr.strip().splitlines() or ["pip-audit failed"])[-1]
            data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
            return data

    # one package first, on each service in turn: when the advisory data is out of reach, say
    # so without asking for every package of the lock
    reasons = []
    for service in SERVICES:
        with tempfile.TemporaryDirectory() as work:
            probe = Path(work) / "probe.txt"
            probe.write_text(f"{locked[0][0]}=={locked[0][1]}\n", encoding="utf-8")
            first = audit(probe, service, "--no-deps")
        tried = python_outcome(first, accepted) if isinstance(first, dict) else None
        if tried is None or not tried.complete:
            why = first if tried is None else (tried.error or tried.unchecked[0])
            reasons.append(f"{service}: {why}")
            continue
        report = audit(lock, service, "--require-hashes")
        if isinstance(report, str):
            return Outcome("Python (pip-audit)", error=f"{service}: {report}")
        return python_outcome(report, accepted)
    return Outcome("Python (pip-audit)", error="advisory data out of reach (" + "; ".join(reasons) + ")",
                   unchecked=[f"{n} {v}" for n, v in locked])  # fmt: skip


def run_npm_audit(root: Path, accepted: set[str]) -> Outcome:
    npm = shutil.which("npm")
    if npm is None or not (root / "package-lock.json").is_file():
        return Outcome("JavaScript (npm audit)", error="npm or package-lock.json missing")
    try:
        done = subprocess.run([npm, "audit", "--package-lock-only", "--json"], cwd=root,  # noqa: S603
                              capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
    except subprocess.TimeoutExpired:
        return Outcome(
            "JavaScript (npm audit)", error=f"npm audit gave no answer within {TIMEOUT} s"
        )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return Outcome(
            "JavaScript (npm audit)", error=done.stderr.strip()[-300:] or "unreadable output"
        )
    return npm_outcome(report, accepted)


def render(outcomes: list[Outcome], required: bool) -> tuple[str, int]:
    """The report and the exit code: 1 on any known vulnerability; 1 on an audit that did not
    run only if ``required``."""
    lines = []
    for o in outcomes:
        if o.complete and not o.vulnerable:
            lines.append(f"{o.tool}: {o.checked} package(s) checked, no known vulnerability.")
        for item in o.vulnerable:
            lines.append(f"{o.tool}: VULNERABLE: {item}")
    skipped = [o for o in outcomes if not o.complete]
    if skipped:
        bar = "!" * 78
        lines += [
            "",
            bar,
            "!!! DEPENDENCY AUDIT NOT DONE: NOTHING IS KNOWN ABOUT THESE PACKAGES",
            bar,
        ]
        for o in skipped:
            count = len(o.unchecked)
            what = f"{count} package(s) NOT checked" if count else "NOT checked"
            lines.append(f"!!! {o.tool}: {what}: {o.error or o.unchecked[0]}")
            lines += [f"!!!   {u}" for u in o.unchecked[:5]] + (
                [f"!!!   … and {count - 5} more"] if count > 5 else []
            )
        lines.append("!!! Run `make audit` where the advisory services are reachable"
                     + (" (SCRUTIN_AUDIT_REQUIRED=1: failing)." if required else " (not failing)."))  # fmt: skip
        lines.append(bar)
    code = 1 if any(o.vulnerable for o in outcomes) or (skipped and required) else 0
    return "\n".join(lines), code


def main() -> int:
    accepted = accepted_ids()
    outcomes = [run_pip_audit(ROOT / "requirements.lock", accepted), run_npm_audit(ROOT, accepted)]
    text, code = render(outcomes, os.environ.get("SCRUTIN_AUDIT_REQUIRED") == "1")
    print(text, file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
