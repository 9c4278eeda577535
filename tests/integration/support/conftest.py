"""Two CCIs (011 and 974) loaded through the real imports, and support agents of each."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.integration.accounts.world import World, build_world, make_user


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_011(world: World) -> User:
    return make_user("SUPPORT", ["011"], name="agent-011@assistance.test")


@pytest.fixture
def national_agent(world: World) -> User:
    return make_user("SUPPORT", None, national=True, name="agent-national@assistance.test")


@pytest.fixture
def national_admin(world: World) -> User:
    return make_user("ADMIN", None, national=True, name="admin@ccifrance.test")
