"""Firefox (Gecko) and WebKit for the e2e suite, besides Playwright's Chromium (CCTP 4.2.4.1).

Both are Debian's own builds, driven by maintained clients that download nothing:

* **Firefox ESR** (``/usr/bin/firefox-esr``) by ``puppeteer-core`` (npm) over WebDriver BiDi,
  the protocol Firefox speaks itself (no geckodriver): ``firefox_bridge.mjs`` runs it and
  answers one JSON request per line.
* **WebKitGTK** (``MiniBrowser`` of ``libwebkit2gtk-4.1-0``) by Selenium (PyPI) through
  Debian's ``WebKitWebDriver`` (package ``webkit2gtk-driver``), in an ``Xvfb`` display of its
  own (WebKitGTK has no headless mode).

Each :class:`Engine` is one person's browser (its own cookies). Selectors are CSS, or XPath when
they start with ``//``. A missing browser, driver or display is an error, never a skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

REPO = Path(__file__).resolve().parents[2]
FIREFOX = os.environ.get("SCRUTIN_FIREFOX", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("SCRUTIN_WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get(
    "SCRUTIN_MINIBROWSER", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)
ENGINES = ("firefox", "webkit")


class Engine(Protocol):
    name: str

    def goto(self, url: str) -> None: ...
    def cookie(self, url: str, name: str, value: str) -> None: ...
    def fill(self, selector: str, text: str) -> None: ...
    def click(self, selector: str) -> None: ...
    def submit(self, selector: str) -> None:
        """Click a control that loads a new page, and wait for that page."""

    def upload(self, selector: str, path: Path) -> None: ...
    def text(self, selector: str) -> str: ...
    def wait_text(self, selector: str, wanted: str, timeout: float = 60) -> str: ...
    def evaluate(self, expression: str) -> Any: ...
    def close(self) -> None: ...


class FirefoxBridge:
    """The Node process holding Firefox (one for the whole test session)."""

    def __init__(self) -> None:
        for path in (FIREFOX, REPO / "node_modules" / "puppeteer-core"):
            if not Path(path).exists():
                raise RuntimeError(f"{path} is missing: run scripts/install-system.sh and npm ci")
        self.proc = subprocess.Popen(
            ["node", str(Path(__file__).with_name("firefox_bridge.mjs"))],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "SCRUTIN_FIREFOX": FIREFOX},
        )  # fmt: skip
        self.last = 0
        assert self._answer(0) == "ready"

    def _answer(self, wanted: int) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"Firefox bridge ended (exit {self.proc.wait(timeout=30)})")
        answer = json.loads(line)
        assert answer["id"] == wanted, answer
        if not answer["ok"]:
            raise RuntimeError(f"Firefox: {answer['error']}")
        return answer["value"]

    def call(self, op: str, ctx: int | None, *args: Any) -> Any:
        assert self.proc.stdin is not None
        self.last += 1
        request = {"id": self.last, "op": op, "ctx": ctx, "args": list(args)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._answer(self.last)

    def close(self) -> None:
        self.proc.communicate(timeout=60)  # end of input: the bridge closes Firefox and exits


class Firefox:
    name = "firefox"

    def __init__(self, bridge: FirefoxBridge) -> None:
        self.bridge = bridge
        self.ctx: int | None = bridge.call("newContext", None)

    def _do(self, op: str, *args: Any) -> Any:
        return self.bridge.call(op, self.ctx, *args)

    def goto(self, url: str) -> None:
        self._do("goto", url)

    def cookie(self, url: str, name: str, value: str) -> None:
        self._do("cookie", url, name, value)

    def fill(self, selector: str, text: str) -> None:
        self._do("fill", selector, text)

    def click(self, selector: str) -> None:
        self._do("click", selector)

    def submit(self, selector: str) -> None:
        self._do("submit", selector)

    def upload(self, selector: str, path: Path) -> None:
        self._do("upload", selector, str(path))

    def text(self, selector: str) -> str:
        return str(self._do("text", selector))

    def wait_text(self, selector: str, wanted: str, timeout: float = 60) -> str:
        return str(self._do("waitText", selector, wanted, int(timeout * 1000)))

    def evaluate(self, expression: str) -> Any:
        return self._do("evaluate", expression)

    def close(self) -> None:
        if self.ctx is not None:
            ctx, self.ctx = self.ctx, None
            self.bridge.call("closeContext", ctx)


class Display:
    """An Xvfb display of its own for WebKitGTK (the number is chosen by Xvfb itself)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,), stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError(f"Xvfb did not start (exit {self.proc.wait(timeout=30)})")
        self.name = f":{number}"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class WebKit:
    name = "webkit"

    def __init__(self, display: Display) -> None:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        for path in (WEBKIT_DRIVER, MINIBROWSER):
            if not Path(path).exists():
                raise RuntimeError(f"{path} is missing: run scripts/install-system.sh")
        options = Options()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        service = Service(executable_path=WEBKIT_DRIVER, env={**os.environ, "DISPLAY": display.name,
                                                              "LANGUAGE": "fr_FR", "LANG": "fr_FR.UTF-8"})  # fmt: skip
        with warnings.catch_warnings():
            # Selenium's own WebKitGTK class still builds its connection the deprecated way
            warnings.filterwarnings("ignore", "setting remote_server_addr", DeprecationWarning)
            self.driver = webdriver.WebKitGTK(options=options, service=service)
        self.closed = False
        self.driver.set_window_size(1280, 900)

    def _find(self, selector: str, timeout: float = 30) -> Any:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.wait import WebDriverWait

        by = By.XPATH if selector.startswith("//") else By.CSS_SELECTOR
        return WebDriverWait(self.driver, timeout).until(
            ec.presence_of_element_located((by, selector))
        )

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def cookie(self, url: str, name: str, value: str) -> None:
        self.driver.get(url)  # WebDriver sets cookies for the current document's site
        self.driver.add_cookie({"name": name, "value": value, "path": "/"})

    def fill(self, selector: str, text: str) -> None:
        element = self._find(selector)
        element.clear()
        element.send_keys(text)

    def click(self, selector: str) -> None:
        self._find(selector).click()

    def submit(self, selector: str) -> None:
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.wait import WebDriverWait

        old = self._find("html")
        self._find(selector).click()
        # the ballot is encrypted (or the proof of work finished) before the form leaves
        WebDriverWait(self.driver, 180).until(ec.staleness_of(old))
        WebDriverWait(self.driver, 180).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    def upload(self, selector: str, path: Path) -> None:
        self._find(selector).send_keys(str(path))

    def text(self, selector: str) -> str:
        return str(self._find(selector).text)

    def wait_text(self, selector: str, wanted: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        seen = None
        while True:
            try:
                element = self._find(selector, timeout=1)
                seen = element.text if element.is_displayed() else None
            except Exception:
                seen = None
            if seen is not None and wanted in seen:
                return str(seen)
            if time.monotonic() > end:
                raise AssertionError(f"{selector}: « {wanted} » not seen in {timeout} s ({seen})")
            time.sleep(0.2)

    def evaluate(self, expression: str) -> Any:
        return self.driver.execute_script(f"return ({expression});")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.driver.quit()


class Engines:
    """Opens browsers on demand: each Firefox one is a context of one Firefox process, each WebKit
    one a MiniBrowser of its own in one Xvfb display."""

    def __init__(self) -> None:
        self._bridge: FirefoxBridge | None = None
        self._display: Display | None = None
        self.opened: list[Engine] = []

    def open(self, name: str) -> Engine:
        engine: Engine
        if name == "firefox":
            self._bridge = self._bridge or FirefoxBridge()
            engine = Firefox(self._bridge)
        elif name == "webkit":
            self._display = self._display or Display()
            engine = WebKit(self._display)
        else:
            raise ValueError(name)
        self.opened.append(engine)
        return engine

    def close(self) -> None:
        while self.opened:
            self.opened.pop().close()
        if self._bridge:
            self._bridge.close()
        if self._display:
            self._display.close()


def open_engines() -> Iterator[Engines]:
    engines = Engines()
    try:
        yield engines
    finally:
        engines.close()
