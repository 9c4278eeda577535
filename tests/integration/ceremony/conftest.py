"""A COE with its key holders (president and two assessors of CCI 011), an organiser, another
CCI's key holder; the real `scrutin trustee` commands run from files in a working directory."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from scrutin.cli.main import _register, app

from ..accounts.world import build_world, make_user

PASSPHRASE = "correct horse battery staple"
SPARE = "another long spare passphrase"


@dataclass
class Coe:
    organiser: User
    president: User
    assessors: list[User]
    stranger: User  # a key holder of CCI 974
    idle: User  # a key holder of CCI 011 who is not designated

    def client(self, user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c


@pytest.fixture
def coe(tmp_path: Path) -> Coe:
    build_world(tmp_path)
    return Coe(
        organiser=make_user("ADMIN", None, national=True, name="organisateur@cci.test"),
        president=make_user("PRESCOE", ["011"], name="presidente@cci.test"),
        assessors=[make_user("COE", ["011"], name=f"assesseur{i}@cci.test") for i in (1, 2)],
        stranger=make_user("COE", ["974"], name="assesseur@reunion.test"),
        idle=make_user("CLE", ["011"], name="suppleant@cci.test"),
    )


def open_ceremony(coe: Coe, threshold: int = 1) -> Any:
    response = coe.client(coe.organiser).post(reverse("ceremony:cci", kwargs={"code": "011"}), {
        "group": "ristretto255", "president": coe.president.pk,
        "assessors": [a.pk for a in coe.assessors], "threshold": threshold,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


Trustee = Callable[..., str]


@pytest.fixture
def trustee(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Trustee:
    """``trustee("round1", "--ceremony", …)`` runs the real CLI command in ``tmp_path/cli``."""
    work = tmp_path / "cli"
    work.mkdir()
    monkeypatch.setenv("SCRUTIN_KDF", "interactive")
    monkeypatch.setenv("SCRUTIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("SCRUTIN_SPARE_PASSPHRASE", SPARE)
    monkeypatch.chdir(work)
    _register()
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["trustee", *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def download(client: Client, name: str, to: Path) -> Path:
    response = client.get(reverse("ceremony:file", kwargs={"code": "011", "name": name}))
    assert response.status_code == 200, name
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            z.extractall(to)
        return to
    path = to / name
    path.write_bytes(response.content)
    return path


def upload(client: Client, path: Path) -> list[str]:
    """Post a file on the holder's page; return the page's messages after the redirect."""
    with path.open("rb") as f:
        response = client.post(
            reverse("ceremony:holder", kwargs={"code": "011"}), {"fichier": f}, follow=True
        )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def round_files(work: Path, number: int) -> list[str]:
    return [x for p in sorted(work.glob(f"r{number}-*.json")) for x in (f"--round{number}", p.name)]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
