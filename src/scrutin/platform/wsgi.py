"""WSGI entry point for gunicorn: ``gunicorn scrutin.platform.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")
application = get_wsgi_application()
