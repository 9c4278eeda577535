"""Fixtures of the personal-data tests: a closed vote (tests/integration/tally)."""

from ..tally.conftest import closed_vote  # noqa: F401 - re-exported fixture
