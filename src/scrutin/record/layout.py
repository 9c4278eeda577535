"""The public election record, version 1 (docs/protocol.md §11): file names and formats."""

from __future__ import annotations

RECORD_FORMAT = "scrutin-record/v1"
CLOSING_FORMAT = "scrutin-urn-closing/v1"
EMARGEMENTS_FORMAT = "scrutin-emargements/v1"
DECRYPTIONS_FORMAT = "scrutin-decryptions/v1"

MANIFEST = "manifest.json"
ELECTION = "election.json"
TRUSTEES = "trustees.json"
BALLOTS = "ballots.jsonl"
CLOSING = "closing.json"  # the urn's closing seal, as the platform signed it (§11)
TALLY = "tally.json"
DECRYPTIONS = "decryptions.json"
RESULT = "result.json"

# Every document the manifest lists, in this order.
DOCUMENTS: tuple[str, ...] = (ELECTION, TRUSTEES, BALLOTS, CLOSING, TALLY, DECRYPTIONS, RESULT)
