"""The letter kit (contract C1, CCTP 5.2.2): signature, both BAT approvals, every field checked."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from scrutin.material.kit import KitError, LetterKit, read_kit

from .helpers import CLOSING, PLATFORM_KEY, kit_doc, write_kit

PUBLIC = bytes(PLATFORM_KEY.verify_key).hex()


def test_a_signed_approved_kit_is_read(tmp_path: Path) -> None:
    kit = read_kit(write_kit(tmp_path / "kit-750.json", kit_doc()), PUBLIC)
    assert kit.cci_code == "750" and kit.dispatch.mode == "reroute" and kit.approved
    assert kit.closing == CLOSING and kit.support.phone == "01 23 45 67 89"
    assert len(kit.fingerprint) == 64


def test_a_modified_kit_is_refused_by_its_signature(tmp_path: Path) -> None:
    path = write_kit(tmp_path / "kit.json", kit_doc())
    path.write_text(path.read_text(encoding="utf-8").replace("01 23 45 67 89", "08 99 99 99 99"),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(KitError, match="signature du kit ne correspond pas"):
        read_kit(path, PUBLIC)


def test_a_kit_signed_by_another_key_is_refused(tmp_path: Path) -> None:
    other = nacl.signing.SigningKey(bytes(32))
    path = write_kit(tmp_path / "kit.json", kit_doc(), other)
    with pytest.raises(KitError, match="pas signé par la clé de la plate-forme attendue"):
        read_kit(path, PUBLIC)
    assert read_kit(path, None).cci_code == "750"  # without an expected key: the file's own


@pytest.mark.parametrize(("who", "message"), [("coe", "BAT de la COE n'est pas validé"),
                                              ("national", "BAT général de CCI France")])  # fmt: skip
def test_cctp_5_2_2_kit_without_both_bat_approvals_is_refused(tmp_path: Path, who: str,
                                                             message: str) -> None:  # fmt: skip
    path = write_kit(tmp_path / "kit.json", kit_doc(**{who: None}))
    with pytest.raises(KitError, match=message):
        read_kit(path, PUBLIC)


def test_a_file_that_is_not_json_is_refused_in_french(tmp_path: Path) -> None:
    path = tmp_path / "kit.json"
    path.write_bytes(b"\xff\x00 pas du json")
    with pytest.raises(KitError, match="n'est pas un fichier JSON valide"):
        read_kit(path, PUBLIC)
    with pytest.raises(KitError, match="illisible"):
        read_kit(tmp_path / "absent.json", PUBLIC)


def _set(doc: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = dotted.split(".")
    target = doc
    for part in parents:
        target = target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return doc


_DELETE = object()
BAD_FIELDS = [
    ("format", "scrutin-letter-kit/v0", "format"),
    ("issued_at", "hier", "issued_at"),
    ("issued_at", "2026-10-01T12:00:00", "issued_at"),  # no offset
    ("cci", _DELETE, "cci"),
    ("cci.code", "75-0", "cci.code"),
    ("cci.label", "", "cci.label"),
    ("cci.address", [], "cci.address"),
    ("cci.address", ["l"] * 7, "cci.address"),
    ("cci.address", ["x" * 61], "cci.address, ligne 1"),
    ("cci.logo_png", "pas-du-base64!", "cci.logo_png"),
    ("cci.logo_png", "R0lGODlhAQABAAAAACw=", "cci.logo_png"),  # a GIF
    ("voting_url", "vote.example.fr", "voting_url"),
    ("opening", 12, "opening"),
    ("closing", "2026-11-01T09:00:00+01:00", "closing"),  # before the opening
    ("support.phone", None, "support.phone"),
    ("support.message", "x" * 601, "support.message"),
    ("dispatch.mode", "pigeon", "dispatch.mode"),
    ("dispatch.batch_size", 49, "dispatch.batch_size"),
    ("dispatch.batch_size", 10_001, "dispatch.batch_size"),
    ("dispatch.batch_size", True, "dispatch.batch_size"),
    ("dispatch.reroute_address", None, "dispatch.reroute_address"),  # required in reroute mode
    ("dispatch.reroute_address", ["x" * 39], "dispatch.reroute_address, ligne 1"),
    ("electronic", "7500000000001", "electronic"),
    ("electronic", ["750 000"], "electronic"),
    ("bat.coe", {"by": "", "at": "2026-09-30T10:00:00+00:00"}, "bat.coe.by"),
    ("bat.national", {"by": "Paul", "at": "demain"}, "bat.national.at"),
    ("recipient_fingerprint", "A" * 64, "recipient_fingerprint"),
]


@pytest.mark.parametrize(("field", "value", "named"), BAD_FIELDS)
def test_each_bad_field_gets_a_french_error_naming_it(field: str, value: Any, named: str) -> None:
    with pytest.raises(KitError) as caught:
        LetterKit.from_document(_set(kit_doc(), field, value))
    assert f"« {named} »" in str(caught.value)


def test_direct_dispatch_needs_no_reroute_address() -> None:
    kit = LetterKit.from_document(kit_doc(mode="direct", reroute_address=None))
    assert kit.dispatch.mode == "direct" and kit.dispatch.reroute_address is None


def test_a_png_logo_is_accepted() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
    assert LetterKit.from_document(kit_doc(logo_png=png)).logo_png == png
