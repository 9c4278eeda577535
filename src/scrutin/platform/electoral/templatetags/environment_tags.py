"""``{% test_banner %}``: « ENVIRONNEMENT DE TEST » at the top of every page of a test instance
(CCTP 5.1.1.4; scrutin.platform.environment). A tag rather than a context variable, so that the
error pages, rendered without the request's context processors, show it too."""

from __future__ import annotations

from typing import Any

from django import template

from ...environment import is_test

register = template.Library()


@register.inclusion_tag("electoral/test_banner.html")
def test_banner() -> dict[str, Any]:
    return {"shown": is_test()}


@register.simple_tag
def test_title() -> str:
    """« [TEST] » before a page title on a test instance (tabs and history show it too)."""
    return "[TEST] " if is_test() else ""
