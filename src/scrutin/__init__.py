"""Scrutin: verifiable election platform (CCI internet voting) and polling-station voting machine."""

__version__ = "0.1.0"
