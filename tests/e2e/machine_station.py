"""Start a polling station's real processes for end-to-end tests and benchmarks: prepare the
supports with ``scrutin machine prepare``, sign a release manifest, run the control module and the
voter terminals under gunicorn on free loopback ports; and a cookie-keeping HTTP client for their
server-rendered forms."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nacl.signing

from scrutin.crypto.signing import public_key_hex

from .navigation import submit

CODES = {"president": "président-7KQ2-M9XD", "assesseur-1": "assesseur-4HPA-22QW"}
SCRUTIN = [sys.executable, "-m", "scrutin.cli.main"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SCRUTIN, *args], cwd=cwd, capture_output=True, text=True, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """One machine process in its own process group (a gunicorn master and its workers); its
    output goes to ``log`` (read when it fails to start)."""
    with log.open("wb") as out:
        return subprocess.Popen([*SCRUTIN, *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in process group ``pgid``."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def kill_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal every process of ``proc``'s group at once, as a power cut would, and wait until
    none is left. Killing a listed tree one process at a time raced with gunicorn's master,
    which forks a new worker when one dies: an orphan worker kept serving the old port."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.wait(timeout=20)
    deadline = time.monotonic() + 20
    while _group_alive(proc.pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"process group {proc.pid} survived signal {sig}")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.05)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        finally:
            kill_group(proc)


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"{url} stopped (exit {proc.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback test server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


class Web:
    """A user agent with cookies for the processes' server-rendered forms (CSRF included)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as r:
            return str(r.read().decode())

    def post(self, path: str, fields: list[tuple[str, str]], page: str | None = None) -> str:
        html = page if page is not None else self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, html[:500]
        data = urllib.parse.urlencode([("csrfmiddlewaretoken", token[1]), *fields]).encode()
        req = urllib.request.Request(  # noqa: S310 - loopback test server
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        with self.opener.open(req, timeout=60) as r:
            return str(r.read().decode())

    def post_files(
        self, path: str, fields: list[tuple[str, str]], files: dict[str, Path], page: str
    ) -> bytes:
        """A multipart form (the key files of the opening, the tally and the re-reading)."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        boundary = "----scrutin-" + "7d41b2c9"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in [("csrfmiddlewaretoken", token[1]), *fields]
        ]
        for name, file in files.items():
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n')  # fmt: skip
            parts.append(head.encode() + file.read_bytes() + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        req = urllib.request.Request(  # noqa: S310 - loopback test server
            self.base + path, data=body, headers={
                "Referer": self.base + path,
                "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        with self.opener.open(req, timeout=300) as r:
            return bytes(r.read())

    def keys(
        self, path: str, station: dict[str, Any], page: str, *fields: tuple[str, str]
    ) -> bytes:
        """Posts the president's and the first assessor's key files with their codes."""
        keys = station["dir"] / "cles"
        return self.post_files(
            path,
            [*fields, ("code_president", CODES["president"]),
             ("code_assesseur", CODES["assesseur-1"])],
            {"cle_president": keys / "president.cle", "cle_assesseur": keys / "assesseur-1.cle"},
            page,
        )  # fmt: skip


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a gunicorn master and its workers), from /proc."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return tree


@contextmanager
def station(tmp_path: Path, package: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A prepared, running polling station for ``package`` (its ``release_key`` is set here)."""
    publisher = nacl.signing.SigningKey.generate()
    (tmp_path / "editeur.key").write_text(bytes(publisher).hex())
    package = package | {"release_key": public_key_hex(publisher)}
    (tmp_path / "paquet.json").write_text(json.dumps(package))
    (tmp_path / "codes.json").write_text(json.dumps(CODES))
    done = run("machine", "prepare", "paquet.json", "--interne", "interne", "--amovible",
               "amovible", "--cles", "cles", "--codes", "codes.json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = run("machine", "release-manifest", "manifeste.json", "--cle-editeur", "editeur.key",
               "--version", "essai", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    terminals = range(1, int(package.get("terminals", 1)) + 1)
    ports = [free_port() for _ in range(len(terminals) + 1)]
    control_url = f"http://127.0.0.1:{ports[0]}"
    control = ["machine", "control", "--interne", "interne", "--amovible", "amovible",
               "--port", str(ports[0]), "--manifeste", "manifeste.json"]  # fmt: skip
    procs = [start(control, tmp_path, tmp_path / "controle.log")]

    def terminal_args(n: int, port: int) -> list[str]:
        return ["machine", "terminal", "--numero", str(n), "--cle-liaison", "interne/link.key",
                "--port", str(port), "--controle", control_url]  # fmt: skip

    def power_cut_control(
        while_off: Callable[[], None] | None = None, *, terminals_too: bool = False
    ) -> None:
        """SIGKILL every process of the control module at once, as a power cut would, then
        start it again on the same supports (RT 57, 68, 69); ``while_off`` runs in between
        (a damaged medium). With ``terminals_too`` the voter terminals lose power as well and
        start again on the same computers (same ports)."""
        cut = [0, *terminals] if terminals_too else [0]
        for i in cut:
            kill_group(procs[i])
        if while_off is not None:
            while_off()
        procs[0] = start(control, tmp_path, tmp_path / "controle.log")
        wait_up(control_url + "/", procs[0])
        for n in cut[1:]:
            procs[n] = start(terminal_args(n, ports[n]), tmp_path, tmp_path / f"terminal{n}.log")
            wait_up(f"http://127.0.0.1:{ports[n]}/", procs[n])

    for n in terminals:
        procs.append(start(terminal_args(n, ports[n]), tmp_path, tmp_path / f"terminal{n}.log"))

    def replace_terminal(n: int) -> str:
        """Terminal ``n`` breaks down (every process killed) and a spare computer takes its
        place with the same number, on another port; returns the new terminal's address."""
        kill_group(procs[n])
        port = ports[n] = free_port()
        procs[n] = start(terminal_args(n, port), tmp_path, tmp_path / f"terminal{n}-bis.log")
        wait_up(f"http://127.0.0.1:{port}/", procs[n])
        return f"http://127.0.0.1:{port}"

    try:
        for proc, port in zip(procs, ports, strict=True):
            wait_up(f"http://127.0.0.1:{port}/", proc)
        yield {"dir": tmp_path, "control": control_url, "pids": [p.pid for p in procs],
               "power_cut_control": power_cut_control, "replace_terminal": replace_terminal,
               "terminals": {n: f"http://127.0.0.1:{ports[n]}" for n in terminals}}  # fmt: skip
    finally:
        stop(procs)


def open_with_keys(page: Any, station: dict[str, Any], button: str) -> None:
    keys = station["dir"] / "cles"
    page.set_input_files("input[name=cle_president]", str(keys / "president.cle"))
    page.fill("input[name=code_president]", CODES["president"])
    page.set_input_files("input[name=cle_assesseur]", str(keys / "assesseur-1.cle"))
    page.fill("input[name=code_assesseur]", CODES["assesseur-1"])
    submit(page, f"button:has-text('{button}')")
