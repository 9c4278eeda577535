"""Django settings, read from the environment.

Environment variables (all optional; the embedded default is SQLite under ``var/``):

- ``SCRUTIN_DATABASE_URL``: electors/administration database (``default`` alias).
- ``SCRUTIN_BALLOTBOX_DATABASE_URL``: ballot-box database (``ballotbox`` alias); never the same database.
- ``SCRUTIN_TEST_DATABASE_URL``: when set, the test suite runs on this PostgreSQL server; the
  ballot box then uses the same server with ``_ballotbox`` appended to the database name.
- ``SCRUTIN_REDIS_URL``: Redis for throttling, cache and the Celery broker.
- ``SCRUTIN_SECRET_KEY``, ``SCRUTIN_DEBUG``, ``SCRUTIN_HOSTS`` (comma-separated allowed hosts),
  ``SCRUTIN_VAR_DIR`` (where SQLite files, uploads and generated keys go).
- ``SCRUTIN_ENVIRONMENT``: ``production`` (default) or ``test`` (scrutin.platform.environment);
  ``SCRUTIN_TEST_RECIPIENTS``: a test instance's allow-list of e-mail and SMS recipients.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parents[2]
VAR_DIR = Path(os.environ.get("SCRUTIN_VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in ``var/secret_key``."""
    key = os.environ.get("SCRUTIN_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _environment() -> str:
    """``production`` (default) or ``test`` (CCTP 5.1.1.4); anything else stops the start."""
    value = os.environ.get("SCRUTIN_ENVIRONMENT", "production").strip().lower() or "production"
    if value not in ("production", "test"):
        raise ImproperlyConfigured(
            f"SCRUTIN_ENVIRONMENT={value!r} : valeur inconnue. Indiquez « production » (par "
            "défaut) ou « test » (environnement de recette, de démonstration et de formation)."
        )
    return value


# Production or test instance (docs/fr/environnement-de-test.md): a test instance shows a banner
# on every page, mails and texts only the allow-list (comma-separated addresses, @domain
# suffixes, phone numbers) or a sink, and marks every document it signs.
SCRUTIN_ENVIRONMENT = _environment()
SCRUTIN_TEST_RECIPIENTS = os.environ.get("SCRUTIN_TEST_RECIPIENTS", "")

DEBUG = _env_bool("SCRUTIN_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("SCRUTIN_HOSTS", "localhost,127.0.0.1").split(",") if h]

TIME_ZONE = "Europe/Paris"
USE_TZ = True
LANGUAGE_CODE = "fr"
USE_I18N = True


def _database(url: str, *, conn_max_age: int = 60) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    if config["ENGINE"].endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    return config


def _databases() -> dict[str, dict[str, Any]]:
    test_url = os.environ.get("SCRUTIN_TEST_DATABASE_URL")
    if test_url:
        default = _database(test_url)
        ballotbox = dict(default)
        ballotbox["NAME"] = f"{default['NAME']}_ballotbox"
        ballotbox["TEST"] = {"NAME": f"test_{default['NAME']}_ballotbox"}
        default["TEST"] = {"NAME": f"test_{default['NAME']}"}
        return {"default": default, "ballotbox": ballotbox}
    return {
        "default": _database(
            os.environ.get("SCRUTIN_DATABASE_URL", f"sqlite:///{VAR_DIR / 'scrutin.sqlite3'}")
        ),
        "ballotbox": _database(
            os.environ.get(
                "SCRUTIN_BALLOTBOX_DATABASE_URL", f"sqlite:///{VAR_DIR / 'ballotbox.sqlite3'}"
            )
        ),
    }


DATABASES = _databases()
DATABASE_ROUTERS = ["scrutin.platform.routers.BallotBoxRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("SCRUTIN_REDIS_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # embedded demo: long jobs run in-process
CELERY_TIMEZONE = TIME_ZONE

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "scrutin.platform.accounts",
    "scrutin.platform.audit",
    "scrutin.platform.electoral",
    "scrutin.platform.candidates",
    "scrutin.platform.credentials",
    "scrutin.platform.voting",
    "scrutin.platform.control",
    "scrutin.platform.ceremony",
    "scrutin.platform.sealing",
    "scrutin.platform.tally",
    "scrutin.platform.documents",
    "scrutin.platform.material",
    "scrutin.platform.ballotbox",
    "scrutin.platform.mailing",
    "scrutin.platform.resend",
    "scrutin.platform.board",
    "scrutin.platform.support",
    "scrutin.platform.monitoring",
]

MIDDLEWARE = [
    "scrutin.platform.monitoring.metrics.LatencyMiddleware",  # first: times the whole stack
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "scrutin.platform.limits.RequestSizeMiddleware",  # before anything reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scrutin.platform.audit.context.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "scrutin.platform.accounts.middleware.ContentSecurityPolicyMiddleware",
    "scrutin.platform.accounts.middleware.IdleTimeoutMiddleware",
    "scrutin.platform.accounts.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "scrutin.platform.urls"
WSGI_APPLICATION = "scrutin.platform.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scrutin.platform.audit.context_processors.banners",
                "scrutin.platform.environment.context",
            ]
        },
    }
]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# Request sizes (docs/ops.md): form fields held in memory, files above 2 MB streamed to disk,
# and a cap per endpoint checked before the body is read (scrutin.platform.limits).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
SCRUTIN_MAX_REQUEST_BYTES = int(
    os.environ.get("SCRUTIN_MAX_REQUEST_BYTES", str(2 * 1024**3 + 1024**2))
)
SCRUTIN_BALLOT_MAX_BYTES = int(os.environ.get("SCRUTIN_BALLOT_MAX_BYTES", str(1024 * 1024)))
SCRUTIN_PROFESSION_MAX_BYTES = int(
    os.environ.get("SCRUTIN_PROFESSION_MAX_BYTES", str(5 * 1024 * 1024))
)
# Imports (issue 19): findings kept per kind (the others are counted), blocking findings after
# which reading stops (0: read to the end), days an imported file is kept (refused: deleted).
SCRUTIN_IMPORT_FINDINGS_PER_KIND = int(os.environ.get("SCRUTIN_IMPORT_FINDINGS_PER_KIND", "100"))
SCRUTIN_IMPORT_MAX_BLOCKING = int(os.environ.get("SCRUTIN_IMPORT_MAX_BLOCKING", "10000"))
SCRUTIN_IMPORT_RETENTION_DAYS = int(os.environ.get("SCRUTIN_IMPORT_RETENTION_DAYS", "30"))

