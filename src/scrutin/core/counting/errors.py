"""The one exception the counting library raises for bad input."""

from __future__ import annotations


class CountingInputError(ValueError):
    """The figures or rules given to the counting library are inconsistent.

    The message is in French: it is shown as is to the commission or the operator who typed the
    figures, who must be able to correct them from it alone.
    """
