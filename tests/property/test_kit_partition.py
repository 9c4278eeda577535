"""Contract C6 as a property: whatever the e-mail set of a main kit and the supplementary kits
issued after it, every elector of the CCI gets exactly one material — a letter (main or
supplementary kit) or the opening e-mail (main set minus the supplements' letters)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scrutin.material.kit import LetterKit
from tests.unit.material.helpers import kit_doc

NUMBERS = [f"750{n:010d}" for n in range(1, 41)]


@st.composite
def kits(draw: st.DrawFn) -> tuple[set[str], list[set[str]]]:
    electronic = draw(st.sets(st.sampled_from(NUMBERS)))
    supplements = draw(st.lists(st.sets(st.sampled_from(sorted(electronic)), min_size=1),
                                max_size=3) if electronic else st.just([]))  # fmt: skip
    return electronic, supplements


@given(kits())
def test_c6_letters_and_emails_partition_the_electors(
    drawn: tuple[set[str], list[set[str]]],
) -> None:
    electronic, supplements = drawn
    main = LetterKit.from_document(kit_doc(electronic=sorted(electronic)))
    extra = [
        LetterKit.from_document(kit_doc(supplement=("c" * 64, sorted(s)))) for s in supplements
    ]
    letters = {n for n in NUMBERS if main.prints(n)}
    assert letters | main.electronic == set(NUMBERS) and not letters & main.electronic
    later = {n for kit in extra for n in NUMBERS if kit.prints(n)}
    emails = set(main.electronic) - later  # the opening set, as material.emailset computes it
    assert letters | later | emails == set(NUMBERS)
    assert not (letters | later) & emails and not letters & later