LOGIN_URL = "/gestion/connexion/"
LOGIN_REDIRECT_URL = "/gestion/"
LOGOUT_REDIRECT_URL = "/gestion/connexion/"

# Accounts (CCTP 4.1.4.7; docs/permissions.md): lockout counters in the cache (Redis when
# configured), strict passwords, second factor, idle timeout, CSP.
AUTHENTICATION_BACKENDS = ["scrutin.platform.accounts.backends.LockoutBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]  # fmt: skip
SCRUTIN_LOGIN_MAX_FAILURES = int(os.environ.get("SCRUTIN_LOGIN_MAX_FAILURES", "5"))
SCRUTIN_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("SCRUTIN_LOGIN_MAX_FAILURES_PER_IP", "30"))
SCRUTIN_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("SCRUTIN_LOGIN_LOCKOUT_SECONDS", "900"))
SCRUTIN_LOGIN_MIN_SECONDS = float(os.environ.get("SCRUTIN_LOGIN_MIN_SECONDS", "1.0"))
# The client's address (scrutin.platform.clientaddress): the proxy's header is believed only
# from these proxies' addresses or networks (comma separated; "unix" for a Unix socket).
SCRUTIN_TRUSTED_PROXIES = os.environ.get("SCRUTIN_TRUSTED_PROXIES", "")
# Health and metrics (docs/ops.md, "Health and metrics"; issue 18, CCTP 4.2.2.3)
SCRUTIN_METRICS_ALLOWED = os.environ.get("SCRUTIN_METRICS_ALLOWED", "127.0.0.1,::1")
SCRUTIN_READINESS_TIMEOUT = float(os.environ.get("SCRUTIN_READINESS_TIMEOUT", "2"))
SCRUTIN_INCIDENT_INTERVAL_MINUTES = int(os.environ.get("SCRUTIN_INCIDENT_INTERVAL_MINUTES", "30"))
SCRUTIN_TRUSTED_PROXY_HEADER = os.environ.get("SCRUTIN_TRUSTED_PROXY_HEADER", "X-Forwarded-For")
# Voters' login throttle (voting/throttle.py, voting/proofofwork.py; docs/voting.md).
SCRUTIN_VOTER_MAX_FAILURES = int(os.environ.get("SCRUTIN_VOTER_MAX_FAILURES", "5"))
SCRUTIN_VOTER_LOCK_SECONDS = int(os.environ.get("SCRUTIN_VOTER_LOCK_SECONDS", "900"))
SCRUTIN_VOTER_SOURCE_FREE_FAILURES = int(os.environ.get("SCRUTIN_VOTER_SOURCE_FREE_FAILURES", "20"))
SCRUTIN_VOTER_POW_BITS = int(os.environ.get("SCRUTIN_VOTER_POW_BITS", "16"))
SCRUTIN_VOTER_POW_MAX_BITS = int(os.environ.get("SCRUTIN_VOTER_POW_MAX_BITS", "20"))
SCRUTIN_VOTER_POW_SECONDS = int(os.environ.get("SCRUTIN_VOTER_POW_SECONDS", "900"))
SCRUTIN_VOTER_MAIL_PER_RECEIPT = int(os.environ.get("SCRUTIN_VOTER_MAIL_PER_RECEIPT", "3"))
SCRUTIN_VOTER_MAIL_PER_SOURCE = int(os.environ.get("SCRUTIN_VOTER_MAIL_PER_SOURCE", "60"))
# Resend of the voting material (docs/resend.md): identity document cap, abuse bounds.
SCRUTIN_RESEND_DOCUMENT_MAX_BYTES = int(
    os.environ.get("SCRUTIN_RESEND_DOCUMENT_MAX_BYTES", str(5 * 1024**2))
)
SCRUTIN_RESEND_POW_BITS = int(os.environ.get("SCRUTIN_RESEND_POW_BITS", "16"))
SCRUTIN_RESEND_PER_SOURCE = int(os.environ.get("SCRUTIN_RESEND_PER_SOURCE", "20"))  # per hour
SCRUTIN_RESEND_PER_NUMBER = int(os.environ.get("SCRUTIN_RESEND_PER_NUMBER", "3"))  # pending
SCRUTIN_RESEND_MAX_PENDING = int(os.environ.get("SCRUTIN_RESEND_MAX_PENDING", "50000"))
SCRUTIN_IDLE_TIMEOUT = int(os.environ.get("SCRUTIN_IDLE_TIMEOUT", "900"))  # seconds
SCRUTIN_IDLE_WARNING = 120  # the warning shows this many seconds before the timeout
# Absolute lifetime of a management session from its sign-in, whatever the activity.
SCRUTIN_SESSION_MAX_SECONDS = int(os.environ.get("SCRUTIN_SESSION_MAX_SECONDS", str(10 * 3600)))
# Voters (voting/session.py): idle limit, and absolute limit from the sign-in; cookie ends
# with the browser.
SCRUTIN_VOTER_SESSION_SECONDS = int(os.environ.get("SCRUTIN_VOTER_SESSION_SECONDS", "1200"))
SCRUTIN_VOTER_SESSION_MAX_SECONDS = int(os.environ.get("SCRUTIN_VOTER_SESSION_MAX_SECONDS", "3600"))
SCRUTIN_WEBAUTHN_RP_ID = os.environ.get("SCRUTIN_WEBAUTHN_RP_ID", "")
SCRUTIN_WEBAUTHN_ORIGIN = os.environ.get("SCRUTIN_WEBAUTHN_ORIGIN", "")
SCRUTIN_SITE_URL = os.environ.get("SCRUTIN_SITE_URL", "http://localhost:8000")

