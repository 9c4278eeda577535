"""The tally's last steps from public documents only, and the recount (CCTP 4.2.2.2: "la
procédure de décompte des votes enregistrés doit pouvoir être déroulée de nouveau").

``result_documents`` turns the tally and the key holders' partial decryptions into
``decryptions.json`` and ``result.json`` (docs/protocol.md §10). ``recount`` runs the whole tally
again from a sealed record directory — aggregation of ``ballots.jsonl``, check of every partial
decryption, combination — and compares the bytes it produces with the record's own files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrutin.crypto import dkg
from scrutin.crypto.decryption import RESULT_FORMAT, combine, tally_from_json
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.params import ElectionParameters, parse_parameters
from scrutin.record import layout
from scrutin.record.strictjson import load_file
from scrutin.record.writer import document_bytes

MAX_DOCUMENT = 64 * 1024 * 1024  # decryptions.json of a large election stays far below


def result_documents(
    params: ElectionParameters,
    trustees_doc: dict[str, Any],
    tally_doc: dict[str, Any],
    partials: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(decryptions.json, result.json)``; raises ``DecryptionError`` if the partials do not
    suffice or any proof fails."""
    keys = dkg.trustee_keys(trustees_doc)
    tally = tally_from_json(params, tally_doc)
    tally_fp = fingerprint(tally_doc)
    n = int(tally_doc["ballot_count"])
    counts = combine(params, keys, tally, partials, n, tally_fp)
    decryptions = {
        "format": layout.DECRYPTIONS_FORMAT,
        "election": params.fingerprint(),
        "partials": sorted(partials, key=lambda p: str(p["trustee"])),
    }
    result = {
        "format": RESULT_FORMAT,
        "election": params.fingerprint(),
        "tally": tally_fp,
        "ballot_count": n,
        "decrypted_by": counts.decrypted_by,
        "answers": [
            {"counts": c, "blank": b} for c, b in zip(counts.choices, counts.blank, strict=True)
        ],
    }
    return decryptions, result


@dataclass
class Recount:
    """What a recount reproduced: every document identical byte for byte, or the differences."""

    documents: dict[str, bytes] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.differences


def recount(directory: Path, workers: int | None = None) -> Recount:
    """Run the tally again from ``directory`` (a record) and compare with its documents."""
    from scrutin.record.tally import aggregate_file, tally_document

    out = Recount()
    params_doc = load_file(directory / layout.ELECTION)
    params = parse_parameters(params_doc)
    trustees_doc = load_file(directory / layout.TRUSTEES)
    aggregate = aggregate_file(params, directory / layout.BALLOTS, workers=workers)
    tally_doc = tally_document(params, aggregate)
    partials = load_file(directory / layout.DECRYPTIONS, max_bytes=MAX_DOCUMENT)["partials"]
    decryptions, result = result_documents(params, trustees_doc, tally_doc, partials)
    for name, doc in ((layout.TALLY, tally_doc), (layout.DECRYPTIONS, decryptions),
                      (layout.RESULT, result)):  # fmt: skip
        produced = document_bytes(doc)
        out.documents[name] = produced
        if (directory / name).read_bytes() != produced:
            out.differences.append(name)
    return out


__all__ = ["Recount", "recount", "result_documents"]
