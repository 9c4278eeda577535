"""The test instance (CCTP 5.1.1.4–5.1.1.6): the setting, the allow-list, the marking of signed
documents, and the refusal of test material by the verifier and the dispatch tools."""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from django.core.exceptions import ImproperlyConfigured
from typer.testing import CliRunner

from scrutin.cli.main import _register, app
from scrutin.platform import environment
from scrutin.platform.credentials.export import (
    MAGIC,
    TEST_MAGIC,
    ExportError,
    ExportWriter,
    generate_keypair,
    read_rows,
)
from scrutin.platform.settings import _environment
from scrutin.record.simulate import simulate
from scrutin.record.writer import write_manifest
from scrutin.verify.record import verify_record

KEY = nacl.signing.SigningKey(bytes(range(32)))


# --- the setting and the allow-list -----------------------------------------------------------


def test_cctp_5_1_1_4_environment_defaults_to_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCRUTIN_ENVIRONMENT", raising=False)
    assert _environment() == "production"
    monkeypatch.setenv("SCRUTIN_ENVIRONMENT", "Test")
    assert _environment() == "test"


def test_cctp_5_1_1_4_unknown_environment_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUTIN_ENVIRONMENT", "recette")
    with pytest.raises(ImproperlyConfigured, match=r"valeur inconnue.*« production ».*« test »"):
        _environment()


def test_allow_list_takes_addresses_domains_and_phones() -> None:
    allowed = environment.AllowList.parse(
        " Recette@CCI.fr , @essais.cci.fr, 06 12 34 56 78,+33 7 00 00 00 01 ,"
    )
    assert allowed.allows_address("recette@cci.fr")
    assert allowed.allows_address("<RECETTE@cci.fr>")
    assert allowed.allows_address("Service recette <recette@cci.fr>")
    assert allowed.allows_address("quiconque@essais.cci.fr")
    assert not allowed.allows_address("electeur@cci.fr")
    assert not allowed.allows_address("x@autre-essais.cci.fr.example")
    assert allowed.allows_phone("+33612345678")
    assert allowed.allows_phone("0033 6 12 34 56 78")
    assert allowed.allows_phone("07.00.00.00.01")
    assert not allowed.allows_phone("+33612345679")
    assert environment.AllowList.parse("") == environment.AllowList(frozenset(), (), frozenset())


def test_cctp_5_1_1_4_documents_are_marked_on_a_test_instance_only(settings: Any) -> None:
    settings.SCRUTIN_ENVIRONMENT = "production"
    assert environment.mark({"format": "x"}) == {"format": "x"}
    settings.SCRUTIN_ENVIRONMENT = "test"
    assert environment.mark({"format": "x"}) == {"format": "x", "environment": "test"}


def test_cctp_5_1_1_4_seals_and_receipts_carry_the_mark_in_test_only(
    settings: Any, tmp_path: Path
) -> None:
    from scrutin.platform.sealing.documents import signed
    from scrutin.platform.voting.receipts import check_receipt, make_receipt
    from scrutin.verify.seals import check_shape, signature_ok

    settings.VAR_DIR = tmp_path
    moment = __import__("datetime").datetime(2026, 10, 15, 9, tzinfo=__import__("datetime").UTC)
    unseal = {"format": "scrutin-platform-unseal/v1", "seal": "ab" * 32, "sequence": 1,
              "reference": "D-1", "reason": "essai", "unsealed_at": "2026-10-01T10:00:00+00:00"}  # fmt: skip
    settings.SCRUTIN_ENVIRONMENT = "production"
    production, _ = signed(dict(unseal))
    receipt = make_receipt("ab" * 32, "011-C", "cd" * 32, moment)
    assert "environment" not in production and "environment" not in receipt.document
    assert check_receipt(json.dumps(receipt.document), receipt.signature) is not None
    settings.SCRUTIN_ENVIRONMENT = "test"
    marked, _ = signed(dict(unseal))
    test_receipt = make_receipt("ab" * 32, "011-C", "cd" * 32, moment)
    assert marked["environment"] == test_receipt.document["environment"] == "test"
    check_shape(marked, "descellement")  # the verifier accepts the optional member…
    assert signature_ok(marked)  # …which the signature covers
    assert check_receipt(json.dumps(test_receipt.document), test_receipt.signature) is not None
    # a test instance refuses an unmarked receipt, a production one refuses a marked one
    assert check_receipt(json.dumps(receipt.document), receipt.signature) is None
    settings.SCRUTIN_ENVIRONMENT = "production"
    assert check_receipt(json.dumps(test_receipt.document), test_receipt.signature) is None


