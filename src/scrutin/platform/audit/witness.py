"""The journal's witness file: the signed chain head after every append, outside the database
(issue 12 item 9; docs/journal.md §2).

Signed checkpoints in the database do not show a *truncation*: whoever can write the database
deletes the entries after the last checkpoint and moves the chain head back, and the journal
still verifies. So after each append commits, the platform signs the new head (the checkpoint
document of docs/journal.md §2) and appends it as one line to a file outside the database,
``SCRUTIN_JOURNAL_WITNESS_DIR`` (default ``VAR_DIR/journal``), named after the hash of entry 1
(one file per journal: a database recreated for a demo or a test never meets an old witness).
The file is itself a checkpoints-only export (header line, then checkpoint lines), so it can be
given to ``scrutin journal verify FILE --checkpoints``; ``verify_database`` reads its last lines
and reports a head signed beyond the stored journal, or a different hash at the same place.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from scrutin.verify.journal import EXPORT_FORMAT, dump_line

logger = logging.getLogger(__name__)
TAIL_BYTES = 64 * 1024  # the newest heads are at the end; appends may interleave slightly


def witness_dir() -> Path:
    configured = getattr(settings, "SCRUTIN_JOURNAL_WITNESS_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "journal"


def witness_path(first_hash: str) -> Path:
    return witness_dir() / f"heads-{first_hash[:16]}.jsonl"


def append(first_hash: str, checkpoint: dict[str, Any], header: dict[str, Any]) -> None:
    """Append one signed head (after the commit of its entry). Never raises: the entry is
    committed already; a failure is logged, and the witness is then behind, never ahead."""
    path = witness_path(first_hash)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # created with its header in one step (link fails if another process won)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(dump_line(header))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, dump_line(checkpoint))  # one write of one line: appends never mix
        finally:
            os.close(fd)
    except OSError:
        logger.exception("journal witness %s could not be written", path)


def latest(first_hash: str) -> dict[str, Any] | None:
    """The witnessed head with the highest sequence among the file's last lines, or None."""
    import json

    path = witness_path(first_hash)
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read().splitlines()
    except FileNotFoundError:
        return None
    best: dict[str, Any] | None = None
    for raw in tail[1:] if len(tail) > 1 else tail:  # the first line may be cut in the middle
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("kind") == "checkpoint":
            sequence = line.get("sequence")
            if type(sequence) is int and (best is None or sequence > best["sequence"]):
                best = line
    return best


__all__ = ["EXPORT_FORMAT", "append", "latest", "witness_path"]
