"""CCI France's downloads (CCTP 4.1.4.8.1): votes, seats, participation; and document checks."""

from __future__ import annotations

import copy
import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutin.crypto.encoding import canonical_json
from scrutin.platform.control.services import Line
from scrutin.platform.tally import exports
from scrutin.platform.tally.exports import (
    ParticipationRow,
    ResultsDocumentError,
    check_document,
    participation_rows,
    participation_rows_from_tree,
    participation_totals,
    verify_signature,
)
from scrutin.platform.tally.fixtures import sample_national_results, sample_urn_results

from .samples import KEY, resign, urn_documents

DOCS = sample_national_results(11, key=KEY)


def _read(text: str) -> list[dict[str, str]]:
    """Parse back as Excel would: UTF-8 BOM, ';', one header line."""
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def _plain(cell: str) -> str:
    return cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell


def test_cctp_4_1_4_8_1_results_csv_has_every_figure_and_every_candidate() -> None:
    rows = _read(exports.results_csv(DOCS))
    assert list(rows[0]) == exports.RESULTS_HEADER
    expected = [(d, b, c) for d in DOCS for b in d["ballots"] for c in b["candidates"]]
    assert len(rows) == len(expected)
    for row, (d, b, c) in zip(rows, sorted(expected, key=lambda x: (x[0]["cci"]["code"], x[0]["urn"]["code"])), strict=True):  # fmt: skip
        assert row["code CCI"] == d["cci"]["code"] and row["scrutin"] == d["urn"]["code"]
        assert row["bulletin"] == b["kind"] and int(row["sièges à pourvoir"]) == b["seats"]
        assert int(row["inscrits"]) == d["registered"] and int(row["votants"]) == d["voters"]
        assert int(row["nuls"]) == 0 and int(row["blancs"]) == b["blank"]
        assert int(row["suffrages exprimés"]) == b["cast"] == d["voters"] - b["blank"]
        assert row["candidat"] == c["name"] and int(row["voix"]) == c["votes"]
        assert row["groupement"] == (c["groupement"] or "")
        assert row["élu"] == ("oui" if c["elected"] else "non")
        assert row["empreinte du résultat"] == d["result"]
        if b["cast"]:
            pct = float(row["% des suffrages exprimés"].replace(",", "."))
            assert abs(pct - 100 * c["votes"] / b["cast"]) <= 0.005 + 1e-9


def test_rows_are_ordered_by_cci_urn_and_ballot_whatever_the_input_order() -> None:
    shuffled = list(DOCS)
    random.Random(3).shuffle(shuffled)
    assert exports.results_csv(shuffled) == exports.results_csv(DOCS)
    assert exports.seats_csv(shuffled) == exports.seats_csv(DOCS)
    assert exports.results_json(shuffled) == exports.results_json(DOCS)
    keys = [(r["code CCI"], r["scrutin"], r["bulletin"]) for r in _read(exports.results_csv(DOCS))]
    assert keys == sorted(keys)


def test_cctp_4_1_4_8_1_seats_csv_adds_up_to_the_seats_of_each_ballot() -> None:
    rows = _read(exports.seats_csv(DOCS))
    assert list(rows[0]) == exports.SEATS_HEADER
    for d in DOCS:
        for b in d["ballots"]:
            mine = [
                r for r in rows if r["scrutin"] == d["urn"]["code"] and r["bulletin"] == b["kind"]
            ]
            assert sum(int(r["sièges attribués"]) for r in mine) == b["seats"]
            listed = {r["groupement"]: int(r["sièges attribués"]) for r in mine}
            for g in b["groupements"]:
                assert listed[g["name"]] == g["seats"]