# --- the verifier -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def test_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("record") / "rec"
    simulate(out, 4, questions=(("ccit", 3, 1),), assessors=2, threshold=1, seed=3, signing_key=KEY)
    election = json.loads((out / "election.json").read_text(encoding="utf-8"))
    from scrutin.crypto.encoding import fingerprint

    write_manifest(out, fingerprint(election), KEY, environment="test")
    return out


def test_cctp_5_1_1_4_verifier_reports_a_test_record_loudly_and_it_still_verifies(
    test_record: Path,
) -> None:
    report = verify_record(test_record, workers=1)
    assert report.valid, report.render()
    assert report.test_documents == ["manifest.json"]
    text = report.render()
    assert text.startswith("ATTENTION : ENVIRONNEMENT DE TEST")
    assert text.rstrip().endswith("aucune valeur pour une élection réelle.")
    _register()
    result = CliRunner().invoke(app, ["verify", str(test_record), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "ENVIRONNEMENT DE TEST" in result.output
    recount = CliRunner().invoke(app, ["record", "recount", str(test_record), "--workers", "1"])
    assert recount.exit_code == 0, recount.output
    assert "Recomptage identique" in recount.output and "ENVIRONNEMENT DE TEST" in recount.output


def test_a_production_record_has_no_warning(test_record: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rec"
    shutil.copytree(test_record, copy)
    election = json.loads((copy / "election.json").read_text(encoding="utf-8"))
    from scrutin.crypto.encoding import fingerprint

    write_manifest(copy, fingerprint(election), KEY)
    assert "environment" not in json.loads((copy / "manifest.json").read_text())
    report = verify_record(copy, workers=1)
    assert report.valid and not report.test_documents
    assert "ENVIRONNEMENT DE TEST" not in report.render()


def test_another_environment_value_is_malformed(test_record: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rec"
    shutil.copytree(test_record, copy)
    election = json.loads((copy / "election.json").read_text(encoding="utf-8"))
    from scrutin.crypto.encoding import fingerprint

    write_manifest(copy, fingerprint(election), KEY, environment="production")
    report = verify_record(copy, workers=1)
    assert not report.valid
    assert (
        "« test » attendu" in {c.name: c.detail for c in report.failures()}["Manifeste du registre"]
    )


# --- the credential export ----------------------------------------------------------------------


def _export(tmp_path: Path, *, test: bool) -> tuple[Path, bytes]:
    private, public = generate_keypair()
    path = tmp_path / ("test.scrutin-identifiants" if test else "prod.scrutin-identifiants")
    buffer = io.BytesIO()
    writer = ExportWriter(buffer, public, test=test)
    writer.write_row(["0110000000001", "ABCD-EFGH"] + [""] * 20)
    writer.close()
    path.write_bytes(buffer.getvalue())
    (tmp_path / "operateur.cle").write_text(base64.b64encode(private).decode())
    return path, private


def test_cctp_5_1_1_4_a_test_export_is_marked_and_refused_without_the_option(
    tmp_path: Path,
) -> None:
    path, private = _export(tmp_path, test=True)
    assert path.read_bytes().startswith(TEST_MAGIC) and len(TEST_MAGIC) == len(MAGIC)
    with pytest.raises(ExportError, match="ENVIRONNEMENT DE TEST"):
        list(read_rows(path, private))
    assert [r[:2] for r in read_rows(path, private, accept_test=True)] == [
        ["0110000000001", "ABCD-EFGH"]
    ]
    (tmp_path / "p").mkdir()
    production, key = _export(tmp_path / "p", test=False)
    assert production.read_bytes().startswith(MAGIC)
    assert len(list(read_rows(production, key))) == 1


def test_a_test_export_relabelled_as_production_is_refused(tmp_path: Path) -> None:
    path, private = _export(tmp_path, test=True)
    path.write_bytes(MAGIC + path.read_bytes()[len(TEST_MAGIC) :])
    with pytest.raises(ExportError, match="En-tête modifié"):
        list(read_rows(path, private))


def test_cctp_5_1_1_4_decrypt_export_refuses_a_test_export_unless_told(tmp_path: Path) -> None:
    path, _ = _export(tmp_path, test=True)
    _register()
    key = str(tmp_path / "operateur.cle")
    refused = CliRunner().invoke(app, ["credentials", "decrypt-export", str(path), "--key", key])
    assert refused.exit_code == 1
    assert "Export refusé" in refused.output and "ENVIRONNEMENT DE TEST" in refused.output
    accepted = CliRunner().invoke(
        app, ["credentials", "decrypt-export", str(path), "--key", key, "--environnement-test"]
    )
    assert accepted.exit_code == 0, accepted.output
    assert "0110000000001" in accepted.output and "ATTENTION" in accepted.output


# --- results documents and procès-verbaux ---------------------------------------------------------


def test_cctp_5_1_1_4_a_test_results_document_gives_a_marked_pv_and_is_refused_without_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrutin.platform.tally import exports, minutes
    from scrutin.platform.tally.fixtures import sample_key, sample_urn_results
    from tests.unit.tally.samples import resign, text_of

    key = sample_key("environnement")
    production = sample_urn_results(3, key=key)
    marked = resign({**production, "environment": "test"}, key)
    exports.verify_signature(exports.check_document(marked))
    assert "ENVIRONNEMENT DE TEST" in text_of(minutes.minutes_all_pdf(marked))
    assert "ENVIRONNEMENT DE TEST" not in text_of(minutes.minutes_all_pdf(production))
    source, pdf = tmp_path / "resultats.json", tmp_path / "pv.pdf"
    source.write_text(json.dumps(marked, ensure_ascii=False), encoding="utf-8")
    assert minutes.main([str(source), "tous", str(pdf)]) == 1
    assert "ENVIRONNEMENT DE TEST" in capsys.readouterr().err and not pdf.exists()
    assert minutes.main([str(source), "tous", str(pdf), "--environnement-test"]) == 0
    assert exports.main([str(source)]) == 0
    assert "ATTENTION : document de résultats de l'ENVIRONNEMENT DE TEST" in capsys.readouterr().out
    with pytest.raises(exports.ResultsDocumentError, match="« test » attendu"):
        exports.check_document(resign({**production, "environment": "prod"}, key))


def test_cctp_5_1_1_4_material_letters_refuses_a_test_export_unless_told(tmp_path: Path) -> None:
    from scrutin.platform.credentials import export
    from tests.unit.material.helpers import kit_doc, write_kit
    from tests.unit.material.test_production import PUBLIC, row

    private, public = export.generate_keypair()
    key = tmp_path / "operateur.cle"
    key.write_text(base64.b64encode(private).decode())
    kit = write_kit(tmp_path / "kit-750.json",
                    kit_doc(recipient_fingerprint=export.key_fingerprint(public)))  # fmt: skip
    path = tmp_path / "export.scrutin-identifiants"
    with path.open("wb") as fh:
        writer = export.ExportWriter(fh, public, test=True)
        writer.write_row(row(1))
        writer.close()
    _register()

    def letters(out: str, *options: str) -> Any:
        return CliRunner().invoke(app, [
            "material", "letters", "--kit", str(kit), "--export", str(path), "--key", str(key),
            "--out", str(tmp_path / out), "--public-key", PUBLIC, *options,
        ])  # fmt: skip

    refused = letters("refus")
    assert refused.exit_code == 1 and "ENVIRONNEMENT DE TEST" in refused.output
    assert not (tmp_path / "refus").exists()
    accepted = letters("essai", "--environnement-test")
    assert accepted.exit_code == 0, accepted.output
    assert len(list((tmp_path / "essai").glob("*.pdf"))) == 1