# Secure session settings; HTTPS-only cookies unless explicitly running the local demo over HTTP.
SESSION_ENGINE = "scrutin.platform.sessionstore"  # Django's db store, lighter (issue 15)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Server-side lifetime of a stored session after its last write; the limits that count are
# SCRUTIN_SESSION_MAX_SECONDS / SCRUTIN_IDLE_TIMEOUT (management) and SCRUTIN_VOTER_SESSION_*.
SESSION_COOKIE_AGE = SCRUTIN_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # no Max-Age/Expires: the cookie ends with the browser
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SCRUTIN_HTTPS", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE and _env_bool("SCRUTIN_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = 63072000 if SESSION_COOKIE_SECURE else 0  # two years, HTTPS only
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if _env_bool("SCRUTIN_BEHIND_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


# --- credentials (issue 5): pepper of the voters' secret codes, kept outside the database -------
def _credential_pepper() -> str:
    """HMAC key of the stored code hashes: ``SCRUTIN_CREDENTIAL_PEPPER``, else generated once in
    ``var/credential_pepper`` (mode 0600). Changing it invalidates every credential."""
    pepper = os.environ.get("SCRUTIN_CREDENTIAL_PEPPER")
    if pepper:
        return pepper
    path = VAR_DIR / "credential_pepper"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()


SCRUTIN_CREDENTIAL_PEPPER = _credential_pepper()
# --- end credentials ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SCRUTIN_LOG_LEVEL", "WARNING")},
}

