"""Strict password policy (CCTP 4.1.4.7): Django validators configured in settings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password",
    ["Court-2026", "123456789012345", "password1234", "claire.dupont1", "qwertyuiop123"],
)
def test_cctp_4_1_4_7_weak_passwords_are_refused(password: str) -> None:
    user = User(username="claire.dupont@cci.test", email="claire.dupont@cci.test",
                first_name="Claire", last_name="Dupont")  # fmt: skip
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_cctp_4_1_4_7_long_unrelated_passphrase_is_accepted() -> None:
    validate_password("Velo-Bleu-Sous-La-Pluie-7", User(username="claire@cci.test"))
