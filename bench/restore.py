"""Benchmark: backup and point-in-time restore of both databases, RPO and RTO (issue 18).

Runs the drill of ``deploy/backup_drill.py`` (its docstring says every step): two throwaway
PostgreSQL 15 primaries with ``archive_command`` and ``pg_receivewal``, a real election, base
backups taken during the vote, a restore into new clusters at a target time, ``scrutin verify``
on the closed urn's record and ballots = émargements. Prints:

- RTO: copy of the base backup (500 MB of filler per cluster by default, and 500 MB more of
  WAL to replay, so that copy and replay rates show) + WAL replay + start of both clusters in parallel, and the same
  with the application's first answer; as a ratio to a plain ``initdb`` + start of an empty
  cluster measured in the same run (the floor of any restore on this machine);
- RPO after losing both primaries at once: acknowledged ballots missing when restoring from
  ``pg_receivewal``'s copy, and from the ``archive_command`` archive alone.

    .venv/bin/python bench/restore.py            # 400 electors (two urns)
    .venv/bin/python bench/restore.py --quick    # 24 electors

Needs no database server of its own: it starts its clusters on free ports from
``SCRUTIN_PG_BIN`` (default ``/usr/lib/postgresql/15/bin``), as ``postgres`` when run as root.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("backup_drill", REPO / "deploy" / "backup_drill.py")
assert _spec is not None
assert _spec.loader is not None
drill = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = drill  # dataclasses look their module up there
_spec.loader.exec_module(drill)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--electors", type=int)
    parser.add_argument("--filler-mb", type=int, help="MB added per cluster, before and after")
    args = parser.parse_args()
    electors = args.electors or (24 if args.quick else 400)
    filler = args.filler_mb if args.filler_mb is not None else (0 if args.quick else 500)
    out = drill.run_drill(electors=electors, quick=args.quick, filler_mb=filler)
    print(
        f"restore drill, {electors} electors in two urns, {filler} MB of filler per cluster "
        "before and after the base backup"
    )
    print("\n".join(drill.report(out)))
    if out["failures"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
