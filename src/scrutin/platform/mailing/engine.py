"""The send loop of a campaign (CCTP 5.2.3): pages of queued messages, one elector at a time.

For each elector the composer is called inside a transaction that also marks the elector's rows
``sending`` (and commits its side effects, e.g. a new credential); the messages are then handed
to SMTP/SMS and each row is marked ``sent``, ``refused`` (+ a :class:`Bounce`) or put back
``queued`` with a backoff (temporary failure) until ``SCRUTIN_MAIL_MAX_ATTEMPTS``.

Only one loop runs a campaign at a time (a lock in the cache, i.e. Redis, renewed while it
works). A loop that starts finds the rows a crashed one left ``sending``: they may have left, so
they are counted sent "à confirmer" and never resent, unless the kind registered
``resend_uncertain`` (docs/mailing.md, "Resuming after a crash"). Rates per channel
(``SCRUTIN_MAIL_RATE``, ``SCRUTIN_SMS_RATE`` messages per second, 0 = no limit) are counted in
the cache, hence across every worker.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import jobs
from ..audit.journal import record_event
from ..electoral.models import Elector
from .composers import Outgoing, Registered, registered
from .models import Bounce, Campaign, Message
from .outcome import Outcome
from .sms import SmsBackend, get_backend
from .smtp import SmtpSender, new_message_id

KIND = "mailing:campaign"
PAGE = 500
S = Message.Status


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


@dataclass
class Result:
    """``finished``, or ``wait`` seconds before the next retry is due, or ``busy`` (another
    loop holds the campaign)."""

    finished: bool = False
    wait: float = 0.0
    busy: bool = False


class Lock:
    def __init__(self, campaign_id: int) -> None:
        self.key = f"mailing:campaign:{campaign_id}:lock"
        self.token = uuid.uuid4().hex
        self.ttl = int(_setting("SCRUTIN_MAIL_LOCK_SECONDS", 60))

    def acquire(self) -> bool:
        return bool(cache.add(self.key, self.token, self.ttl))

    def renew(self) -> None:
        if cache.get(self.key) == self.token:
            cache.touch(self.key, self.ttl)
        elif not cache.add(self.key, self.token, self.ttl):
            raise RuntimeError("campaign lock lost to another worker")

    def release(self) -> None:
        if cache.get(self.key) == self.token:
            cache.delete(self.key)


def throttle(channel: str) -> None:
    """Wait until this message fits in the channel's rate (a counter per second in the cache)."""
    rate = int(_setting("SCRUTIN_SMS_RATE" if channel == "sms" else "SCRUTIN_MAIL_RATE", 0))
    if rate <= 0:
        return
    while True:
        now = time.time()
        key = f"mailing:rate:{channel}:{int(now)}"
        cache.add(key, 0, 5)
        try:
            if cache.incr(key) <= rate:
                return
        except ValueError:  # expired between add and incr
            continue
        time.sleep(max(0.0, int(now) + 1 - now))


