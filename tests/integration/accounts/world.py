"""Shared builders for the accounts tests: electoral data of two CCIs loaded through the real
imports, users of every role, and a real SMTP sink (aiosmtpd)."""

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
from django.contrib.auth.models import Group, User

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.accounts.roles import setup_roles
from scrutin.platform.electoral import imports
from scrutin.platform.electoral.annex7 import generate
from scrutin.platform.electoral.models import Elector, ImportRun

AIN = ("011", "CCI de l'Ain", [("C", "Commerce", "", "", 2, 6), ("I", "Industrie", "", "", 2, 5)])
REUNION = ("974", "CCI de La Réunion", [("C", "Commerce", "", "", 0, 8)])
PASSWORD = "Ceci-est-un-mot-de-passe-2026"


@dataclass
class Side:
    """The data of one CCI that a URL can point at."""

    code: str
    elector: str
    run: int


@dataclass
class World:
    own: Side
    other: Side


def _import(kind: str, path: Path) -> ImportRun:
    run = ImportRun.objects.create(kind=kind, filename=path.name, path=str(path))
    done = imports.import_structure(run) if kind == "structure" else imports.import_electors(run)
    assert done.status == ImportRun.Status.ACCEPTED, list(done.issues.values_list("message"))
    return done


def build_world(tmp_path: Path) -> World:
    """CCI 011 (own perimeter) and 974 (another CCI), each with electors and an import run."""
    structure = tmp_path / "structure.csv"
    generate.write_csv(
        structure, generate.STRUCTURE_HEADER, generate.structure_rows([AIN, REUNION])
    )
    _import("structure", structure)
    sides = []
    for code, urns, start in (("011", [("C", ""), ("I", "")], 1), ("974", [("C", "")], 500)):
        path = tmp_path / f"electeurs-{code}.csv"
        generate.write_csv(path, generate.ELECTORS_HEADER,
                           list(generate.elector_rows(code, urns, 4, start=start)))  # fmt: skip
        run = _import("electors", path)
        assert run.cci_id == code
        elector = Elector.objects.filter(cci_code=code).order_by("number").first()
        assert elector is not None
        sides.append(Side(code, elector.number, run.pk))
    return World(*sides)


def make_user(role: str | None, codes: list[str] | None = None, *, national: bool = False,
              name: str | None = None) -> User:  # fmt: skip
    """An active account of ``role`` (a GROUPE code) with the given perimeter."""
    setup_roles()
    username = name or f"{(role or 'sans-role').lower()}-{'-'.join(codes or ['nat'])}@cci.test"
    user = User.objects.create_user(username, email=username, password=PASSWORD)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    Perimeter.objects.create(user=user, national=national, cci_codes=codes or [])
    return user


class _Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    host: str
    port: int
    handler: _Sink = field(repr=False)

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[SmtpSink]:
    """A real SMTP server on localhost; Django sends through its SMTP backend to it."""
    handler = _Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "elections@cci.test"
    try:
        yield SmtpSink("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()