def test_r713_27_ccit_seats_count_the_ccir_members_and_their_substitutes() -> None:
    doc = sample_urn_results(1, key=KEY, ccir_seats=2, ccit_seats=6, groupements=1)
    ccir, ccit = doc["ballots"]
    account = exports.seat_account(doc, "ccit")
    members = [c for c in ccir["candidates"] if c["elected"]]
    own = [c for c in ccit["candidates"] if c["elected"]]
    assert account.individual + sum(s for _, _, s in account.groupements) == 2 * len(members) + len(own)  # fmt: skip


def test_cctp_4_1_4_8_1_participation_adds_up_urn_cci_region_nation() -> None:
    totals = participation_totals(participation_rows(DOCS))
    by_level = {lvl: [t for t in totals if t.level == lvl] for lvl in ("scrutin", "CCI", "région", "national")}  # fmt: skip
    (nation,) = by_level["national"]
    for attr in ("registered", "voters"):
        urns = sum(getattr(t, attr) for t in by_level["scrutin"])
        assert urns == sum(d[attr] for d in DOCS) == getattr(nation, attr)
        assert sum(getattr(t, attr) for t in by_level["CCI"]) == urns
        assert sum(getattr(t, attr) for t in by_level["région"]) == urns
        for cci in by_level["CCI"]:
            assert getattr(cci, attr) == sum(getattr(t, attr) for t in by_level["scrutin"] if t.cci_code == cci.cci_code)  # fmt: skip
        for region in by_level["région"]:
            assert getattr(region, attr) == sum(getattr(t, attr) for t in by_level["CCI"] if t.region == region.region)  # fmt: skip
    assert len(by_level["scrutin"]) == len(DOCS)
    assert {t.region for t in by_level["région"]} == {d["region"] for d in DOCS}


def test_participation_csv_parses_back_with_rates() -> None:
    rows = _read(exports.participation_csv(participation_rows(DOCS)))
    assert list(rows[0]) == exports.PARTICIPATION_HEADER
    assert rows[0]["niveau"] == "national"
    for row in rows:
        registered, voters = int(row["inscrits"]), int(row["votants"])
        if registered:
            rate = float(row["taux de participation (%)"].replace(",", "."))
            assert abs(rate - 100 * voters / registered) <= 0.005 + 1e-9
    urns = {r["scrutin"]: r for r in rows if r["niveau"] == "scrutin"}
    for d in DOCS:
        assert int(urns[d["urn"]["code"]]["votants"]) == d["voters"]


def test_participation_from_the_control_tree_before_any_tally() -> None:
    urn_a, urn_b = Line("011-C", 1000, 150), Line("011-I", 500, 40)
    cci = Line("011 — CCI de l'Ain", 1500, 190, [urn_a, urn_b])
    nation = Line("National", 1500, 190, [Line("CCIR Auvergne-Rhône-Alpes", 1500, 190, [cci])])
    rows = participation_rows_from_tree(nation)
    assert rows == [ParticipationRow("CCIR Auvergne-Rhône-Alpes", "011", "CCI de l'Ain", "011-C", 1000, 150),
                    ParticipationRow("CCIR Auvergne-Rhône-Alpes", "011", "CCI de l'Ain", "011-I", 500, 40)]  # fmt: skip
    text = exports.participation_csv(rows)
    assert "national;;;;;1500;190;12,67\r\n" in text
    assert "CCI;CCIR Auvergne-Rhône-Alpes;011;CCI de l'Ain;;1500;190;12,67\r\n" in text
    # the same rows given as mappings
    assert exports.participation_csv([r.__dict__ for r in rows]) == text


def test_participation_refuses_an_urn_twice_or_a_cci_in_two_regions() -> None:
    row = ParticipationRow("R1", "011", "CCI", "011-C", 10, 5)
    with pytest.raises(ResultsDocumentError, match="deux fois"):
        participation_totals([row, row])
    with pytest.raises(ResultsDocumentError, match="deux régions"):
        participation_totals([row, ParticipationRow("R2", "011", "CCI", "011-I", 10, 5)])
    with pytest.raises(ResultsDocumentError, match="dépasse"):
        participation_totals([ParticipationRow("R1", "011", "CCI", "011-C", 10, 11)])


