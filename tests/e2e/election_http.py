"""A plain HTTP client playing one person's web browser against the live server, and the
``scrutin`` command run as on that person's own computer (a separate process).

The client keeps its cookies like a browser: the site's cookies are ``Secure`` (HTTPS only), and
like Chromium it sends them to the loopback host, a trustworthy origin even over plain HTTP.
Every POST is a form read first: its CSRF token comes from the page, as a browser submits it.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

LOOPBACK = {"localhost", "127.0.0.1", "[::1]"}


class _LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Browsers treat http://localhost as a secure context and send ``Secure`` cookies to it."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        host = urllib.parse.urlsplit(request.get_full_url()).hostname or ""
        return host in LOOPBACK or bool(super().return_ok_secure(cookie, request))


class _Page(HTMLParser):
    """The parts of a page a person acts on: links, form fields, select options, messages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.inputs: list[dict[str, str]] = []
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.forms: list[dict[str, str]] = []
        self._select: str | None = None
        self._option: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(a)
        elif tag == "input":
            self.inputs.append(a | {"form": str(len(self.forms) - 1)})
        elif tag == "select":
            self._select = a.get("name", "")
            self.options[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option, self._text = a.get("value", ""), []

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select is not None and self._option is not None:
            self.options[self._select].append((self._option, "".join(self._text).strip()))
            self._option = None
        elif tag == "select":
            self._select = None


@dataclass
class Response:
    status: int
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def page(self) -> _Page:
        parser = _Page()
        parser.feed(self.text)
        return parser

    def links(self, containing: str) -> list[str]:
        return [href for href in self.page().links if containing in href]

    def csrf(self) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        assert found, f"no form with a CSRF token on {self.url}"
        return found.group(1)

    def options(self, name: str) -> dict[str, str]:
        """``{label: value}`` of a select (or of the checkboxes) named ``name``."""
        page = self.page()
        if name in page.options:
            return {label: value for value, label in page.options[name] if value}
        labels = dict(re.findall(r'<label for="([^"]+)">(.*?)</label>', self.text, re.S))
        return {
            unescape(re.sub(r"<[^>]+>", "", labels.get(i.get("id", ""), ""))).strip(): i["value"]
            for i in page.inputs
            if i.get("name") == name
        }

    def json_script(self, element_id: str) -> Any:
        found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                          self.text, re.S)  # fmt: skip
        assert found, f"no JSON script {element_id} on {self.url}"
        return json.loads(found.group(1))

    def messages(self) -> list[str]:
        """The texts of the page's flash messages and alerts."""
        found = re.findall(r'class="[^"]*(?:msg|alert)[^"]*"[^>]*>(.*?)</(?:p|div|li)>',
                           self.text, re.S)  # fmt: skip
        return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found]


def _multipart(fields: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{item}\r\n").encode()  # fmt: skip
    for name, (filename, data) in files.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()  # fmt: skip
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One person's browser on the site: its own cookie jar, follows redirects like a browser
    (a POST answered by 302 becomes a GET)."""

    def __init__(self, base_url: str) -> None:
        assert base_url.startswith("http://"), base_url  # the live server, nothing else
        self.base = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar(policy=_LoopbackIsSecure())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _url(self, path: str) -> str:
        """Links of the site are absolute paths; a full URL must be the site's own."""
        url = path if path.startswith("http") else self.base + path
        assert url.startswith(self.base + "/"), url
        return url

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=120) as r:
                return Response(r.status, r.geturl(), r.read(), dict(r.headers.items()))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.geturl(), exc.read(), dict(exc.headers.items()))

    def get(self, path: str) -> Response:
        return self._open(urllib.request.Request(self._url(path)))  # noqa: S310 - _url checks it

    def post(self, path: str, fields: dict[str, Any], files: dict[str, tuple[str, bytes]] | None = None,
             *, csrf: str, referer: str | None = None) -> Response:  # fmt: skip
        data = {"csrfmiddlewaretoken": csrf, **fields}
        if files:
            body, content_type = _multipart(data, files)
        else:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, "Referer": referer or self._url(path)}
        request = urllib.request.Request(self._url(path), body, headers, method="POST")  # noqa: S310
        return self._open(request)

    def submit(self, page: str, fields: dict[str, Any], files: dict[str, tuple[str, bytes]] | None = None,
               *, action: str | None = None) -> Response:  # fmt: skip
        """GET the page holding the form, read its CSRF token, POST the form (to ``action``)."""
        form = self.get(page)
        assert form.status == 200, (page, form.status, form.text[:500])
        return self.post(action or page, fields, files, csrf=form.csrf(), referer=form.url)


def scrutin(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The ``scrutin`` command in its own process, as run on a person's own computer; Argon2id
    at its interactive cost (``SCRUTIN_KDF=interactive``) to keep the test short."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTIN_")}
    env |= {"SCRUTIN_KDF": "interactive", "SCRUTIN_VAR_DIR": str(cwd / ".scrutin")}
    result = subprocess.run([sys.executable, "-m", "scrutin.cli.main", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result
