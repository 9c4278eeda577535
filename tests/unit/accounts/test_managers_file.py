"""The managers file of CCTP annex 7.1.4, checked line by line without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrutin.platform.accounts.managers_file import read_managers
from scrutin.platform.accounts.roles import ROLES, role_for

KNOWN = {"011", "175", "973", "974"}


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "gestionnaires.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_annex_7_1_4_example_perimeter_973_175_and_national(tmp_path: Path) -> None:
    report, lines = read_managers(write(tmp_path, (
        "GROUPE;NOM;PRENOM;EMAIL;PERIMETRE\n"
        "coe;Dupont;Claire;claire@cci.test;\"973,175\"\n"
        "ADMIN;Martin;Paul;paul@cci.test;national\n")), KNOWN)  # fmt: skip
    assert report.accepted and report.rows == 2
    assert lines[0].role.code == "COE" and lines[0].cci_codes == ("973", "175")
    assert lines[1].national and lines[1].cci_codes == ()


def test_annex_7_1_4_comma_separated_file_with_quoted_perimeter(tmp_path: Path) -> None:
    report, lines = read_managers(write(tmp_path, (
        "GROUPE,NOM,PRENOM,EMAIL,PERIMETRE\r\nCELE,Dupont,Claire,claire@cci.test,\"11, 974\"\r\n")), KNOWN)  # fmt: skip
    assert report.accepted and lines[0].cci_codes == ("011", "974")


def test_annex_7_1_4_windows_1252_and_headerless(tmp_path: Path) -> None:
    report, lines = read_managers(
        write(tmp_path, "CELE;Dupré;Hélène;helene@cci.test;011\r\n", "cp1252"), KNOWN
    )
    assert report.accepted and lines[0].last_name == "Dupré"
    assert report.issues and "en-tête" in report.issues[0].message


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        ("INCONNU;A;B;a@cci.test;011", "GROUPE", "inconnu"),
        ("CELE;A;B;pas-une-adresse;011", "EMAIL", "@"),
        ("CELE;A;B;a@cci.test;011,,974", "PERIMETRE", "mal formé"),
        ("CELE;A;B;a@cci.test;011,XYZW", "PERIMETRE", "invalide"),
        ("CELE;A;B;a@cci.test;999", "PERIMETRE", "absente"),
        ("ADMIN;A;B;a@cci.test;011", "PERIMETRE", "NATIONAL"),
        ("CELE;;B;a@cci.test;011", "NOM", "obligatoire"),
        (f"CELE;{'N' * 51};B;a@cci.test;011", "NOM", "50"),
        (f"CELE;A;B;{'a' * 95}@cci.test;011", "EMAIL", "100"),
    ],
)
def test_annex_7_1_4_each_rule_gives_a_blocking_line_issue(
    tmp_path: Path, line: str, column: str, words: str
) -> None:
    report, lines = read_managers(
        write(tmp_path, f"GROUPE;NOM;PRENOM;EMAIL;PERIMETRE\n{line}\n"), KNOWN
    )
    assert not report.accepted and not lines
    issue = next(i for i in report.issues if i.blocking)
    assert (issue.line, issue.column) == (2, column)
    assert words.lower() in issue.message.lower()


def test_annex_7_1_4_one_line_per_person(tmp_path: Path) -> None:
    report, _ = read_managers(write(tmp_path, "GROUPE;NOM;PRENOM;EMAIL;PERIMETRE\n"
                                              "CELE;A;B;a@cci.test;011\nCOE;A;B;A@CCI.test;974\n"), KNOWN)  # fmt: skip
    (issue,) = report.issues
    assert issue.line == 3 and "ligne 2" in issue.message


def test_annex_7_1_4_missing_column_rejects_the_file(tmp_path: Path) -> None:
    report, _ = read_managers(
        write(tmp_path, "GROUPE;NOM;PRENOM;EMAIL\nCELE;A;B;a@cci.test\n"), KNOWN
    )
    (issue,) = report.issues
    assert issue.blocking and "PERIMETRE" in issue.message


def test_annex_7_1_4_empty_file_is_refused(tmp_path: Path) -> None:
    report, _ = read_managers(write(tmp_path, "GROUPE;NOM;PRENOM;EMAIL;PERIMETRE\n"), KNOWN)
    assert not report.accepted


def test_role_codes_fit_the_groupe_column_and_aliases_resolve() -> None:
    assert all(len(name) <= 10 for r in ROLES for name in (r.code, *r.aliases))
    assert len(ROLES) == 8
    assert (
        role_for(" prescoe ")
        is role_for("PRESIDENT")
        is next(r for r in ROLES if r.code == "PRESCOE")
    )
    assert role_for("ROOT") is None


def test_cctp_4_2_2_1_support_and_key_holders_never_get_electoral_or_vote_permissions() -> None:
    for code in ("SUPPORT", "CLE", "OPERATEUR"):
        role = role_for(code)
        assert role is not None
        assert not any(
            p.startswith(("electoral.", "ballotbox.", "voting.")) for p in role.permissions
        )
    observer = role_for("OBSERV")
    assert observer is not None and observer.read_only
    assert all(p.split(".")[1].startswith("view_") for p in observer.permissions)
