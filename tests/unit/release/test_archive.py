"""The release's source archive is deterministic and unpacked safely; the release modules use
no web framework (CCTP 4.2.2.4)."""

from __future__ import annotations

import ast
import io
import os
import tarfile
from pathlib import Path

import pytest

from scrutin.release.archive import extract_archive, write_archive
from scrutin.release.wheel import ReleaseError

PACKAGE = Path(__file__).parents[3] / "src" / "scrutin" / "release"


def test_release_modules_import_no_web_framework() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        bad = {m for m in imported if m.split(".")[0] in {"django", "celery", "redis"}}
        bad |= {m for m in imported if m.startswith("scrutin.platform")}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def _tree(root: Path, mtime: int) -> list[str]:
    files = {"b/z.txt": b"z", "a.py": b"print(1)\n", "scripts/run.sh": b"#!/bin/sh\n"}
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        os.utime(root / name, (mtime, mtime))
    (root / "scripts/run.sh").chmod(0o775)
    (root / "a.py").chmod(0o664)
    return list(files)


def test_cctp_4_2_2_4_the_source_archive_depends_only_on_the_files(tmp_path: Path) -> None:
    one, two = tmp_path / "un", tmp_path / "deux"
    one.mkdir(), two.mkdir()
    names = _tree(one, 1_000_000)
    _tree(two, 2_000_000)
    write_archive(one, names, tmp_path / "un.tar.gz", 1_700_000_000)
    write_archive(two, list(reversed(names)), tmp_path / "deux.tar.gz", 1_700_000_000)
    assert (tmp_path / "un.tar.gz").read_bytes() == (tmp_path / "deux.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "un.tar.gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(names)
    assert {m.name: m.mode for m in members}["scripts/run.sh"] == 0o755
    assert {m.mtime for m in members} == {1_700_000_000} and {m.uid for m in members} == {0}
    out = tmp_path / "extrait"
    assert extract_archive(tmp_path / "un.tar.gz", out) == sorted(names)
    assert (out / "b/z.txt").read_bytes() == b"z"


def test_an_archive_escaping_its_folder_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "mal.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("../dehors.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ReleaseError, match="membre refusé"):
        extract_archive(bad, tmp_path / "extrait")
    assert not (tmp_path / "dehors.txt").exists()
