"""Hypothesis strategies for the crypto, record and verifier tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from scrutin.crypto.group import GROUP_NAMES, get_group

group_names = st.sampled_from(GROUP_NAMES)


@st.composite
def scalars(draw: st.DrawFn, group_name: str) -> int:
    return draw(st.integers(min_value=0, max_value=get_group(group_name).order - 1))


@st.composite
def selections(draw: st.DrawFn, size: int, maximum: int) -> list[int]:
    """A valid 0/1 selection vector (all zeros = blank)."""
    count = draw(st.integers(min_value=0, max_value=maximum))
    chosen = draw(st.sets(st.integers(0, size - 1), min_size=count, max_size=count))
    return [1 if i in chosen else 0 for i in range(size)]


@st.composite
def invalid_selections(draw: st.DrawFn, size: int, maximum: int) -> list[int]:
    """Selection vectors that the question does not allow (too many choices or values > 1)."""
    if maximum < size and draw(st.booleans()):
        count = draw(st.integers(min_value=maximum + 1, max_value=size))
        chosen = draw(st.sets(st.integers(0, size - 1), min_size=count, max_size=count))
        return [1 if i in chosen else 0 for i in range(size)]
    values = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
    values[draw(st.integers(0, size - 1))] = draw(st.integers(2, 5))
    return values


json_junk: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.text(max_size=80),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
