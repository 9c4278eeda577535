"""Django settings of the voting machine's processes (design machine.md): the control module or a
voter terminal, chosen by ``SCRUTIN_MACHINE_ROLE``. No database, no e-mail, no cache server, no
outgoing connection; bound to 127.0.0.1 by the ``scrutin machine`` commands (RT 73).

Environment (set by ``scrutin machine control`` / ``scrutin machine terminal``):

* ``SCRUTIN_MACHINE_ROLE``: ``control``, ``terminal`` or ``preparation`` (the town hall's form);
* ``SCRUTIN_MACHINE_INTERNAL``, ``SCRUTIN_MACHINE_REMOVABLE``: the two storage roots (control);
* ``SCRUTIN_MACHINE_LINK_KEY``: the link key file (both);
* ``SCRUTIN_MACHINE_CONTROL_URL``, ``SCRUTIN_MACHINE_TERMINAL``: where the control module
  listens and this terminal's number (terminal).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
ROLE = os.environ.get("SCRUTIN_MACHINE_ROLE", "control")
ROLES = {"control": "control", "terminal": "terminal", "preparation": "preparation"}
if ROLE not in ROLES:
    raise RuntimeError(
        "SCRUTIN_MACHINE_ROLE : « control », « terminal » ou « preparation » attendu."
    )

SECRET_KEY = os.environ.get("SCRUTIN_MACHINE_SECRET_KEY") or secrets.token_hex(32)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "Europe/Paris"
LANGUAGE_CODE = "fr-fr"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    f"scrutin.machine.{ROLES[ROLE]}",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = f"scrutin.machine.{ROLE}.urls"
WSGI_APPLICATION = "scrutin.machine.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 200_000
# The parts share 127.0.0.1 (cookies ignore the port): one cookie name per process.
CSRF_COOKIE_NAME = "jeton_" + ROLE + os.environ.get("SCRUTIN_MACHINE_TERMINAL", "")
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = (
    "same-origin"  # "no-referrer" makes Chromium send Origin: null, refused by CSRF
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

MACHINE_INTERNAL = os.environ.get("SCRUTIN_MACHINE_INTERNAL", "")
MACHINE_REMOVABLE = os.environ.get("SCRUTIN_MACHINE_REMOVABLE", "")
MACHINE_LINK_KEY = os.environ.get("SCRUTIN_MACHINE_LINK_KEY", "")
MACHINE_CONTROL_URL = os.environ.get("SCRUTIN_MACHINE_CONTROL_URL", "http://127.0.0.1:8700")
MACHINE_TERMINAL = int(os.environ.get("SCRUTIN_MACHINE_TERMINAL", "1"))
MACHINE_RELEASE_MANIFEST = os.environ.get("SCRUTIN_MACHINE_RELEASE_MANIFEST", "")
