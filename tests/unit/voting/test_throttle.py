"""Login throttling of the voters' site (issue 6, step 1): lockout after repeated failures, an
incompressible delay, throttling per source, and no hint whether an identifier exists."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from scrutin.platform.voting import throttle


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


def test_issue_6_identifier_locked_after_max_failures() -> None:
    for _ in range(throttle.MAX_FAILURES - 1):
        assert throttle.record_failure("0110000000001", "10.0.0.1") is None
    until = throttle.record_failure("0110000000001", "10.0.0.1")
    assert until is not None and until - time.time() == pytest.approx(throttle.LOCK_SECONDS, abs=5)
    assert throttle.locked_until("011 0000 000 001", "10.9.9.9") == until  # any source, any spacing


def test_issue_6_lock_is_incompressible_further_failures_do_not_move_it() -> None:
    for _ in range(throttle.MAX_FAILURES):
        throttle.record_failure("0110000000001", "10.0.0.1")
    first = throttle.locked_until("0110000000001", "10.0.0.1")
    for _ in range(throttle.MAX_FAILURES):
        throttle.record_failure("0110000000001", "10.0.0.1")
    throttle.record_success("0110000000001")  # a later success cannot lift the lock either
    assert throttle.locked_until("0110000000001", "10.0.0.1") == first


def test_issue_6_unknown_and_known_identifiers_behave_the_same() -> None:
    for identifier in ("0110000000001", "9999999999999"):
        for _ in range(throttle.MAX_FAILURES):
            throttle.record_failure(identifier, "10.0.0.2")
        assert throttle.locked_until(identifier, "10.0.0.3") is not None


def test_issue_6_source_throttled_across_identifiers() -> None:
    for i in range(throttle.SOURCE_MAX_FAILURES):
        throttle.record_failure(f"0110000{i:06d}", "192.0.2.7")
    assert throttle.locked_until("0110000999999", "192.0.2.7") is not None
    assert throttle.locked_until("0110000999999", "192.0.2.8") is None


def test_success_resets_the_identifier_counter() -> None:
    for _ in range(throttle.MAX_FAILURES - 1):
        throttle.record_failure("0110000000001", "10.0.0.1")
    throttle.record_success("0110000000001")
    assert throttle.record_failure("0110000000001", "10.0.0.1") is None


def test_source_addresses_are_not_kept_in_clear() -> None:
    throttle.record_failure("0110000000001", "203.0.113.9")
    assert "203.0.113.9" not in throttle._key("fail-ip", "203.0.113.9")
