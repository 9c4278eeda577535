"""JSON documents as the protocol allows them: no decimal number, integers of at most 100 digits,
nesting within the strict reader's depth."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

json_scalars = st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=20)


def json_documents(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    return st.recursive(
        json_scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )
