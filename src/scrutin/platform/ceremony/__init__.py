"""Cérémonie des clés."""
