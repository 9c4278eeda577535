"""What an intruder does to a sealed installation, for the seal tests (issue 19 items 15–16)."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import tempfile
from pathlib import Path


def plant_pyc(source: Path, payload: str) -> Path:
    """Write the bytecode cache of ``source`` compiled from ``payload`` instead, with the
    source's own modification time and size in its header: Python's default (timestamp)
    validation accepts it and runs ``payload`` on the next import. Returns the ``.pyc``."""
    size = source.stat().st_size
    evil = (payload.rstrip("\n") + "\n#").encode()
    if len(evil) >= size:
        raise ValueError("payload longer than the source it replaces")
    evil += b"x" * (size - len(evil) - 1) + b"\n"
    stat = source.stat()
    with tempfile.TemporaryDirectory() as work:
        fake = Path(work) / source.name
        fake.write_bytes(evil)
        os.utime(fake, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        target = Path(importlib.util.cache_from_source(str(source)))
        py_compile.compile(str(fake), cfile=str(target), dfile=str(source), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)  # fmt: skip
    return target
