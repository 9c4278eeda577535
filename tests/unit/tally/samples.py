"""Helpers and Hypothesis strategies for the results documents of ``tally`` (PV and exports)."""

from __future__ import annotations

import copy
import io
from typing import Any

from hypothesis import strategies as st
from pypdf import PdfReader

from scrutin.crypto.signing import public_key_hex, sign_document
from scrutin.platform.tally.exports import unsigned
from scrutin.platform.tally.fixtures import SAMPLE_CCIS, sample_key, sample_urn_results

KEY = sample_key("tests")
LETTERS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÖ"
           "ÙÛÜŸŒÆłŁőŐăĂșȘțȚñÑßøØåÅÓíÍ")  # fmt: skip
# Names: Latin letters with accents, spaces, apostrophes, hyphens and XML's special characters.
names = st.text(alphabet=LETTERS + " '-.<>&\"", min_size=1, max_size=200).filter(
    lambda s: s.strip() != ""
)


def text_of(pdf: bytes) -> str:
    """The PDF's text, non-breaking spaces as plain spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\u00a0", " ")


def squeeze(text: str) -> str:
    """Without any whitespace: a name or a fingerprint wrapped over lines still matches."""
    return "".join(text.split())


def resign(doc: dict[str, Any], key: Any = KEY) -> dict[str, Any]:
    doc = unsigned(doc)
    doc["signature"] = {"key": public_key_hex(key), "value": sign_document(key, doc)}
    return doc


def people(doc: dict[str, Any]) -> list[str]:
    """Every person's name in the document (candidates, suppléants, key holders), once each."""
    found = [p for b in doc["ballots"] for c in b["candidates"]
             for p in (c["name"], c["substitute"]) if p]  # fmt: skip
    found += list(doc["trustee_names"].values())
    return list(dict.fromkeys(found))


def rename(doc: dict[str, Any], persons: dict[str, str], groups: dict[str, str]) -> dict[str, Any]:
    """The same document with people and groupements renamed everywhere, signed again."""
    doc = copy.deepcopy(doc)
    for b in doc["ballots"]:
        for c in b["candidates"]:
            c["name"] = persons[c["name"]]
            c["substitute"] = persons.get(c["substitute"], c["substitute"])
            c["groupement"] = groups.get(c["groupement"], c["groupement"])
        for g in b["groupements"]:
            g["name"] = groups[g["name"]]
        for u in b["undecided"]:
            u["between"] = [persons[n] for n in u["between"]]
        if "substitutes_elected" in b:
            b["substitutes_elected"] = [persons[n] for n in b["substitutes_elected"]]
    doc["trustee_names"] = {k: persons[v] for k, v in doc["trustee_names"].items()}
    return resign(doc)


@st.composite
def urn_documents(draw: st.DrawFn, max_candidates: int = 12) -> dict[str, Any]:
    """Any valid urn document: with or without CCIR ballot, 0 to many candidates, ties settled
    by age or left undecided, candidates without votes, long or odd names."""
    regional = draw(st.booleans())
    ccir_seats = draw(st.integers(1, 4))
    ccit_seats = draw(st.integers(2 * ccir_seats if regional else 1, 2 * ccir_seats + 8))
    registered = draw(st.integers(0, 5000))
    doc = sample_urn_results(
        draw(st.integers(0, 10**9)), key=KEY, cci=draw(st.sampled_from(SAMPLE_CCIS)),
        category=draw(st.sampled_from("CIS")), subcategory=draw(st.sampled_from([None, "S1"])),
        regional=regional, ccir_seats=ccir_seats, ccit_seats=ccit_seats,
        ccir_candidates=draw(st.integers(0, 8)), ccit_candidates=draw(st.integers(0, max_candidates)),
        groupements=draw(st.integers(0, 6)), registered=registered,
        voters=draw(st.integers(0, registered)),
        tie=draw(st.sampled_from([None, "age", "undecided", "ccir-undecided"])),
        zero_votes=draw(st.integers(0, 4)), long_names=draw(st.booleans()),
        trustees=draw(st.integers(2, 4)),
    )  # fmt: skip
    if draw(st.booleans()):
        old = people(doc)
        new = draw(st.lists(names, min_size=len(old), max_size=len(old), unique=True))
        groups = sorted({g["name"] for b in doc["ballots"] for g in b["groupements"]})
        new_groups = draw(st.lists(names, min_size=len(groups), max_size=len(groups), unique=True))
        doc = rename(
            doc, dict(zip(old, new, strict=True)), dict(zip(groups, new_groups, strict=True))
        )
    return doc
