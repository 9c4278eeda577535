"""Login throttling of the voters' site (issue 6, review 12): lockout after repeated failures per
identifier and source, an incompressible delay, a proof of work for a flooding source instead of
a lock, birth dates counted apart, and no hint whether an identifier exists."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache

from scrutin.platform.voting import throttle

VOTER = "0110000000001"


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


def test_issue_6_identifier_locked_after_max_failures_from_that_source() -> None:
    for _ in range(throttle.max_failures() - 1):
        assert throttle.record_code_failure(VOTER, "10.0.0.1") is None
    until = throttle.record_code_failure(VOTER, "10.0.0.1")
    assert until is not None
    assert until - time.time() == pytest.approx(throttle.lock_seconds(), abs=5)
    assert throttle.code_locked_until("011 0000 000 001", "10.0.0.1") == until  # any spacing


def test_review_12_4_identifier_lock_does_not_reach_other_sources() -> None:
    for _ in range(throttle.max_failures()):
        throttle.record_code_failure(VOTER, "203.0.113.66")
    assert throttle.code_locked_until(VOTER, "203.0.113.66") is not None
    assert throttle.code_locked_until(VOTER, "198.51.100.20") is None


def test_issue_6_lock_is_incompressible_further_failures_do_not_move_it() -> None:
    for _ in range(throttle.max_failures()):
        throttle.record_code_failure(VOTER, "10.0.0.1")
    first = throttle.code_locked_until(VOTER, "10.0.0.1")
    for _ in range(throttle.max_failures()):
        throttle.record_code_failure(VOTER, "10.0.0.1")
    throttle.record_login(VOTER, "10.0.0.1")  # a later success cannot lift the lock either
    assert throttle.code_locked_until(VOTER, "10.0.0.1") == first


def test_issue_6_unknown_and_known_identifiers_behave_the_same() -> None:
    for identifier in (VOTER, "9999999999999"):
        for _ in range(throttle.max_failures()):
            throttle.record_code_failure(identifier, "10.0.0.2")
        assert throttle.code_locked_until(identifier, "10.0.0.2") is not None


def test_review_12_1_source_failures_are_counted_across_identifiers_and_steps() -> None:
    for i in range(7):
        throttle.record_code_failure(f"0110000{i:06d}", "192.0.2.7")
    throttle.record_birth_failure(VOTER, "192.0.2.7")
    assert throttle.source_failures("192.0.2.7") == 8
    assert throttle.source_failures("192.0.2.8") == 0


def test_review_12_2_birth_dates_are_counted_apart_and_from_any_source() -> None:
    for n in range(throttle.max_failures() - 1):
        assert throttle.record_birth_failure(VOTER, f"10.0.0.{n}") is None
    assert throttle.code_locked_until(VOTER, "10.0.0.1") is None  # the code step is not locked
    assert throttle.record_birth_failure(VOTER, "10.0.0.99") is not None
    assert throttle.birth_locked_until(VOTER) is not None


def test_review_12_2_only_a_completed_login_clears_the_counters() -> None:
    for _ in range(throttle.max_failures() - 1):
        throttle.record_code_failure(VOTER, "10.0.0.1")
        throttle.record_birth_failure(VOTER, "10.0.0.1")
    throttle.record_login(VOTER, "10.0.0.1")
    assert throttle.record_code_failure(VOTER, "10.0.0.1") is None
    assert throttle.record_birth_failure(VOTER, "10.0.0.1") is None


def test_source_addresses_are_not_kept_in_clear() -> None:
    throttle.record_code_failure(VOTER, "203.0.113.9")
    assert "203.0.113.9" not in throttle._key("fail-src", "203.0.113.9")
    store: Any = cache._cache  # type: ignore[attr-defined]  # locmem: a dict; Redis: its client
    keys = store if isinstance(store, dict) else store.get_client().keys("*")
    assert keys and not any("203.0.113.9" in str(key) for key in keys)


def test_review_12_1_receipt_mail_limited_per_receipt_not_only_per_source(settings: Any) -> None:
    settings.SCRUTIN_VOTER_MAIL_PER_RECEIPT = 2
    settings.SCRUTIN_VOTER_MAIL_PER_SOURCE = 3
    assert throttle.mail_refusal("10.0.0.1", "aa" * 64) is None
    assert throttle.mail_refusal("10.0.0.1", "aa" * 64) is None
    assert "déjà été envoyé 2 fois" in str(throttle.mail_refusal("10.0.0.2", "aa" * 64))
    assert throttle.mail_refusal("10.0.0.1", "bb" * 64) is None
    assert "Trop d'envois" in str(throttle.mail_refusal("10.0.0.1", "cc" * 64))
    assert throttle.mail_refusal("10.0.0.3", "cc" * 64) is None
