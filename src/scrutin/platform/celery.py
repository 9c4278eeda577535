"""The Celery application: long jobs (imports, mailings, PDFs, tally) run on workers.

Start a worker with ``celery -A scrutin.platform worker``. Without ``SCRUTIN_REDIS_URL`` (the
embedded demo) tasks run in the web process instead (see ``electoral.tasks.dispatch``).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scrutin.platform.settings")

app = Celery("scrutin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Daily housekeeping run by ``celery -A scrutin.platform beat``: refused uploads and imported
# ones past ``SCRUTIN_IMPORT_RETENTION_DAYS`` are deleted (docs/fr/import-electeurs.md).
app.conf.beat_schedule = {
    "purge-uploads": {"task": "electoral.purge_uploads", "schedule": 24 * 3600},
    # campaigns a dead worker left, and the bounce mailbox (docs/mailing.md)
    "mailing-resume": {"task": "mailing.resume_stale", "schedule": 60},
    "mailing-collect-bounces": {"task": "mailing.collect_bounces", "schedule": 300},
}
