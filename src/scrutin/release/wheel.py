"""The ``scrutin`` wheel: built from a source tree, and the SHA-256 of every file it installs
into the package (what a platform seal and the machine's manifest list, once installed with
``--no-compile``). Shared by :mod:`scrutin.machine.release` and :mod:`scrutin.release.seal`.

A build with a fixed ``SOURCE_DATE_EPOCH`` gives the same bytes from the same tree (setuptools
and ``wheel`` order the members and date them from it); :func:`build_wheel` takes that date.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MAX_WHEEL_MEMBERS = 5_000
MAX_MEMBER_BYTES = 50_000_000
# not part of what the wheel is built from (and never copied into the build tree)
LEFT_OUT = {".git", ".venv", "node_modules", "var", "build", "dist", "tests", "bench"}


class ReleaseError(RuntimeError):
    """A release cannot be built or does not check; the message is French."""


def wheel_files(wheel: Path) -> dict[str, str]:
    """``{path under scrutin/: SHA-256}`` of what the wheel installs into the package."""
    files: dict[str, str] = {}
    try:
        with zipfile.ZipFile(wheel) as z:
            members = [i for i in z.infolist() if not i.is_dir()]
            if len(members) > MAX_WHEEL_MEMBERS:
                raise ReleaseError(f"{wheel.name} : trop de fichiers ({len(members)}).")
            for info in members:
                if not info.filename.startswith("scrutin/"):
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ReleaseError(f"{wheel.name} : {info.filename} trop grand.")
                h = hashlib.sha256()
                with z.open(info) as f:
                    while block := f.read(1 << 20):
                        h.update(block)
                files[info.filename.removeprefix("scrutin/")] = h.hexdigest()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ReleaseError(f"{wheel.name} illisible ({exc}).") from exc
    return dict(sorted(files.items()))


def build_wheel(source: Path, out: Path, epoch: int | None = None) -> Path:
    """Build the wheel of the source tree ``source`` into ``out`` (``uv build``, else ``pip
    wheel``) from a clean copy; ``epoch`` is the ``SOURCE_DATE_EPOCH`` of the build."""
    if not (source / "pyproject.toml").is_file():
        raise ReleaseError(
            f"{source} n'est pas un dossier source de Scrutin (pyproject.toml absent)."
        )
    env = dict(os.environ)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    with tempfile.TemporaryDirectory() as tmp:
        # built from a clean copy: no build/ or egg-info left in the source tree, no stray file
        tree = Path(tmp) / "source"
        shutil.copytree(
            source, tree,
            ignore=lambda d, names: [
                n for n in names
                if n in LEFT_OUT or n.endswith((".egg-info", ".pyc")) or n == "__pycache__"
            ],
        )  # fmt: skip
        wheels_dir = Path(tmp) / "dist"
        uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
        if Path(uv).exists():
            command = [uv, "build", "--wheel", "--out-dir", str(wheels_dir), str(tree)]
        else:
            command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels_dir),
                       str(tree)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # noqa: S603
        wheels = sorted(wheels_dir.glob("scrutin-*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise ReleaseError(f"construction du paquet impossible : {done.stderr[-500:]}")
        target = out / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target