def test_results_json_is_canonical_and_each_document_still_verifies() -> None:
    data = exports.results_json(DOCS)
    parsed = json.loads(data)
    assert canonical_json(parsed) == data
    assert parsed["format"] == exports.EXPORT_FORMAT
    assert [d["urn"]["code"] for d in parsed["urns"]] == sorted(d["urn"]["code"] for d in DOCS)
    for doc in parsed["urns"]:
        verify_signature(doc, KEY.verify_key.encode().hex())
    assert parsed["participation"][0]["level"] == "national"
    assert parsed["participation"][0]["voters"] == sum(d["voters"] for d in DOCS)


def test_a_cell_excel_would_run_as_a_formula_is_quoted() -> None:
    doc = copy.deepcopy(DOCS[0])
    ballot = doc["ballots"][-1]
    old = ballot["candidates"][0]["name"]
    ballot["candidates"][0]["name"] = '=HYPERLINK("http://x")'
    for u in ballot["undecided"]:
        u["between"] = [ballot["candidates"][0]["name"] if n == old else n for n in u["between"]]
    text = exports.results_csv([resign(doc)])
    assert ";'=HYPERLINK(" in text.replace('"', "")
    names = [_plain(r["candidat"]) for r in _read(text)]
    assert '=HYPERLINK("http://x")' in names


def test_percentages_are_rounded_half_up_with_a_decimal_comma() -> None:
    assert exports.percent_fr(1, 800) == "0,13"  # 0.125 exactly: half up, not to even
    assert exports.percent_fr(2, 3) == "66,67"
    assert exports.percent_fr(5, 5) == "100,00"
    assert exports.percent_fr(0, 0) == ""


def test_the_same_urn_twice_is_refused() -> None:
    with pytest.raises(ResultsDocumentError, match="deux fois"):
        exports.results_csv([DOCS[0], DOCS[0]])


def _broken(change: Any, doc: dict[str, Any] = DOCS[0]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["ballots"][0].__setitem__("null", 1), "aucun bulletin nul"),
        (lambda d: d["ballots"][0].__setitem__("cast", d["ballots"][0]["cast"] + 1), "suffrages exprimés attendus"),
        (lambda d: d.__setitem__("extra", 1), "champs inconnus"),
        (lambda d: d.__setitem__("voters", d["registered"] + 1), "dépasse"),
        (lambda d: d["ballots"][1]["candidates"][0].__setitem__("votes", 10**9), "dépasse"),
        (lambda d: d["ballots"][1]["candidates"][0].__setitem__("elected_to", ["CCIR"]), "elected_to"),
        (lambda d: d["ballots"][1].__setitem__("substitutes_elected", ["Personne"]), "R713-27"),
        (lambda d: d["ballots"].reverse(), "au plus un bulletin CCIR puis"),
        (lambda d: d["times"].__setitem__("tally_started_at", d["times"]["opens_at"]), "doit précéder"),
        (lambda d: d["times"].__setitem__("closed_at", "2026-10-27T18:00:00"), "décalage horaire"),
        (lambda d: d["seals"].__setitem__("ballots", "XYZ"), "hexadécimaux"),
        (lambda d: d["ballots"][0]["candidates"][0].__setitem__("substitute", None), "R713-8"),
        (lambda d: d["ballots"][0]["candidates"][0].__setitem__("name", "A\x00B"), "contrôle"),
        (lambda d: d.__setitem__("format", "scrutin-urn-results/v2"), "format"),
    ],
)  # fmt: skip
def test_inconsistent_documents_are_refused_with_a_french_message(
    change: Any, message: str
) -> None:
    check_document(copy.deepcopy(DOCS[0]))
    with pytest.raises(ResultsDocumentError, match=message):
        check_document(_broken(change))


