"""The structure file's support message (annex 7.1.2 column R) reads as a sentence wherever an
elector sees it (CCTP 5.1.3.2): the annex's example is a fragment meant to follow the CCI's name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scrutin.platform.support.contact import readable_message

ANNEX_EXAMPLE = ", au 01 02 03 04 05, ouvert du lundi au vendredi, 9h00 à 18h00"


def test_cctp_5_1_3_2_annex_fragment_follows_the_cci_name() -> None:
    assert readable_message(ANNEX_EXAMPLE, "CCI de l'Ain") == (
        "CCI de l'Ain, au 01 02 03 04 05, ouvert du lundi au vendredi, 9h00 à 18h00"
    )


def test_a_whole_sentence_is_kept_as_written() -> None:
    text = "Appelez le 01 02 03 04 05 du lundi au vendredi."
    assert readable_message(f"  {text} ", "CCI de l'Ain") == text
    assert readable_message("", "CCI de l'Ain") == ""


@given(st.text(max_size=256))
def test_never_starts_with_a_comma_and_keeps_the_message(message: str) -> None:
    out = readable_message(message, "CCI de l'Ain")
    assert not out.startswith((",", ";"))
    assert message.strip() in out
