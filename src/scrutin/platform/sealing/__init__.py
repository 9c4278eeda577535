"""Scellements et clôture."""
