"""Fixtures of the mailing tests: electors of two CCIs loaded through the real imports, every
one with an e-mail address, and a real SMTP server (aiosmtpd) that refuses some recipients for
good (550), one once for a while (451), and records what it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import ImportRun

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5)])
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 8)])
COUNTS = {"011": 40, "974": 10}
UNKNOWN = "inconnu"  # local parts the sink refuses with 550 5.1.1
LATER = "plus.tard"  # the sink answers 451 the first time, then accepts


def email_of(cci: str, n: int) -> str:
    if cci == "011" and n in (3, 17):
        return f"{UNKNOWN}{n}@exemple-{cci}.fr"
    if cci == "011" and n == 8:
        return f"{LATER}{n}@exemple-{cci}.fr"
    return f"electeur{n}@exemple-{cci}.fr"


@pytest.fixture(autouse=True)
def mailing_settings(tmp_path: Path) -> Iterator[Path]:
    with override_settings(VAR_DIR=tmp_path / "var", SCRUTIN_IMPORTS_INLINE=True, SCRUTIN_MAIL_RATE=0,
                           SCRUTIN_MAIL_RETRY_SECONDS=0, SCRUTIN_BOUNCE_ADDRESS="retours@scrutin.test",
                           DEFAULT_FROM_EMAIL="elections@scrutin.test"):  # fmt: skip
        (tmp_path / "var").mkdir(exist_ok=True)
        yield tmp_path / "var"


def load_electors(tmp_path: Path, counts: dict[str, int]) -> dict[str, int]:
    """Both CCIs' electors through the real imports, each with an e-mail address (``email_of``);
    011's numbers are 0110000000001, 0110000000002, …"""
    structure = tmp_path / "structure.csv"
    generate.write_csv(
        structure, generate.STRUCTURE_HEADER, generate.structure_rows([AIN, REUNION])
    )
    run = imports.import_structure(
        ImportRun.objects.create(kind="structure", filename="s", path=str(structure))
    )
    assert run.status == "accepted"
    for code, _, urns in (AIN, REUNION):
        rows = []
        for i, row in enumerate(
            generate.elector_rows(code, [(u[0], u[2]) for u in urns], counts[code]), 1
        ):
            row[35] = email_of(code, i)
            rows.append(row)
        path = tmp_path / f"electeurs-{code}.csv"
        generate.write_csv(path, generate.ELECTORS_HEADER, rows)
        run = imports.import_electors(
            ImportRun.objects.create(kind="electors", filename="e", path=str(path))
        )
        assert run.status == "accepted", list(run.issues.all()[:3])
    return counts


@pytest.fixture
def electors(tmp_path: Path) -> dict[str, int]:
    return load_electors(tmp_path, COUNTS)


class SinkHandler:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.deferred: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        local = address.split("@")[0]
        if local.startswith(UNKNOWN):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local.startswith(LATER) and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content)
        msg["X-Envelope-From"] = envelope.mail_from
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 Message accepted for delivery"


@dataclass
class Sink:
    host: str
    port: int
    handler: SinkHandler = field(repr=False)

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        controller.port,
        False,
    )
    try:
        yield Sink("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()
