"""Incidents that stop voting are journaled and reported to the project committee (CCTP
4.2.2.3: « Tout incident, empêchant l'utilisation de la plate-forme de vote électronique, est
tracé et remonté au Comité de projet »).

An incident comes from the readiness probe (a database does not answer) or from the operator
or the monitoring system (``scrutin ops incident --cause …``: leader lost, all web nodes down).

Recording must not need the database that is down. An incident is first appended, as one JSON
line, to a spool file on the node's local disk (``SCRUTIN_VAR_DIR/incidents/spool.jsonl``), which
needs neither PostgreSQL nor Redis; the spool is then flushed into the journal — with the e-mail
to the national accounts — at once if the databases answer, else by the next readiness probe
that finds them back. A local file rather than a Redis list: Redis may be what failed, and a
line on disk survives a restart of the node.

No spam: one incident per cause per ``SCRUTIN_INCIDENT_INTERVAL_MINUTES`` (a Redis key through
the cache, shared by every web node; a node-local marker file if Redis is down too).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

log = logging.getLogger(__name__)
EVENT = "platform:incident:record"
CAUSES = {
    "database": "base de données injoignable",
    "leader-lost": "plus de serveur PostgreSQL principal (leader perdu)",
    "web-down": "aucun serveur web ne répond",
    "redis": "Redis injoignable",
    "other": "autre incident empêchant le vote",
}


def spool_dir() -> Path:
    path = Path(settings.VAR_DIR) / "incidents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def interval_seconds() -> int:
    return 60 * int(getattr(settings, "SCRUTIN_INCIDENT_INTERVAL_MINUTES", 30))


def _first_of_interval(cause: str) -> bool:
    """True once per cause per interval, across the nodes (Redis), else per node (file)."""
    try:
        return bool(cache.add(f"scrutin:incident:{cause}", "1", timeout=interval_seconds()))
    except Exception:  # Redis down: fall back to a marker on this node
        marker = spool_dir() / f"last-{cause}"
        try:
            if time.time() - marker.stat().st_mtime < interval_seconds():
                return False
        except FileNotFoundError:
            pass
        marker.touch()
        return True


@dataclass(frozen=True)
class Incident:
    cause: str
    detail: str
    source: str
    node: str
    detected_at: str

    def data(self) -> dict[str, str]:
        return {"cause": self.cause, "detail": self.detail, "source": self.source,
                "node": self.node, "detected_at": self.detected_at}  # fmt: skip


def report(cause: str, detail: str = "", *, source: str, force: bool = False) -> bool:
    """Spool an incident (unless one of this cause was reported within the interval, or
    ``force``) and try to flush the spool. True if it was spooled."""
    if cause not in CAUSES:
        raise ValueError(f"unknown incident cause {cause!r}")
    if not force and not _first_of_interval(cause):
        return False
    incident = Incident(cause, detail[:500], source, socket.gethostname()[:100],
                        timezone.now().isoformat(timespec="seconds"))  # fmt: skip
    line = json.dumps(incident.data(), ensure_ascii=False) + "\n"
    fd = os.open(spool_dir() / "spool.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    log.error("incident spooled: %s (%s)", cause, detail)
    flush()
    return True


def flush() -> int:
    """Journal and notify every spooled incident; what fails stays spooled. Returns how many
    were journaled."""
    spool = spool_dir() / "spool.jsonl"
    if not spool.exists():
        return 0
    claimed = spool.with_name(f"flushing-{os.getpid()}-{time.monotonic_ns()}.jsonl")
    try:
        spool.rename(claimed)  # one process owns these lines; new incidents go to a new spool
    except FileNotFoundError:
        return 0
    lines = [json.loads(x) for x in claimed.read_text(encoding="utf-8").splitlines() if x]
    done = 0
    for index, data in enumerate(lines):
        try:
            _journal_and_notify(Incident(**data))
        except Exception:  # database still down: put the rest back
            log.warning("incident flush deferred: the journal is not reachable", exc_info=True)
            rest = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines[index:])
            with spool.open("a", encoding="utf-8") as fh:
                fh.write(rest)
            break
        done += 1
    claimed.unlink()
    return done


def national_recipients() -> list[str]:
    """The national accounts that read the journal (CCI France: the project committee)."""
    from ..accounts.perimeters import is_national
    from ..audit.services import journal_readers

    return sorted({u.email for u in journal_readers() if u.email and is_national(u)})


def _journal_and_notify(incident: Incident) -> None:
    from ..audit.journal import record_event

    entry = record_event(EVENT, data=incident.data())
    recipients = national_recipients()
    if not recipients:
        return
    when = paris(incident.detected_at)
    body = (
        "Bonjour,\n\n"
        f"Un incident empêchant l'utilisation de la plate-forme de vote a été détecté le {when} "
        f"(heure de Paris) : {CAUSES[incident.cause]}.\n"
        f"Détail : {incident.detail or 'aucun'}.\nServeur : {incident.node}.\n\n"
        f"Il est inscrit au journal (entrée n° {entry.sequence}), consultable dans le site de "
        "gestion, rubrique « Journal ».\n\n"
        "Ce message est envoyé automatiquement au comité de projet (CCTP 4.2.2.3).\n"
    )
    subject = "[Scrutin] Incident empêchant le vote"
    messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
    try:
        get_connection(fail_silently=False).send_messages(messages)
    except (smtplib.SMTPException, OSError):
        log.exception("incident notification could not be e-mailed (journal entry %s)",
                      entry.sequence)  # fmt: skip


def paris(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Paris"))
    return f"{moment:%d/%m/%Y à %H:%M:%S}"
