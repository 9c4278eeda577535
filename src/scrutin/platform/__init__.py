"""Django platform for CCI internet voting."""

from .celery import app as celery_app

__all__ = ["celery_app"]
