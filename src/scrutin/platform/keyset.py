"""Keyset pagination for long lists (electors, émargements): a page is fetched by comparing the
list's unique sort key with the key of the last row shown (``?apres=``) or of the first
(``?avant=``), or from the end (``?fin=1``), with an index range scan of the page's rows only.
The last page costs what the first does; offset pagination reads and drops every row before
the page (1.2 s for the last page of a 245,000-elector list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

PARAMS = ("apres", "avant", "fin")
MAX_KEY = 64


@dataclass
class Page:
    rows: list[Any]
    first_key: str | None = None  # set when a page comes before this one
    last_key: str | None = None  # set when a page comes after this one
    query: dict[str, str] = field(default_factory=dict)  # the other parameters (a search)

    def _link(self, **param: str) -> str:
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in self.query.items() if v})
        params.update(param)
        return "?" + params.urlencode()

    @property
    def has_other_pages(self) -> bool:
        return self.first_key is not None or self.last_key is not None

    @property
    def first_link(self) -> str:
        return self._link()

    @property
    def previous_link(self) -> str:
        return self._link(avant=self.first_key or "")

    @property
    def next_link(self) -> str:
        return self._link(apres=self.last_key or "")

    @property
    def last_link(self) -> str:
        return self._link(fin="1")


def paginate(rows: QuerySet[Any], key: str, params: QueryDict, size: int, *,
             key_of: Callable[[Any], str] | None = None, keep: tuple[str, ...] = (),
             lead: tuple[str, ...] = ()) -> Page:  # fmt: skip
    """One page of ``rows`` ordered by the unique ``key``; ``params`` is the request's query
    string (``apres``, ``avant``, ``fin``, and the parameters named in ``keep``). ``lead`` names
    the columns ``rows`` is filtered on by equality that lead an index on (…, ``key``): put in
    the ORDER BY, they make PostgreSQL read that index's range instead of scanning the primary
    key and filtering. Give column names (``urn_id``): a relation's name (``urn``) would order
    by the related model's ordering, through a join no index serves."""
    read = key_of or (lambda row: str(getattr(row, key)))
    after = params.get("apres", "")[:MAX_KEY]
    before = params.get("avant", "")[:MAX_KEY]
    query = {name: params.get(name, "") for name in keep}
    if before or params.get("fin"):
        backwards = rows.filter(**{f"{key}__lt": before}) if before else rows
        found = list(backwards.order_by(*(f"-{f}" for f in (*lead, key)))[: size + 1])
        more = len(found) > size
        page = found[:size][::-1]
        return Page(page, read(page[0]) if more and page else None,
                    read(page[-1]) if before and page else None, query)  # fmt: skip
    forwards = rows.filter(**{f"{key}__gt": after}) if after else rows
    found = list(forwards.order_by(*lead, key)[: size + 1])
    more = len(found) > size
    page = found[:size]
    return Page(page, read(page[0]) if after and page else None,
                read(page[-1]) if more else None, query)  # fmt: skip