# E-mail (activation links, receipts on request, provider-access notifications, campaigns):
# SMTP from the environment; without an SMTP host, ``SCRUTIN_MAIL_DIR`` (relative to VAR_DIR)
# makes a local mailbox of .eml files (``make demo``: var/demo/courriels), else a DEBUG run
# prints the mails on the console.
SCRUTIN_MAIL_DIR = os.environ.get("SCRUTIN_MAIL_DIR", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("SCRUTIN_SMTP_HOST") or not (DEBUG or SCRUTIN_MAIL_DIR)
    else "scrutin.platform.mailing.outbox.EmailBackend"
    if SCRUTIN_MAIL_DIR
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("SCRUTIN_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SCRUTIN_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SCRUTIN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SCRUTIN_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("SCRUTIN_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("SCRUTIN_FROM_EMAIL", "elections@localhost")
if SCRUTIN_ENVIRONMENT == "test":  # every e-mail goes through the guard (mailing/testguard.py)
    SCRUTIN_TEST_EMAIL_BACKEND = EMAIL_BACKEND
    EMAIL_BACKEND = "scrutin.platform.mailing.testguard.EmailBackend"

# Campaigns of e-mails and SMS to electors (docs/mailing.md): rates per channel in messages per
# second (0 = no limit, counted in Redis across workers), retries of temporary failures, the
# envelope sender that delivery-status notifications come back to, and where they are read.
SCRUTIN_MAIL_RATE = float(os.environ.get("SCRUTIN_MAIL_RATE", "100"))
SCRUTIN_SMS_RATE = float(os.environ.get("SCRUTIN_SMS_RATE", "10"))
SCRUTIN_MAIL_MAX_ATTEMPTS = int(os.environ.get("SCRUTIN_MAIL_MAX_ATTEMPTS", "5"))
SCRUTIN_MAIL_RETRY_SECONDS = float(os.environ.get("SCRUTIN_MAIL_RETRY_SECONDS", "60"))
SCRUTIN_MAIL_LOCK_SECONDS = int(os.environ.get("SCRUTIN_MAIL_LOCK_SECONDS", "60"))
SCRUTIN_BOUNCE_ADDRESS = os.environ.get("SCRUTIN_BOUNCE_ADDRESS", "bounces@localhost")
SCRUTIN_BOUNCE_MAILDIR = os.environ.get("SCRUTIN_BOUNCE_MAILDIR", "")
SCRUTIN_BOUNCE_IMAP_URL = os.environ.get("SCRUTIN_BOUNCE_IMAP_URL", "")
SCRUTIN_SMS_BACKEND = os.environ.get("SCRUTIN_SMS_BACKEND", "file")
SCRUTIN_SMS_URL = os.environ.get("SCRUTIN_SMS_URL", "")
SCRUTIN_SMS_TOKEN = os.environ.get("SCRUTIN_SMS_TOKEN", "")
SCRUTIN_SMS_SENDER = os.environ.get("SCRUTIN_SMS_SENDER", "")
# --- support (CCTP 5.1.3.2.3; docs/support.md) -------------------------------------------------
# The national support line shown on every voting-site page before sign-in (after it: the
# elector's urn's phone, e-mail and message from the structure file, these as fallback).
SCRUTIN_SUPPORT_PHONE = os.environ.get("SCRUTIN_SUPPORT_PHONE", "09 70 00 00 00")
SCRUTIN_SUPPORT_EMAIL = os.environ.get("SCRUTIN_SUPPORT_EMAIL", "assistance@elections-cci.test")
SCRUTIN_SUPPORT_MESSAGE = os.environ.get(
    "SCRUTIN_SUPPORT_MESSAGE",
    "Appel non surtaxé. Assistance joignable 24 heures sur 24 et 7 jours sur 7 pendant le vote.",
)
# --- end support -------------------------------------------------------------------------------
