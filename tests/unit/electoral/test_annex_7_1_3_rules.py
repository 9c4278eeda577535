"""Every rule of CCTP annex 7.1.3, one test per rule, through the real file reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrutin.platform.electoral.annex7.electors import read_electors

from .helpers import STRUCTURE, valid_row, write


def check(tmp_path: Path, rows: list[list[str]]):  # type: ignore[no-untyped-def]
    stored: list[list[str | None]] = []
    report, checker = read_electors(write(tmp_path, rows), STRUCTURE, stored.append)
    return report, stored, checker


def only_issue(report):  # type: ignore[no-untyped-def]
    assert len(report.issues) == 1, report.issues
    return report.issues[0]


def stored_value(stored: list[list[str | None]], column: str) -> str | None:
    from scrutin.platform.electoral.annex7.electors import COLUMNS

    return stored[0][5 + COLUMNS.index(column)]


def test_annex_7_1_3_valid_file_is_accepted_with_13_digit_numbers(tmp_path: Path) -> None:
    report, stored, checker = check(tmp_path, [valid_row(1), valid_row(2)])
    assert report.accepted and report.rows == 2 and report.issues == []
    assert [r[0] for r in stored] == ["0110000000001", "0110000000002"]
    assert checker.tallies[1].count == 2


def test_annex_col_1_unknown_cci_is_blocking(tmp_path: Path) -> None:
    report, stored, _ = check(tmp_path, [valid_row(1, **{"CODE CCI": "999"})])
    issue = only_issue(report)
    assert (issue.line, issue.column, issue.value, issue.blocking) == (2, "CODE CCI", "999", True)
    assert not report.accepted and stored == []


def test_annex_col_1_a_file_holds_one_cci_only(tmp_path: Path) -> None:
    other = valid_row(2, **{"CODE CCI": "974", "CODE CATEGORIE": "S"})
    report, _, _ = check(tmp_path, [valid_row(1), other])
    assert only_issue(report).line == 3 and not report.accepted


@pytest.mark.parametrize(("value", "stored"), [("ABCDE", "ABC"), ("AB", "AB")])
def test_annex_col_2_delegation_longer_than_3_is_truncated_not_blocking(
    tmp_path: Path, value: str, stored: str
) -> None:
    report, rows, _ = check(tmp_path, [valid_row(1, **{"CODE DELEGATION": value})])
    assert report.accepted
    assert stored_value(rows, "CODE DELEGATION") == stored
    assert [i.blocking for i in report.issues] == ([False] if value != stored else [])


def test_annex_col_3_unknown_category_is_blocking(tmp_path: Path) -> None:
    report, _, _ = check(tmp_path, [valid_row(1, **{"CODE CATEGORIE": "X"})])
    assert only_issue(report).column == "CODE CATEGORIE" and not report.accepted


def test_annex_col_4_subcategory_mandatory_and_checked_where_the_cci_has_some(
    tmp_path: Path,
) -> None:
    missing = valid_row(1, **{"CODE CATEGORIE": "S", "CODE SOUS CATEGORIE": ""})
    unknown = valid_row(2, **{"CODE CATEGORIE": "S", "CODE SOUS CATEGORIE": "S9"})
    good = valid_row(3, **{"CODE CATEGORIE": "S", "CODE SOUS CATEGORIE": "S2"})
    report, stored, _ = check(tmp_path, [missing, unknown, good])
    assert [(i.line, i.column) for i in report.issues] == [
        (2, "CODE SOUS CATEGORIE"),
        (3, "CODE SOUS CATEGORIE"),
    ]
    assert stored[0][1] == "4"


def test_annex_col_4_subcategory_ignored_where_the_category_has_none(tmp_path: Path) -> None:
    report, stored, _ = check(tmp_path, [valid_row(1, **{"CODE SOUS CATEGORIE": "ZZ"})])
    assert report.accepted and report.issues == []
    assert stored_value(stored, "CODE SOUS CATEGORIE") == ""


@pytest.mark.parametrize("value", ["", "123", "12345678901", "00000000AB"])
def test_annex_col_5_elector_number_must_be_10_digits(tmp_path: Path, value: str) -> None:
    report, _, _ = check(tmp_path, [valid_row(1, **{"NUMERO ELECTEUR": value})])
    issue = only_issue(report)
    assert issue.column == "NUMERO ELECTEUR" and issue.blocking


def test_annex_col_5_duplicates_are_blocking_and_all_listed(tmp_path: Path) -> None:
    rows = [valid_row(1), valid_row(2), valid_row(1), valid_row(2), valid_row(1)]
    report, _, _ = check(tmp_path, rows)
    assert [(i.line, i.message) for i in report.issues] == [
        (4, "Numéro d'électeur en double : déjà présent ligne 2."),
        (5, "Numéro d'électeur en double : déjà présent ligne 3."),
        (6, "Numéro d'électeur en double : déjà présent ligne 2."),
    ]


def test_cctp_4_1_4_3_several_rights_keep_several_entries(tmp_path: Path) -> None:
    same_person = {"NOM D'USAGE": "DURAND", "PRENOM": "Anne", "DATE DE NAISSANCE": "02031970"}
    rows = [valid_row(1, **same_person), valid_row(2, **same_person, **{"CODE CATEGORIE": "I"})]
    report, stored, _ = check(tmp_path, rows)
    assert report.accepted and len(stored) == 2 and stored[0][1] != stored[1][1]


@pytest.mark.parametrize("value", ["M.", "MR", "MME", "MLLE", ""])
def test_annex_col_7_allowed_civilities(tmp_path: Path, value: str) -> None:
    report, _, _ = check(tmp_path, [valid_row(1, CIVILITE=value)])
    assert report.issues == []


@pytest.mark.parametrize("value", ["Mme", "MONSIEUR", "Dr"])
def test_annex_col_7_other_civilities_are_blocking(tmp_path: Path, value: str) -> None:
    assert only_issue(check(tmp_path, [valid_row(1, CIVILITE=value)])[0]).blocking


def test_annex_col_8_usage_name_mandatory_and_truncated_at_34(tmp_path: Path) -> None:
    report, _, _ = check(tmp_path, [valid_row(1, **{"NOM D'USAGE": ""})])
    assert only_issue(report).blocking
    long = "X" * 40
    report, stored, _ = check(tmp_path, [valid_row(1, **{"NOM D'USAGE": long})])
    issue = only_issue(report)
    assert not issue.blocking and issue.value == long and report.accepted
    assert stored_value(stored, "NOM D'USAGE") == "X" * 34


def test_annex_col_11_family_name_truncated_at_30_as_its_rule_says(tmp_path: Path) -> None:
    report, stored, _ = check(tmp_path, [valid_row(1, **{"NOM DE FAMILLE": "Y" * 33})])
    assert not only_issue(report).blocking
    assert stored_value(stored, "NOM DE FAMILLE") == "Y" * 30


def test_annex_col_10_unknown_birth_date_means_no_check_at_login(tmp_path: Path) -> None:
    report, stored, _ = check(tmp_path, [valid_row(1, **{"DATE DE NAISSANCE": "01011901"})])
    assert report.accepted and stored[0][2] is None


def test_annex_col_10_birth_date_is_stored_as_a_date(tmp_path: Path) -> None:
    _, stored, _ = check(tmp_path, [valid_row(1, **{"DATE DE NAISSANCE": "29021960"})])
    assert stored[0][2] == "1960-02-29"


@pytest.mark.parametrize(
    "value", ["", "1011980", "31041980", "29021961", "01011899", "1980-01-01", "01013000"]
)
def test_annex_col_10_bad_birth_dates_are_blocking(tmp_path: Path, value: str) -> None:
    issue = only_issue(check(tmp_path, [valid_row(1, **{"DATE DE NAISSANCE": value})])[0])
    assert issue.column == "DATE DE NAISSANCE" and issue.blocking


@pytest.mark.parametrize(
    ("column", "value", "blocking", "stored"),
    [
        ("NUMERO SIREN", "", True, None),
        ("NUMERO SIREN", "12345678", True, None),
        ("NUMERO SIREN", "12345678A", True, None),
        ("NUMERO SIREN", "1234567890", False, "123456789"),
        ("NUMERO NIC", "", True, None),
        ("NUMERO NIC", "123", True, None),
        ("NUMERO NIC", "1234567", False, "12345"),
        ("NUMERO NIC", "00000", None, "00000"),
    ],
)
def test_annex_col_14_15_siren_nic_lengths(
    tmp_path: Path, column: str, value: str, blocking: bool | None, stored: str | None
) -> None:
    report, rows, _ = check(tmp_path, [valid_row(1, **{column: value})])
    if blocking is None:
        assert report.issues == []
    else:
        issue = only_issue(report)
        assert issue.blocking is blocking and issue.column == column
        if column == "NUMERO NIC" and value:
            assert value in issue.message  # "avec affichage du NUMERO NIC"
    if stored is not None:
        assert stored_value(rows, column) == stored


def test_annex_col_19_legal_form_a_or_b(tmp_path: Path) -> None:
    assert check(tmp_path, [valid_row(1, **{"TYPE FORME JURIDIQUE": "B"})])[0].issues == []
    report, stored, _ = check(tmp_path, [valid_row(1, **{"TYPE FORME JURIDIQUE": "AB"})])
    assert [i.blocking for i in report.issues] == [False]
    assert stored_value(stored, "TYPE FORME JURIDIQUE") == "A"
    assert only_issue(check(tmp_path, [valid_row(1, **{"TYPE FORME JURIDIQUE": "Z"})])[0]).blocking


@pytest.mark.parametrize(
    ("code", "country", "blocking"),
    [
        ("01000", "", None),
        ("01000", "FRANCE", None),
        ("1000", "", True),
        ("", "FRANCE", True),
        ("", "BELGIQUE", None),
        ("1000", "BELGIQUE", None),
        ("SW1A 1AA", "ROYAUME-UNI", None),
    ],
)
def test_annex_col_25_postal_code_rule_depends_on_the_country(
    tmp_path: Path, code: str, country: str, blocking: bool | None
) -> None:
    row = valid_row(1, **{"ADRACH CODE POSTAL": code, "ADRACH PAYS": country})
    report, _, _ = check(tmp_path, [row])
    if blocking is None:
        assert report.issues == []
    else:
        assert only_issue(report).column == "ADRACH CODE POSTAL"


def test_annex_col_26_locality_mandatory_truncated_at_32(tmp_path: Path) -> None:
    assert only_issue(check(tmp_path, [valid_row(1, **{"ADRJUR LOCALITE": ""})])[0]).blocking
    report, stored, _ = check(tmp_path, [valid_row(1, **{"ADRJUR LOCALITE": "L" * 40})])
    assert report.accepted and stored_value(stored, "ADRJUR LOCALITE") == "L" * 32


@pytest.mark.parametrize(
    "value", ["a@a.a", "jean.dupont@cci-ain.fr", "_x+tag@sub.domaine.org", "A1@B2.C3"]
)
def test_annex_col_36_emails_accepted(tmp_path: Path, value: str) -> None:
    assert check(tmp_path, [valid_row(1, EMAIL=value)])[0].issues == []


@pytest.mark.parametrize(
    "value",
    [
        "a@a",
        "a@@a.a",
        "a@b@c.d",
        ".a@a.a",
        "a@-a.a",
        "a@a.-a",
        "jean dupont@a.fr",
        "é@a.fr",
        "a@a.",
        "@a.a",
    ],
)
def test_annex_col_36_emails_refused_are_blocking(tmp_path: Path, value: str) -> None:
    issue = only_issue(check(tmp_path, [valid_row(1, EMAIL=value)])[0])
    assert issue.blocking and issue.column == "EMAIL"


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("0607080910", "+33607080910"),
        ("+33607080910", "+33607080910"),
        ("06 07 08 09 10", "+33607080910"),
        ("+32451234567", "+32451234567"),
    ],
)
def test_annex_col_37_mobiles_normalised_to_e164(tmp_path: Path, value: str, e164: str) -> None:
    report, stored, _ = check(tmp_path, [valid_row(1, TELEPHONE=value)])
    assert report.issues == [] and stored[0][3] == e164
    assert stored_value(stored, "TELEPHONE") == value


def test_annex_col_37_overseas_cci_reads_local_numbers_in_its_own_plan(tmp_path: Path) -> None:
    row = valid_row(1, **{"CODE CCI": "974", "TELEPHONE": "0692123456"})
    report, stored, _ = check(tmp_path, [row])
    assert report.issues == [] and stored[0][3] == "+262692123456"


@pytest.mark.parametrize("value", ["0140000000", "123", "numéro"])
def test_annex_col_37_non_mobile_cannot_receive_sms_warning_only(
    tmp_path: Path, value: str
) -> None:
    report, stored, _ = check(tmp_path, [valid_row(1, TELEPHONE=value)])
    issue = only_issue(report)
    assert not issue.blocking and "SMS" in issue.message
    assert report.accepted and stored[0][3] == ""


def test_report_lists_every_error_of_the_file_not_just_the_first(tmp_path: Path) -> None:
    rows = [
        valid_row(1, CIVILITE="Dr", EMAIL="x"),
        valid_row(2),
        valid_row(3, **{"NUMERO SIREN": "1", "NOM D'USAGE": "Z" * 50}),
    ]
    report, _, _ = check(tmp_path, rows)
    assert [(i.line, i.column, i.blocking) for i in report.issues] == [
        (2, "CIVILITE", True),
        (2, "EMAIL", True),
        (4, "NOM D'USAGE", False),
        (4, "NUMERO SIREN", True),
    ]
    assert report.as_json()["errors"][0] == {
        "line": 2, "column": "CIVILITE", "value": "Dr", "blocking": True,
        "message": "Civilité attendue : « M. », « MR », « MME » ou « MLLE » (ou vide).",
    }  # fmt: skip
