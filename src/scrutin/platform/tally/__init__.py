"""Dépouillement et résultats."""