def backoff(attempts: int) -> timedelta:
    base = _setting("SCRUTIN_MAIL_RETRY_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


class Loop:
    def __init__(self, campaign: Campaign, reg: Registered) -> None:
        self.campaign, self.reg = campaign, reg
        self.max_attempts = int(_setting("SCRUTIN_MAIL_MAX_ATTEMPTS", 5))
        self.smtp: SmtpSender | None = None
        self.sms: SmsBackend | None = None
        self.counts: Counter[str] = Counter()
        self.report = jobs.progress_reporter(KIND, campaign.pk)

    # -- hand-over -------------------------------------------------------------------------
    def hand_over(self, row: Message, outgoing: Outgoing) -> Outcome:
        throttle(outgoing.channel)
        if outgoing.channel == Message.Channel.SMS:
            self.sms = self.sms or get_backend()
            return self.sms.send(outgoing.to, outgoing.text)
        self.smtp = self.smtp or SmtpSender()
        return self.smtp.send(outgoing, message_pk=row.pk, message_id=row.message_id)

    # -- one elector -----------------------------------------------------------------------
    def _rows_of(self, number: str, page_rows: list[Message]) -> tuple[list[Message], set[str]]:
        """The elector's queued rows and the channels already handed over in this campaign."""
        if all(r.attempts == 0 for r in page_rows):
            return page_rows, set()  # first visit: the engine has made no other row yet
        rows = list(Message.objects.filter(campaign=self.campaign, elector_number=number))
        done = {r.channel for r in rows if r.status not in (S.QUEUED, S.FAILED)}
        return [r for r in rows if r.status == S.QUEUED], done

    def _fail(self, rows: list[Message], why: str) -> None:
        Message.objects.filter(pk__in=[r.pk for r in rows]).update(status=S.FAILED, last_error=why)
        self.counts["failed"] += len(rows)

    def elector(self, number: str, page_rows: list[Message], elector: Elector | None) -> None:
        with transaction.atomic():
            queued, done = self._rows_of(number, page_rows)
            if not queued:
                return
            if elector is None:
                return self._fail(queued, "L'électeur n'est plus sur la liste électorale.")
            pairs: list[tuple[Message, Outgoing]] = []
            free = list(queued)
            for outgoing in self.reg.compose(self.campaign, elector):
                if outgoing.channel in done:
                    continue
                row = next((r for r in free if r.channel == outgoing.channel), None)
                if row is None:
                    row = Message.objects.create(campaign=self.campaign, elector_number=number,
                                                 channel=outgoing.channel, address=outgoing.to)  # fmt: skip
                    self.counts["extra"] += 1
                else:
                    free.remove(row)
                row.address, row.status, row.attempts = (
                    outgoing.to[:255],
                    S.SENDING,
                    row.attempts + 1,
                )
                if outgoing.channel == Message.Channel.EMAIL:
                    row.message_id = new_message_id(row.pk)
                row.save(update_fields=["address", "status", "attempts", "message_id"])
                pairs.append((row, outgoing))
            if free:
                self._fail(free, "Aucune adresse pour ce canal : rien n'a été envoyé.")
        for row, outgoing in pairs:  # committed: the rows say "sending" before anything leaves
            self.record(row, self.hand_over(row, outgoing))

    def record(self, row: Message, outcome: Outcome) -> None:
        now = timezone.now()
        if outcome.sent:
            Message.objects.filter(pk=row.pk).update(status=S.SENT, sent_at=now, last_error="",
                                                     provider_id=outcome.reference)  # fmt: skip
            self.counts["sent"] += 1
        elif outcome.permanent:
            with transaction.atomic():
                Message.objects.filter(pk=row.pk).update(
                    status=S.REFUSED, last_error=outcome.diagnostic[:500]
                )
                if row.channel == Message.Channel.EMAIL:
                    Bounce.objects.create(cci_code=self.campaign.cci_code, elector_number=row.elector_number,
                                          address=row.address, source=Bounce.Source.SMTP,
                                          diagnostic=outcome.diagnostic[:500],
                                          status_code=str(outcome.code or ""), message=row, received_at=now)  # fmt: skip
            self.counts["refused"] += 1
        elif row.attempts >= self.max_attempts:
            Message.objects.filter(pk=row.pk).update(
                status=S.FAILED, last_error=outcome.diagnostic[:500]
            )
            self.counts["failed"] += 1
        else:
            Message.objects.filter(pk=row.pk).update(status=S.QUEUED, last_error=outcome.diagnostic[:500],
                                                     not_before=now + backoff(row.attempts))  # fmt: skip

    # -- the campaign ----------------------------------------------------------------------
    def recover(self) -> None:
        """Rows a crashed loop left ``sending`` (see the module docstring)."""
        left = Message.objects.filter(campaign=self.campaign, status=S.SENDING)
        if self.reg.resend_uncertain:
            left.update(status=S.QUEUED, last_error="Envoi interrompu : le message est renvoyé.")
            return
        n = left.update(status=S.SENT, uncertain=True, sent_at=timezone.now(),
                        last_error="Envoi interrompu par un incident : remise à confirmer.")  # fmt: skip
        self.counts["uncertain"] += n

    def flush(self, lock: Lock) -> None:
        fields = {
            k: F(k) + v
            for k, v in self.counts.items()
            if k in ("sent", "refused", "failed", "uncertain")
        }
        total = F("total") + self.counts["extra"] if self.counts["extra"] else F("total")
        Campaign.objects.filter(pk=self.campaign.pk).update(
            heartbeat_at=timezone.now(), total=total, **fields
        )
        self.counts.clear()
        lock.renew()
        self.campaign.refresh_from_db()
        c = self.campaign
        self.report(c.sent + c.refused + c.failed + c.uncertain, c.total)

    def one_pass(self, lock: Lock) -> None:
        last = 0
        while True:
            now = timezone.now()
            page = list(
                Message.objects.filter(campaign=self.campaign, status=S.QUEUED, id__gt=last)
                .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
                .order_by("id")[:PAGE]
            )
            if not page:
                return
            last = page[-1].pk
            by_number: dict[str, list[Message]] = {}
            for row in page:
                by_number.setdefault(row.elector_number, []).append(row)
            electors = Elector.objects.select_related("urn", "urn__cci").in_bulk(list(by_number))
            for number, rows in by_number.items():
                self.elector(number, rows, electors.get(number))
            self.flush(lock)

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()


def run(campaign_id: int) -> Result:
    """Send what is queued now; resumable at any point (see the module docstring)."""
    lock = Lock(campaign_id)
    if not lock.acquire():
        return Result(busy=True)
    try:
        campaign = Campaign.objects.get(pk=campaign_id)
        if campaign.done:
            return Result(finished=True)
        loop = Loop(campaign, registered(campaign.kind))
        Campaign.objects.filter(pk=campaign_id).update(
            status=Campaign.Status.RUNNING, started_at=campaign.started_at or timezone.now(),
            heartbeat_at=timezone.now(),
        )  # fmt: skip
        try:
            loop.recover()
            if (
                campaign.started_at is not None
            ):  # a resume: the lost loop's counters were not flushed
                recount(campaign_id)
                loop.counts.clear()
            loop.one_pass(lock)
        except Exception as exc:
            loop.flush(lock)
            _finish(campaign_id, Campaign.Status.FAILED, f"Échec technique : {type(exc).__name__}.")
            raise
        finally:
            loop.close()
        loop.flush(lock)
        queued = Message.objects.filter(campaign_id=campaign_id, status=S.QUEUED)
        first = queued.order_by(F("not_before").asc(nulls_first=True)).only("not_before").first()
        if first is not None:
            due = first.not_before
            return Result(wait=max((due - timezone.now()).total_seconds(), 0.0) if due else 0.0)
        _finish(campaign_id, Campaign.Status.DONE, "")
        return Result(finished=True)
    finally:
        lock.release()


def _finish(campaign_id: int, status: str, message: str) -> None:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        campaign.status, campaign.message, campaign.finished_at = status, message, timezone.now()
        campaign.save(update_fields=["status", "message", "finished_at"])
        record_event("mailing:campaign:send-complete", actor=campaign.created_by,
                     cci_code=campaign.cci_code, data={
                         "campaign": campaign.pk, "kind": campaign.kind,
                         "outcome": "done" if status == Campaign.Status.DONE else "failed",
                         "sent": campaign.sent, "refused": campaign.refused,
                         "failed": campaign.failed, "uncertain": campaign.uncertain})  # fmt: skip
    jobs.mark_finished(KIND, campaign_id)


def recount(campaign_id: int) -> None:
    """Counters recomputed from the rows (after a crash the in-memory ones were lost)."""
    rows = Message.objects.filter(campaign_id=campaign_id).values_list("status", "uncertain")
    c: Counter[str] = Counter()
    for status, uncertain in rows.iterator(chunk_size=5000):
        c["uncertain" if uncertain else status] += 1
    Campaign.objects.filter(pk=campaign_id).update(
        sent=c[S.SENT] + c[S.BOUNCED] + c[S.DELIVERED], refused=c[S.REFUSED], failed=c[S.FAILED],
        uncertain=c["uncertain"], total=sum(c.values()),
    )  # fmt: skip


def read_progress(campaign_id: int) -> int:
    return jobs.read_progress(KIND, campaign_id)
