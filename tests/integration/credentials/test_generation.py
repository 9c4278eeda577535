"""Generating, storing and using voters' credentials (issue 5; CCTP 4.1.4.2, 4.1.4.3, 4.1.4.5,
5.2.3). Runs on SQLite and, with SCRUTIN_TEST_DATABASE_URL, on PostgreSQL through COPY."""

from __future__ import annotations

import hmac
import logging
import os
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from scrutin.platform.credentials import codes, services
from scrutin.platform.credentials.export import read_rows
from scrutin.platform.credentials.models import Credential, GenerationRun
from scrutin.platform.electoral.models import Elector
from scrutin.record.writer import file_digest

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"])


def run_generation(cci: str, mode: str = "new", reason: str = "") -> GenerationRun:
    return services.generate(services.new_run(cci, mode, reason=reason))


def plaintext(run: GenerationRun, private: bytes) -> dict[str, str]:
    return {row[0]: row[1] for row in read_rows(Path(run.export_path), private)}


def test_cctp_4_1_4_5_one_credential_per_elector_line_and_export_decrypts_to_exactly_them(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    progress: list[tuple[int, int]] = []
    run = services.generate(services.new_run("011", "new"), lambda d, t: progress.append((d, t)))
    assert run.status == "done" and run.count == electors["011"]
    assert progress[-1] == (60, 60)
    numbers = set(Elector.objects.filter(cci_code="011").values_list("number", flat=True))
    assert set(Credential.objects.values_list("elector_id", flat=True)) == numbers
    assert not Credential.objects.filter(cci_code="974").exists()
    issued = plaintext(run, operator_keys[0])
    assert set(issued) == numbers
    assert all(codes.is_well_formed(codes.normalise_code(c)) for c in issued.values())
    assert len(set(issued.values())) == len(issued)
    for number, code in issued.items():
        assert services.authenticate(number, code) is not None
    assert file_digest(Path(run.export_path)) == run.export_sha256
    assert stat.S_IMODE(os.stat(run.export_path).st_mode) == 0o600


def test_export_rows_carry_what_dispatch_needs(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    run = run_generation("974")
    rows = {r[0]: r for r in read_rows(Path(run.export_path), operator_keys[0])}
    for elector in Elector.objects.filter(cci_code="974"):
        row = rows[elector.number]
        assert row[2] == ("non" if elector.birth_date is None else "oui")
        assert row[10:17] == [elector.postal_street, elector.postal_place, elector.postal_code,
                              elector.postal_city, elector.postal_country, elector.email,
                              elector.mobile_e164]  # fmt: skip
        # what the postal letters sort by and print (CCTP 5.2.2.1)
        assert row[17:22] == [elector.category_code, elector.subcategory_code,
                              elector.urn.category.label, elector.urn.subcategory_label,
                              elector.family_name]  # fmt: skip


def _all_stored_values() -> list[Any]:
    values: list[Any] = []
    for alias in ("default", "ballotbox"):
        conn = connections[alias]
        with conn.cursor() as cursor:
            for table in conn.introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {conn.ops.quote_name(table)}")  # noqa: S608
                values.extend(v for row in cursor.fetchall() for v in row)
    return values


def test_cctp_4_1_4_5_codes_stored_only_as_keyed_hash_and_never_logged(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run = run_generation("011")
    again = services.regenerate_one(Elector.objects.filter(cci_code="011").first().number,  # type: ignore[union-attr]
                                    reason="courrier perdu")  # fmt: skip
    issued = plaintext(run, operator_keys[0]) | plaintext(again, operator_keys[0])
    for number, code in list(issued.items())[:3]:
        services.authenticate(number, code)
    secrets_ = [v for c in issued.values() for v in (c, codes.normalise_code(c))]
    stored = _all_stored_values()
    assert len(stored) > 1000
    for value in stored:
        blob = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
        for secret in secrets_:
            assert secret.encode() not in blob
            assert secret.encode().hex() not in blob.decode("latin-1")
    assert caplog.records, "the generation logs its progress"
    for secret in secrets_:
        assert secret not in caplog.text
    for credential in Credential.objects.all():
        assert len(bytes(credential.code_hash)) == 32


def test_generation_refuses_when_credentials_exist(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    first = run_generation("011")
    hashes = dict(Credential.objects.values_list("elector_id", "code_hash"))
    with pytest.raises(services.GenerationRefused):
        run_generation("011")
    refused = GenerationRun.objects.latest("id")
    assert refused.status == "refused" and refused.message and not refused.export_path
    assert not list((Path(first.export_path).parent).glob(f"{refused.pk}-*"))
    assert dict(Credential.objects.values_list("elector_id", "code_hash")) == hashes


def test_regenerate_all_needs_a_reason_and_invalidates_every_old_code(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    old = plaintext(run_generation("011"), operator_keys[0])
    with pytest.raises(services.GenerationRefused):
        services.new_run("011", "all")
    run = run_generation("011", "all", reason="fuite du fichier d'expédition")
    new = plaintext(run, operator_keys[0])
    assert set(new) == set(old)
    for number in old:
        assert services.authenticate(number, old[number]) is None
        assert services.authenticate(number, new[number]) is not None
    assert set(Credential.objects.values_list("generation", flat=True)) == {2}
    assert run.reason == "fuite du fichier d'expédition"


def test_missing_mode_covers_lines_added_later(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    run_generation("011")
    added = Elector.objects.filter(cci_code="011").first()
    assert added is not None
    Credential.objects.filter(elector_id=added.number).delete()
    run = run_generation("011", "missing")
    assert run.count == 1 and set(plaintext(run, operator_keys[0])) == {added.number}


def test_regenerating_one_makes_the_old_code_unusable_immediately_and_records_who_and_why(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    number = Elector.objects.filter(cci_code="974").order_by("number").first().number  # type: ignore[union-attr]
    old = plaintext(run_generation("974"), operator_keys[0])[number]
    with pytest.raises(services.GenerationRefused):
        services.regenerate_one(number, reason="  ")
    run = services.regenerate_one(number, reason="courrier volé")
    new = plaintext(run, operator_keys[0])
    assert list(new) == [number]
    assert services.authenticate(number, old) is None
    credential = services.authenticate(number, new[number])
    assert credential is not None and credential.generation == 2 and credential.run == run
    assert (run.mode, run.reason, run.elector_number, run.count) == (
        "one",
        "courrier volé",
        number,
        1,
    )
    assert run.finished_at is not None


def test_cctp_4_1_4_2_authenticate_normalises_what_the_voter_types(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    number, code = next(iter(plaintext(run_generation("974"), operator_keys[0]).items()))
    spaced_number = f"{number[:3]} {number[3:8]}-{number[8:]}"
    assert services.authenticate(spaced_number, code.lower().replace("-", " ")) is not None
    assert services.authenticate(number, code[:-1]) is None
    assert services.authenticate(number, "") is None
    other = Elector.objects.filter(cci_code="974").exclude(number=number).first()
    assert services.authenticate(other.number, code) is None  # type: ignore[union-attr]
    assert services.authenticate("9999999999999", code) is None


def test_authenticate_does_the_same_work_whether_the_identifier_exists_or_not(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    number, _ = next(iter(plaintext(run_generation("974"), operator_keys[0]).items()))
    calls: list[str] = []
    real_hash, real_compare = codes.code_hash, hmac.compare_digest

    def spy_hash(pepper: bytes, identifier: str, code: str) -> bytes:
        calls.append("hmac")
        return real_hash(pepper, identifier, code)

    def spy_compare(a: bytes, b: bytes) -> bool:
        calls.append(f"compare:{len(a)}:{len(b)}")
        return real_compare(a, b)

    monkeypatch.setattr(codes, "code_hash", spy_hash)
    monkeypatch.setattr(hmac, "compare_digest", spy_compare)
    traces = []
    for identifier in (number, "9749999999999", "pas un numéro"):
        calls.clear()
        with CaptureQueriesContext(connections["default"]) as queries:
            assert services.authenticate(identifier, "AAAAA-BBBBB-CCCCC") is None
        traces.append((list(calls), len(queries)))
    assert traces[0] == traces[1] == traces[2] == (["hmac", "compare:32:32"], 1)


def test_cctp_4_1_4_3_birth_date_challenge(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    issued = plaintext(run_generation("011"), operator_keys[0])
    with_birth = Elector.objects.filter(cci_code="011", birth_date__isnull=False).first()
    assert with_birth is not None and with_birth.birth_date is not None
    credential = services.authenticate(with_birth.number, issued[with_birth.number])
    assert credential is not None
    born = with_birth.birth_date
    assert services.check_challenge(credential, f"{born:%d%m%Y}")
    assert services.check_challenge(credential, f"{born:%d/%m/%Y}")
    assert not services.check_challenge(credential, "")
    assert not services.check_challenge(
        credential, f"{born.day:02d}{born.month:02d}{born.year + 1}"
    )
    Elector.objects.filter(number=with_birth.number).update(birth_date=None)  # file said 01011901
    credential = services.authenticate(with_birth.number, issued[with_birth.number])
    assert credential is not None and services.check_challenge(credential, "")
    assert services.check_challenge(credential, f"{date(1901, 1, 1):%d%m%Y}")


def test_a_credential_whose_elector_line_was_removed_does_not_authenticate(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    number, code = next(iter(plaintext(run_generation("974"), operator_keys[0]).items()))
    Elector.objects.filter(number=number).delete()
    assert services.authenticate(number, code) is None


def test_generation_needs_a_registered_recipient_key(electors: dict[str, int]) -> None:
    with pytest.raises(services.GenerationRefused):
        services.new_run("011", "new")


def test_generation_streams_page_by_page_with_writes_between_fetches(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages smaller than the list: the streaming read and the writes interleave on one
    connection (server-side cursor on PostgreSQL) for every mode."""
    monkeypatch.setattr(services, "PAGE", 7)
    first = plaintext(run_generation("011"), operator_keys[0])
    assert len(first) == 60
    removed = sorted(first)[10:13]
    Credential.objects.filter(elector_id__in=removed).delete()
    missing = plaintext(run_generation("011", "missing"), operator_keys[0])
    assert sorted(missing) == removed
    again = plaintext(run_generation("011", "all", reason="test"), operator_keys[0])
    assert set(again) == set(first)
    assert all(services.authenticate(n, c) is not None for n, c in again.items())
    assert not any(services.authenticate(n, first[n]) for n in list(first)[:5])


def test_cctp_4_1_4_3_voters_site_login_accepts_a_generated_credential(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes], client: Any
) -> None:
    """The contract with the voting site (issue 6): its login step calls ``authenticate``."""
    from django.core.cache import cache

    cache.clear()
    issued = plaintext(run_generation("011"), operator_keys[0])
    number = next(n for n in sorted(issued) if Elector.objects.get(number=n).birth_date)
    wrong = client.post("/vote/", {"identifiant": number, "code": "AAAAA-AAAAA-AAAAA"})
    assert wrong.status_code == 200 and "incorrect" in wrong.content.decode()
    typed = issued[number].lower().replace("-", " ")
    response = client.post("/vote/", {"identifiant": number, "code": typed})
    assert response.status_code == 302 and response.url.endswith("/vote/date-de-naissance/")
    cache.clear()


def test_counts_ignore_credentials_of_removed_lines(
    electors: dict[str, int], operator_keys: tuple[bytes, bytes]
) -> None:
    run_generation("974")
    Elector.objects.filter(number=Elector.objects.filter(cci_code="974").first().number).delete()  # type: ignore[union-attr]
    assert services.counts("974") == {"electors": 14, "credentials": 14, "missing": 0}


def test_demo_credentials_returns_working_codes(electors: dict[str, int], var_dir: Path) -> None:
    from scrutin.platform.credentials.demo import demo_credentials

    shown = demo_credentials(count_per_cci=3)
    assert len(shown) == 6 and {n[:3] for n, _, _ in shown} == {"011", "974"}
    for number, code, birth in shown:
        credential = services.authenticate(number, code)
        assert credential is not None and credential.elector.birth_date == birth
    key = var_dir / "demo" / "operateur-expedition.cle"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    again = demo_credentials(count_per_cci=1)  # run twice: regenerates, old codes stop working
    assert services.authenticate(shown[0][0], shown[0][1]) is None
    assert services.authenticate(again[0][0], again[0][1]) is not None
