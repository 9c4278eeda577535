"""Hypothesis strategies for the annex-7 files."""

from __future__ import annotations

from hypothesis import strategies as st

# Printable text as found in real files: letters with accents, digits, punctuation, separators, quotes.
field_text = st.text(
    alphabet=st.characters(
        whitelist_categories=("Lu", "Ll", "Nd", "Zs", "Po", "Pd"),
        whitelist_characters="'\";,&/",
        blacklist_characters="\x00",
        max_codepoint=0x17F,
    ),
    max_size=60,
).map(str.strip)

email_chars = st.sampled_from("abcXYZ019_.+-@é ")
email_like = st.text(alphabet=email_chars, min_size=0, max_size=20)
