"""The e-mail rule of CCTP annex 7.1.3, column 36 — as the annex states it, not RFC 5322.

- format ``a@a.a``; length between 5 and 255; exactly one ``@``;
- each of the three parts starts with ``[a-zA-Z0-9_]``;
- after its first character, each part holds only ``[a-zA-Z0-9_.+-]``.
"""

from __future__ import annotations

import re

_FIRST = "[A-Za-z0-9_]"
_REST = "[A-Za-z0-9_.+-]*"
_EMAIL = re.compile(rf"{_FIRST}{_REST}@{_FIRST}{_REST}\.{_FIRST}{_REST}", re.ASCII)


def email_problem(value: str) -> str | None:
    """``None`` when ``value`` satisfies the annex rule, else the reason in French."""
    if not 5 <= len(value) <= 255:
        return "L'adresse électronique doit compter entre 5 et 255 caractères."
    if value.count("@") != 1:
        return "L'adresse électronique doit contenir un seul « @ »."
    if _EMAIL.fullmatch(value) is None:
        return (
            "Adresse électronique invalide : format attendu « a@a.a », chaque partie commençant "
            "par une lettre, un chiffre ou « _ », puis uniquement lettres, chiffres, « _ », "
            "« - », « . » ou « + »."
        )
    return None
