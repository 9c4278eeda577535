"""``{% support_footer %}``: the support line at the foot of every voting-site page."""

from __future__ import annotations

from typing import Any

from django import template

from ..contact import for_request, national

register = template.Library()


@register.inclusion_tag("support/footer.html", takes_context=True)
def support_footer(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    return {"line": for_request(request) if request is not None else national()}
