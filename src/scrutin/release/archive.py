"""The deterministic source archive of a release (CCTP 4.2.2.4): the git-tracked files of a
source tree in a ``.tar.gz`` whose bytes depend only on those files' contents, names and
executable bit: members sorted by name, regular files only, a fixed date (the commit's), owner
and group 0 with no names, mode 0644 or 0755, and a gzip header with no name and no date. Two
archives of the same commit are the same bytes, so its SHA-256 names the sources.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from scrutin.release.wheel import ReleaseError

MAX_ARCHIVE_MEMBERS = 20_000
MAX_ARCHIVE_BYTES = 500_000_000


@dataclass(frozen=True)
class SourceTree:
    """What git says of a source tree: its commit, its date, whether tracked files differ from
    it, and the tracked files present on disk (sorted)."""

    commit: str
    epoch: int
    dirty: bool
    files: list[str]


def _git(source: Path, *args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603
            ["git", "-C", str(source), *args],  # noqa: S607
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    except OSError as exc:
        raise ReleaseError(f"git est introuvable ({exc}).") from exc
    if done.returncode != 0:
        raise ReleaseError(
            f"{source} n'est pas un dépôt git lisible : {done.stderr.strip()[-300:]}"
        )
    return done.stdout


def source_tree(source: Path) -> SourceTree:
    commit = _git(source, "rev-parse", "HEAD").strip()
    epoch = int(_git(source, "log", "-1", "--format=%ct", "HEAD").strip())
    dirty = bool(_git(source, "status", "--porcelain", "--untracked-files=no").strip())
    names = [n for n in _git(source, "ls-files", "-z").split("\0") if n]
    files = sorted({n for n in names if (source / n).is_file() and not (source / n).is_symlink()})
    if not files:
        raise ReleaseError(f"{source} : aucun fichier suivi par git.")
    return SourceTree(commit, epoch, dirty, files)


def write_archive(source: Path, files: list[str], target: Path, epoch: int) -> None:
    """Write the deterministic ``.tar.gz`` of ``files`` (relative to ``source``) to ``target``."""
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in sorted(files):
            path = source / name
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = epoch
            info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))


def extract_archive(archive: Path, target: Path) -> list[str]:
    """Unpack a source archive into ``target``: regular files only, no absolute path, no
    ``..``, bounded in count and size (it may come from anyone). Returns the member names."""
    names: list[str] = []
    total = 0
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for info in tar:
                name = info.name
                parts = Path(name).parts
                if not info.isfile() or name.startswith("/") or ".." in parts or not parts:
                    raise ReleaseError(f"{archive.name} : membre refusé {name!r}.")
                total += info.size
                if len(names) >= MAX_ARCHIVE_MEMBERS or total > MAX_ARCHIVE_BYTES:
                    raise ReleaseError(f"{archive.name} : archive trop volumineuse.")
                source = tar.extractfile(info)
                if source is None:
                    raise ReleaseError(f"{archive.name} : membre illisible {name!r}.")
                path = target / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(source.read())
                path.chmod(0o755 if info.mode & 0o111 else 0o644)
                names.append(name)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise ReleaseError(f"{archive.name} illisible ({exc}).") from exc
    return names
