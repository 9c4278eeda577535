"""``make audit`` (scripts/audit.py, issue 19 "Dependencies"): a known vulnerability fails CI;
an audit that could not check a package says so loudly and never reports it clean. Reports in
the tools' own JSON shapes (the pip-audit one with ``skip_reason`` is what this machine gets)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scrutin_audit", ROOT / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["scrutin_audit"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# pip-audit 2.10 -s pypi when the per-version advisory data is out of reach: exit code 0 and
# "No known vulnerabilities found" on its last line.
UNREACHABLE = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI "
               "and could not be audited: django (5.2.19)"}], "fixes": []}  # fmt: skip
CLEAN = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}], "fixes": []}
VULNERABLE = {"dependencies": [
    {"name": "django", "version": "4.2.0", "vulns": [{"id": "PYSEC-2023-100", "fix_versions": ["4.2.2"],
                                                      "aliases": ["CVE-2023-36053"], "description": "…"}]},
    {"name": "pynacl", "version": "1.5.0", "vulns": []}], "fixes": []}  # fmt: skip
NPM_ERROR = {
    "message": "405 Method Not Allowed - POST …/security/advisories/bulk",
    "statusCode": 405,
}
NPM_VULNERABLE: dict[str, Any] = {
    "auditReportVersion": 2,
    "vulnerabilities": {"esbuild": {"name": "esbuild", "severity": "moderate", "via": [
        {"source": 1102341, "url": "https://github.com/advisories/GHSA-67mh-4wv8-2f99"}]}},
    "metadata": {"dependencies": {"total": 12}, "vulnerabilities": {"moderate": 1, "total": 1}},
}  # fmt: skip


def test_issue_19_deps_unchecked_packages_are_never_reported_clean(audit: ModuleType) -> None:
    python = audit.python_outcome(UNREACHABLE, set())
    assert not python.complete and python.checked == 0 and python.vulnerable == []
    npm = audit.npm_outcome(NPM_ERROR, set())
    assert not npm.complete and "405" in npm.error
    text, code = audit.render([python, npm], required=False)
    assert code == 0  # out of reach: CI does not fail …
    assert "DEPENDENCY AUDIT NOT DONE" in text and "no known vulnerability" not in text
    assert "django" in text and "JavaScript (npm audit): NOT checked: 405" in text
    _, required = audit.render([python, npm], required=True)
    assert required == 1  # … unless the audit is required


def test_issue_19_deps_a_known_vulnerability_fails(audit: ModuleType) -> None:
    python = audit.python_outcome(VULNERABLE, set())
    npm = audit.npm_outcome(NPM_VULNERABLE, set())
    assert python.complete and python.checked == 2
    assert python.vulnerable == ["django 4.2.0: PYSEC-2023-100 (fixed in: 4.2.2)"]
    assert npm.vulnerable == ["esbuild (moderate): GHSA-67mh-4wv8-2f99"]
    text, code = audit.render([python, npm], required=False)
    assert code == 1 and "VULNERABLE: django 4.2.0" in text
    clean, ok = audit.render([audit.python_outcome(CLEAN, set())], required=True)
    assert ok == 0 and "1 package(s) checked, no known vulnerability" in clean


def test_issue_19_deps_accepted_advisories_by_id_or_alias(
    audit: ModuleType, tmp_path: Path
) -> None:
    accepted = tmp_path / "accepted.txt"
    accepted.write_text(
        "# comment\nCVE-2023-36053  not reachable here  2027-01-01\nGHSA-67mh-4wv8-2f99 x\n"
    )
    ids = audit.accepted_ids(accepted)
    assert ids == {"CVE-2023-36053", "GHSA-67mh-4wv8-2f99"}
    assert audit.python_outcome(VULNERABLE, ids).vulnerable == []
    assert audit.npm_outcome(NPM_VULNERABLE, ids).vulnerable == []


def test_issue_19_deps_reads_every_pin_of_the_lock(audit: ModuleType) -> None:
    locked = dict(audit.pins(ROOT / "requirements.lock"))
    assert locked["django"] and locked["pip-audit"]
    assert len(locked) == sum(1 for line in (ROOT / "requirements.lock").read_text().splitlines()
                              if "==" in line and not line.startswith((" ", "#")))  # fmt: skip
