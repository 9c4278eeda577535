"""Fixtures of the public ballot board tests: a closed vote (tests/integration/tally)."""

from ..tally.conftest import closed_vote  # noqa: F401 - re-exported fixture
