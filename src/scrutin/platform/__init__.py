"""Django platform for CCI internet voting."""
