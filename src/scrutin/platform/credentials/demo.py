"""``make demo``: credentials for the demo electors, and a few plaintext ones to print.

The demo plays the dispatch operator too: its key pair lives in ``var/demo/`` (private key in
mode 0600), the credentials are generated through the real path (keyed hashes in the database,
sealed export), and the few codes printed are read back by decrypting that export — exactly what
the operator does with ``scrutin credentials decrypt-export``.
"""

from __future__ import annotations

import base64
import os
from datetime import date
from pathlib import Path

from django.conf import settings

from ..electoral.models import Elector
from ..environment import is_test
from . import services
from .export import generate_keypair, read_rows
from .models import GenerationRun, RecipientKey

DEMO_LABEL = "Opérateur d'expédition (démonstration)"


def _demo_key() -> tuple[bytes, RecipientKey]:
    folder = Path(settings.VAR_DIR) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "operateur-expedition.cle"
    if not path.exists():
        private, _ = generate_keypair()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.b64encode(private).decode() + "\n")
    private = base64.b64decode(path.read_text().strip())
    from nacl.public import PrivateKey

    public = bytes(PrivateKey(private).public_key)
    return private, services.register_recipient(public, DEMO_LABEL)


def demo_credentials(
    count_per_cci: int = 3, *, exclude_urns: set[str] | None = None, exclude: set[str] | None = None
) -> list[tuple[str, str, date | None]]:
    """(Re)generate the credentials of every CCI with electors; return ``count_per_cci`` of them
    per CCI as (identifier, code as printed, birth date asked or ``None``), skipping the electors
    in ``exclude`` (who already voted) and those of the urns in ``exclude_urns`` (closed)."""
    skip = set(exclude or ())
    if exclude_urns:
        skip |= set(
            Elector.objects.filter(urn__code__in=exclude_urns).values_list("number", flat=True)
        )
    private, recipient = _demo_key()
    shown: list[tuple[str, str, date | None]] = []
    ccis = sorted(set(Elector.objects.order_by().values_list("cci_code", flat=True)))
    for cci in ccis:
        run = services.new_run(cci, GenerationRun.Mode.ALL, reason="démonstration",
                               recipient=recipient)  # fmt: skip
        run = services.generate(run)
        picked = []
        for row in read_rows(Path(run.export_path), private, accept_test=is_test()):
            if row[0] in skip:
                continue
            picked.append((row[0], row[1]))
            if len(picked) >= count_per_cci:
                break
        births = dict(
            Elector.objects.filter(number__in=[n for n, _ in picked]).values_list(
                "number", "birth_date"
            )
        )
        shown.extend((number, code, births.get(number)) for number, code in picked)
    return shown
