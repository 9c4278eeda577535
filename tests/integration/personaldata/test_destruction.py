"""Destroying a CCI's personal data after the appeal period (CCTP 4.2.3): nothing that names or
identifies an elector stays in either database or under VAR_DIR, and the public record still
verifies."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import timezone
from typer.testing import CliRunner

from scrutin.cli import main as cli
from scrutin.crypto.signing import verify_document
from scrutin.platform.audit.models import JournalEntry
from scrutin.platform.credentials import services as credentials
from scrutin.platform.credentials.export import generate_keypair
from scrutin.platform.credentials.models import Credential
from scrutin.platform.documents.models import DocumentJob
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.annex7.electors import COLUMNS
from scrutin.platform.electoral.models import Elector, ImportRun
from scrutin.platform.mailing.models import Bounce
from scrutin.platform.personaldata.destruction import DestructionRefused, destroy
from scrutin.platform.resend.retention import set_appeal_end
from scrutin.platform.sealing import services as sealing
from scrutin.platform.support.models import ContactLog
from scrutin.platform.tally import services as tally
from scrutin.platform.voting.models import Emargement
from scrutin.verify.record import verify_record

from ..tally.conftest import AIN, Vote, prepare
from ..tally.test_tally import tallied

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def _run(*args: str) -> Any:
    cli._register() if not cli.app.registered_groups else None
    return CliRunner().invoke(cli.app, ["data", *args])


def _needles() -> list[str]:
    """What identifies each elector of the imported list: number, e-mail, phones, the names as
    printed on the envelope, the company."""
    out: set[str] = set()
    for row in Elector.objects.values_list(
        "number", "email", "phone", "mobile_e164", "postal_recipient", "company_name"
    ):
        out.update(v for v in row if v)
    return sorted(out)


def _more_personal_data(vote: Vote) -> Path:
    """A support contact, a bounce and a generated list file, as the platform would keep them."""
    elector = Elector.objects.order_by("number").first()
    assert elector is not None
    agent = get_user_model().objects.create_user("agent@cci.test")
    ContactLog.objects.create(
        requester_name=elector.postal_recipient, channel="telephone", contacted_at=timezone.now(),
        nature="perdu", details=f"rappeler {elector.number}", elector_number=elector.number,
        cci_code="011", agent=agent,
    )  # fmt: skip
    Bounce.objects.create(
        cci_code="011", elector_number=elector.number, address=f"x.{elector.number}@exemple.fr",
        source="dsn", diagnostic="boîte inconnue", received_at=timezone.now(),
    )  # fmt: skip
    Elector.objects.filter(pk=elector.pk).update(
        email=f"direction.{elector.number}@exemple-011.fr", mobile_e164="+33612345678"
    )
    other = "contact@ailleurs.fr"  # not an elector of the CCI: kept
    mailbox = Path(settings.VAR_DIR) / "courriels"
    mailbox.mkdir()
    for n, to in enumerate((f"Direction <direction.{elector.number}@exemple-011.fr>", other)):
        (mailbox / f"2026-{n}.eml").write_text(f"To: {to}\nSubject: vote\n\ncorps\n")
    (Path(settings.VAR_DIR) / "sms").mkdir()
    (Path(settings.VAR_DIR) / "sms" / "outbox.jsonl").write_text(
        '{"id": "1", "to": "+33612345678", "text": "code"}\n'
        '{"id": "2", "to": "+33699999999", "text": "code"}\n'
    )
    folder = Path(settings.VAR_DIR) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "liste-011-C.txt"
    listing.write_text(f"{elector.number};{elector.company_name}\n", encoding="utf-8")
    DocumentJob.objects.create(kind="emargement", urn=vote.urn, status="done", path=str(listing))
    return listing


def _text(value: Any) -> str:
    if isinstance(value, memoryview | bytes):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _found_in_databases(pattern: re.Pattern[str]) -> list[str]:
    """Every table of both databases, every column, every row."""
    found = []
    for alias in ("default", "ballotbox"):
        connection = connections[alias]
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
                names = [c[0] for c in cursor.description]
                for row in cursor.fetchall():
                    for name, value in zip(names, row, strict=True):
                        if value is not None and (hit := pattern.search(_text(value))):
                            found.append(f"{alias}.{table}.{name}: {hit.group(0)}")
    return found


def _found_in_files(pattern: re.Pattern[str], folder: Path) -> list[str]:
    return [
        f"{path}: {hit.group(0)}"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and (hit := pattern.search(path.read_bytes().decode("utf-8", "replace")))
    ]


def test_cctp_4_2_3_destroy_leaves_no_elector_datum_in_any_table_or_file_and_the_record_verifies(
    closed_vote: Vote,
) -> None:
    tallied(closed_vote)
    listing = _more_personal_data(closed_vote)
    upload = Path(ImportRun.objects.get(kind="electors").path)
    needles = _needles()
    assert len(needles) >= 40
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    assert _found_in_databases(pattern) and _found_in_files(pattern, Path(settings.VAR_DIR))
    set_appeal_end("011", timezone.localdate() - timedelta(days=1), actor="test")

    result = _run("destroy", "--cci", "011")
    assert result.exit_code == 0, result.output
    assert "Certificat de destruction signé" in result.output

    assert _found_in_databases(pattern) == []
    assert _found_in_files(pattern, Path(settings.VAR_DIR)) == []
    assert not listing.exists() and upload.exists()  # the operator's own file: listed only
    assert str(upload.resolve()) in result.output.replace("\n", "")
    upload.unlink()  # what the operator does with the listed file
    assert _found_in_files(pattern, upload.parent) == []
    assert [p.name for p in (Path(settings.VAR_DIR) / "courriels").iterdir()] == ["2026-1.eml"]
    sms = (Path(settings.VAR_DIR) / "sms" / "outbox.jsonl").read_text().splitlines()
    assert len(sms) == 1 and "+33699999999" in sms[0]
    report = verify_record(tally.record_dir(closed_vote.urn), workers=1)
    assert report.valid, report.render()
    assert tally.results_of(closed_vote.urn) is not None

    path = next((Path(settings.VAR_DIR) / "destructions").glob("certificat-destruction-011-*"))
    certificate = json.loads(path.read_text(encoding="utf-8"))
    signature = certificate.pop("signature")
    verify_document(bytes.fromhex(certificate["platform_key"]), certificate,
                    bytes.fromhex(signature))  # fmt: skip
    tables = certificate["tables"]
    assert tables["electoral.Elector"] == 20 and tables["voting.Emargement"] == 12
    assert tables["support.ContactLog"] == 1 and tables["mailing.Bounce"] == 1
    assert certificate["folders"] == {"courriels": 1, "documents": 1, "sms (lignes)": 1}
    assert certificate["outside_files"] == 1
    assert certificate["override"] is None
    complete = JournalEntry.objects.get(event="data:cci:destroy-complete")
    assert complete.data["certificate"] == path.name and complete.cci_code == "011"


def test_cctp_4_2_3_destruction_is_refused_before_the_end_of_the_appeal_period(
    closed_vote: Vote,
) -> None:
    refused = _run("destroy", "--cci", "011")
    assert refused.exit_code == 1 and "Aucune fin du délai de recours" in refused.output
    set_appeal_end("011", timezone.localdate(), actor="test")  # ends tonight: not yet
    refused = _run("destroy", "--cci", "011")
    assert refused.exit_code == 1 and "se termine le" in refused.output
    assert Elector.objects.count() == 20 and Emargement.objects.count() == 12
    assert not JournalEntry.objects.filter(event__startswith="data:cci:destroy").exists()
    unknown = _run("destroy", "--cci", "999")
    assert unknown.exit_code == 2 and "inconnue" in unknown.output


def test_cctp_4_2_3_an_override_needs_a_reason_and_is_journaled(closed_vote: Vote) -> None:
    set_appeal_end("011", timezone.localdate() + timedelta(days=30), actor="test")
    with pytest.raises(DestructionRefused):
        destroy("011", override="   ")
    done = destroy("011", override="Décision de la COE du 2 décembre, aucun recours formé")
    assert done.certificate["override"].startswith("Décision de la COE")
    init = JournalEntry.objects.get(event="data:cci:destroy-init")
    assert init.data["override"].startswith("Décision de la COE")
    assert Elector.objects.count() == 0


def test_cctp_4_2_3_nothing_is_destroyed_while_an_urn_is_voting(
    tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    prepare(tmp_path)
    with pytest.raises(DestructionRefused, match="011-C"):
        destroy("011", override="essai")
    assert Elector.objects.count() == 20


def test_cctp_4_2_3_a_refused_electors_file_is_destroyed_with_its_cci(
    tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    path = tmp_path / "structure.csv"
    generate.write_csv(path, generate.STRUCTURE_HEADER, generate.structure_rows([AIN]))
    imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(path))
    )
    rows = list(generate.elector_rows("011", [("C", "")], 5))
    rows[1][COLUMNS.index("NOM D'USAGE")] = "DUPONTEL-REFUSE" * 4  # too long: quoted in the report
    rows[2][COLUMNS.index("NUMERO SIREN")] = "12"  # blocking
    path = tmp_path / "refuse.csv"
    generate.write_csv(path, generate.ELECTORS_HEADER, rows)
    run = imports.import_electors(
        ImportRun.objects.create(kind="electors", filename="r", path=str(path))
    )
    assert run.status == ImportRun.Status.REJECTED and run.cci_id == "011"
    ImportRun.objects.filter(pk=run.pk).update(cci=None)  # as refused before runs kept their CCI
    pattern = re.compile("DUPONTEL-REFUSE")
    assert _found_in_databases(pattern)
    done = destroy("011", override="essai de destruction")
    assert done.outside == [str(path.resolve())]
    assert _found_in_databases(pattern) == []
    assert done.certificate["tables"]["electoral.ImportIssue"] >= 2


def test_cctp_4_2_3_credentials_and_their_exports_are_destroyed(
    tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    urn, _ = prepare(tmp_path)
    credentials.register_recipient(generate_keypair()[1], "Opérateur de test")
    run = credentials.generate(credentials.new_run("011", "new"))
    assert Credential.objects.count() == 20 and Path(run.export_path).is_file()
    sealing.close_urn(urn, reason="fin du vote (test)")
    needles = _needles()
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    done = destroy("011", override="essai")
    assert done.certificate["tables"]["credentials.Credential"] == 20
    assert done.certificate["tables"]["credentials.GenerationRun"] == 1
    assert done.certificate["folders"]["credential_exports"] == 1
    assert not Path(run.export_path).exists()
    assert _found_in_databases(pattern) == []
    assert _found_in_files(pattern, Path(settings.VAR_DIR)) == []
