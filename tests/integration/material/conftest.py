"""Fixtures of the material tests: two CCIs with electors loaded through the real imports
(011 inside the COE's perimeter, 974 outside), the vote's national window, a COE president of
011, a national administrator, and the dispatch operator's key registered."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from scrutin.platform.credentials import services as credentials
from scrutin.platform.credentials.export import generate_keypair
from scrutin.platform.material import services
from scrutin.platform.material.content import content_fingerprint, letter_content

from ..accounts.world import World, build_world, make_user

ADDRESS = "CCI de l'Ain\nService des élections\n1 rue Joseph Bernier\n01000 BOURG-EN-BRESSE"
REROUTE = "COE de l'Ain\nBureau 12\n1 rue Joseph Bernier\n01000 BOURG-EN-BRESSE"
SETTINGS = {"mode": "reroute", "batch_size": "500", "reroute_address": REROUTE,
            "return_address": ADDRESS}  # fmt: skip


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    with override_settings(VAR_DIR=tmp_path / "var", MEDIA_ROOT=tmp_path / "media"):
        (tmp_path / "var").mkdir()
        yield tmp_path / "var"


@pytest.fixture
def world(tmp_path: Path, settings: Any) -> World:
    settings.SCRUTIN_VOTE_OPENS_AT = "2026-11-19T09:00"
    settings.SCRUTIN_VOTE_CLOSES_AT = "2026-11-26T18:00"
    settings.SCRUTIN_SITE_URL = "https://vote.cci.test"
    built = build_world(tmp_path)
    _, public = generate_keypair()
    credentials.register_recipient(public, "Opérateur de test")
    return built


@pytest.fixture
def president(world: World) -> User:
    return make_user("PRESCOE", ["011"], name="president-011@cci.test")


@pytest.fixture
def admin(world: World) -> User:
    user = make_user("ADMIN", None, national=True, name="national@cci.test")
    user.first_name, user.last_name = "Claire", "National"
    user.save()
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def choose(user: User, code: str = "011", **values: Any) -> None:
    data = {**SETTINGS, "batch_size": 500, "electronic": False, **values}
    services.update_settings(code, data, user=user)


def approve(user: User, code: str = "011") -> None:
    services.approve_coe(code, user=user, seen_sha256=content_fingerprint(letter_content(code)))


def text(response: Any) -> str:
    """The page as a reader sees it (entities decoded)."""
    return html.unescape(response.content.decode())
