"""Browser helpers without Django: the machine's station harness runs outside pytest too."""

from __future__ import annotations

from typing import Any


def submit(page: Any, selector: str) -> None:
    """Click what submits a form or follows a link, and wait for the new page.

    A bare ``click`` returns before the next document has loaded, so a check
    right after it may read the old page (or an empty one mid-navigation)."""
    with page.expect_navigation():
        page.click(selector)
