"""RT 35: the machine's colours stay readable for colour-blind voters and operators, and colour
is never the only signal (state words and symbols, border styles)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

MACHINE = Path(__file__).parents[3] / "src" / "scrutin" / "machine"
CSS = (MACHINE / "static" / "machine" / "machine.css").read_text(encoding="utf-8")

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD = {
    "protanopie": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deutéranopie": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopie": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
    "vision normale": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}  # fmt: skip


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _simulate(hex_colour: str, matrix: tuple[tuple[float, ...], ...]) -> tuple[float, float, float]:
    lin = [_linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    out = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin, strict=True)))) for row in matrix]
    return out[0], out[1], out[2]


def contrast(fg: str, bg: str, matrix: tuple[tuple[float, ...], ...]) -> float:
    a, b = _luminance(_simulate(fg, matrix)), _luminance(_simulate(bg, matrix))
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


PALETTE = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", CSS))


@pytest.mark.parametrize("vision", list(CVD))
@pytest.mark.parametrize("colour", ["ink", "accent", "good", "bad", "warn"])
def test_rt_35_every_text_colour_readable_under_each_colour_vision(
    vision: str, colour: str
) -> None:
    """WCAG AA (4.5:1) on white, after simulating the vision deficiency."""
    assert contrast(PALETTE[colour], "#ffffff", CVD[vision]) >= 4.5


def test_rt_35_terminal_states_differ_by_symbol_word_and_border_not_colour_alone() -> None:
    status = (MACHINE / "control" / "views.py").read_text(encoding="utf-8")
    for symbol, word in (("■", "Bloqué"), ("●", "Actif"), ("○", "Inactif")):
        assert f'"{word}' in status and f'"{symbol}"' in status
    assert re.search(r"article\.term\.is-active \{[^}]*border-style: double", CSS)
    assert re.search(r"article\.term\.is-blocked \{[^}]*border-style: dashed", CSS)
    # The chosen option: a tick mark and underlined bold name, besides its colour.
    assert 'input:checked + .mark::after { content: "✔"' in CSS
    assert "input:checked ~ .name { font-weight: bold; text-decoration: underline; }" in CSS