def test_seats_beyond_the_ballot_are_refused() -> None:
    def overfill(d: dict[str, Any]) -> None:
        ccir, ccit = d["ballots"]
        for c in ccit["candidates"]:
            c["elected"], c["elected_to"] = True, ["CCIT"]
        for g in ccit["groupements"]:
            g["seats"] = sum(c["groupement"] == g["name"] for c in ccit["candidates"]) + 2 * sum(
                c["groupement"] == g["name"] and c["elected"] for c in ccir["candidates"]
            )

    doc = sample_urn_results(1, key=KEY, ccit_seats=6, ccit_candidates=8)
    with pytest.raises(ResultsDocumentError, match="sièges attribués ou réservés pour 6"):
        check_document(_broken(overfill, doc))


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(urn_documents(max_candidates=8), min_size=1, max_size=5))
def test_property_exports_match_the_documents(docs: list[dict[str, Any]]) -> None:
    codes = [d["urn"]["code"] for d in docs]
    if len(set(codes)) != len(codes):
        with pytest.raises(ResultsDocumentError):
            exports.results_csv(docs)
        return
    results = _read(exports.results_csv(docs))
    assert len(results) == sum(len(b["candidates"]) for d in docs for b in d["ballots"])
    for d in docs:
        mine = [r for r in results if r["scrutin"] == d["urn"]["code"]]
        for b in d["ballots"]:
            rows = [r for r in mine if r["bulletin"] == b["kind"]]
            assert [(_plain(r["candidat"]), int(r["voix"])) for r in rows] == [(c["name"], c["votes"]) for c in b["candidates"]]  # fmt: skip
    seats = _read(exports.seats_csv(docs))
    for d in docs:
        for b in d["ballots"]:
            mine = [
                r for r in seats if r["scrutin"] == d["urn"]["code"] and r["bulletin"] == b["kind"]
            ]
            assert sum(int(r["sièges attribués"]) for r in mine) == b["seats"]
    totals = participation_totals(participation_rows(docs))
    assert totals[0].voters == sum(d["voters"] for d in docs)
    assert totals[0].registered == sum(d["registered"] for d in docs)
    assert json.loads(exports.results_json(docs))["urns"] == sorted(docs, key=lambda d: (d["cci"]["code"], d["urn"]["code"]))  # fmt: skip


def test_command_checks_a_results_document_and_its_signature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = DOCS[0]
    path = tmp_path / "resultats.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert exports.main([str(path), "--cle", doc["signature"]["key"]]) == 0
    out = capsys.readouterr().out
    assert "signature Ed25519 valide" in out and exports.document_fingerprint(doc) in out
    assert doc["result"] in out and doc["seals"]["ballots"] in out
    assert exports.main([str(path), "--cle", "00" * 32]) == 1
    assert "autre clé" in capsys.readouterr().err
    tampered = copy.deepcopy(doc)
    tampered["ballots"][0]["candidates"][0]["votes"] += 1
    path.write_text(json.dumps(tampered), encoding="utf-8")
    assert exports.main([str(path)]) == 1
    assert "ÉCHEC : Signature de la plate-forme invalide" in capsys.readouterr().err
    path.write_text("{", encoding="utf-8")
    assert exports.main([str(path)]) == 1


def test_review_12_command_names_every_fingerprint_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: no « scellement platform / opening … » nor « election : » in its output."""
    doc = DOCS[0]
    path = tmp_path / "resultats.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert exports.main([str(path)]) == 0
    out = capsys.readouterr().out
    for name in ("platform", "opening", "closing", "ballots", "emargements"):
        assert f"scellement {name}" not in out
    for name in ("election", "tally", "result"):
        assert f"\n{name} :" not in out
    assert f"Scellement de la plate-forme : {doc['seals']['platform']}" in out
    assert f"Résultat déchiffré (result.json) : {doc['result']}" in out
