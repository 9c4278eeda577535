"""WSGI entry point of a machine process (``gunicorn scrutin.machine.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.machine.settings")
application = get_wsgi_application()
