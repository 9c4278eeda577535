"""The window-envelope address block (NF Z 10-011, CCTP 5.2.2), over arbitrary elector lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrutin.material.postal import (
    FIELD_LABELS,
    MAX_CHARS,
    MAX_LINES,
    PostalAddress,
    address_block,
    clean,
    sorting_line,
    unaccented_upper,
)

ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "Cc", "Mn"))
text = st.text(ALPHABET, max_size=60)
short = st.text(ALPHABET, max_size=38)
countries = st.sampled_from(["", "France", "FRANCE", "Belgique", "ALLEMAGNE", "Côte d'Ivoire"])
addresses = st.builds(
    PostalAddress, recipient=text, complement1=text, complement2=text, street=text, place=text,
    postal_code=st.one_of(st.from_regex(r"\A\d{5}\Z"), short), city=st.one_of(short, text),
    country=st.one_of(countries, short),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(addresses)
def test_nf_z_10_011_at_most_six_lines_of_38_characters(address: PostalAddress) -> None:
    block = address_block(address)
    assert len(block.lines) <= MAX_LINES
    assert all(0 < len(line) <= MAX_CHARS for line in block.lines)
    assert all(line == clean(line) for line in block.lines)  # no control character, no blank


@settings(max_examples=150, deadline=None)
@given(addresses)
def test_nf_z_10_011_postal_code_line_last_then_country_abroad(address: PostalAddress) -> None:
    block = address_block(address)
    code, city = sorting_line(address.postal_code), sorting_line(address.city)
    lines = list(block.lines)
    if block.abroad:
        assert lines[-1] == sorting_line(address.country)[:MAX_CHARS].rstrip()
        lines = lines[:-1]
    if code or city:
        last = lines[-1]
        assert last.startswith(code) and last == unaccented_upper(last)  # capitals, no accent


@settings(max_examples=250, deadline=None)
@given(addresses)
def test_no_non_empty_field_is_lost_silently(address: PostalAddress) -> None:
    block = address_block(address)
    printed = "\n".join(block.lines)
    notes = " | ".join(block.notes)
    for name, label in FIELD_LABELS.items():
        value = clean(getattr(address, name))
        if not value:
            continue
        lines_4_to_6 = ("street", "place", "city", "country", "postal_code")
        shown = sorting_line(value) if name in lines_4_to_6 else value
        if name == "country" and not block.abroad:
            continue  # France: the country line is left out, as the standard asks
        assert shown in printed or label in notes, (name, value, block)


def test_abroad_with_every_line_merges_the_complements_and_says_so() -> None:
    block = address_block(PostalAddress(
        recipient="SOCIETE DUPONT", complement1="SERVICE ACHATS", complement2="BATIMENT C",
        street="12 RUE ROYALE", place="BP 12", postal_code="1000", city="Bruxelles",
        country="Belgique",
    ))  # fmt: skip
    assert block.lines == ("SOCIETE DUPONT", "SERVICE ACHATS BATIMENT C", "12 RUE ROYALE", "BP 12",
                           "1000 BRUXELLES", "BELGIQUE")  # fmt: skip
    assert block.notes == ("complément 1 et complément 2 réunis sur une ligne : « SERVICE ACHATS "
                           "BATIMENT C »",)  # fmt: skip


def test_last_line_in_capitals_without_accents() -> None:
    block = address_block(PostalAddress(recipient="Mme Hélène Œuvray", street="1 rue de l'Église",
                                        postal_code="42000", city="Saint-Étienne Cédex 1"))  # fmt: skip
    assert block.lines == ("Mme Hélène Œuvray", "1 RUE DE L EGLISE", "42000 SAINT ETIENNE CEDEX 1")
    assert block.notes == () and not block.abroad
