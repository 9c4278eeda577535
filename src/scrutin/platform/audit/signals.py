"""Journaling of other apps' actions without touching their code: Django signals connected in
:meth:`AuditConfig.ready` (docs/journal.md, "who emits what")."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_init, post_save
from django.http import HttpRequest

from ..clientaddress import client_address
from .journal import record_event

FINAL_STATUSES = {"accepted", "rejected", "failed"}
OPERATOR_PERMISSION = "accounts.operate_platform"


def _single_cci(user: Any) -> str | None:
    """The CCI of a one-CCI perimeter, so that this CCI's COE reads its managers' sign-ins."""
    from ..accounts.perimeters import perimeter_of

    perimeter = perimeter_of(user)
    if perimeter is not None and not perimeter.national and len(perimeter.cci_codes) == 1:
        return str(perimeter.cci_codes[0])
    return None


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_event("accounts:user:login", actor=user, cci_code=_single_cci(user),
                 data={"ip": client_address(request)})  # fmt: skip
    if user.has_perm(OPERATOR_PERMISSION):
        from .services import notify_operator_access

        notify_operator_access(user, request)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """The identifier of an existing account is journaled; an unknown one only as a SHA-256
    prefix, since people sometimes type their password in the identifier field."""
    from django.contrib.auth.models import User

    typed = str(credentials.get("username", ""))[:254]
    user = User.objects.filter(username=typed).first() if typed else None
    data: dict[str, Any] = {"ip": client_address(request)}
    if user is not None:
        data["username"] = user.username
    else:
        data["unknown_username_sha256"] = hashlib.sha256(typed.encode()).hexdigest()[:16]
    record_event("accounts:user:login-failed", cci_code=_single_cci(user) if user else None,
                 data=data)  # fmt: skip


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event("accounts:user:logout", actor=user, cci_code=_single_cci(user), data={})


def remember_status(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._audit_status = instance.status


def on_import_run(sender: Any, instance: Any, created: bool, raw: bool = False,
                  **kwargs: Any) -> None:  # fmt: skip
    if raw:
        return
    source = "structure" if instance.kind == "structure" else "electors"
    common = {"run": instance.pk, "file": instance.filename}
    actor = instance.created_by if instance.created_by_id else None
    if created:
        record_event(f"{source}:file:import-init", actor=actor, cci_code=instance.cci_id,
                     data=common)  # fmt: skip
    if instance.status in FINAL_STATUSES and (created or instance._audit_status != instance.status):
        summary = {"outcome": instance.status, "sha256": instance.sha256, "rows": instance.rows,
                   "blocking": instance.blocking, "warnings": instance.warnings}  # fmt: skip
        record_event(f"{source}:file:import-complete", actor=actor, cci_code=instance.cci_id,
                     data=common | summary)  # fmt: skip
    instance._audit_status = instance.status


def on_elector_change(sender: Any, instance: Any, created: bool, raw: bool = False,
                      **kwargs: Any) -> None:  # fmt: skip
    if raw or not created:
        return
    from ..electoral.models import Urn

    snapshot = instance.after or instance.before or {}
    urn_pk = snapshot.get("urn") if isinstance(snapshot, dict) else None
    urn = Urn.objects.filter(pk=urn_pk).values_list("code", flat=True).first() if urn_pk else None
    record_event(
        f"electors:elector:{instance.action}",
        actor=instance.created_by if instance.created_by_id else None,
        cci_code=instance.cci_id,
        urn_code=urn,
        data={"change": instance.pk, "number": instance.number, "authority": instance.authority,
              "reference": instance.reference, "reason": instance.reason},
    )  # fmt: skip


def _candidature_event(subject: str, action: str, instance: Any) -> None:
    question = instance.groupement.question if subject == "profession" and instance.groupement_id else (
        instance.candidate.question if subject == "profession" else instance.question)  # fmt: skip
    data: dict[str, Any] = {"id": instance.pk, "question_kind": question.kind}
    name = getattr(instance, "name", "") or (
        f"{instance.first_name} {instance.last_name}" if subject == "candidate" else getattr(instance, "filename", ""))  # fmt: skip
    if name:
        data["name"] = name
    if subject == "profession":
        data["sha256"] = instance.sha256
    record_event(f"candidates:{subject}:{action}", cci_code=question.urn.cci_id, urn_code=question.urn.code,
                 data=data)  # fmt: skip


def on_candidature_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        _candidature_event(SUBJECTS[sender.__name__], "create" if created else "update", instance)


def on_candidature_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _candidature_event(SUBJECTS[sender.__name__], "delete", instance)


SUBJECTS = {"Groupement": "groupement", "Candidate": "candidate", "ProfessionDeFoi": "profession"}


def on_generation_run(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A single line's code regenerated (lost or stolen letter): who, when, why."""
    if raw or instance.mode != "one" or instance.status != "done":
        return
    record_event("credentials:elector:regenerate", actor=instance.created_by if instance.created_by_id else None,
                 cci_code=instance.cci_code, data={"run": instance.pk, "number": instance.elector_number,
                                                   "reason": instance.reason})  # fmt: skip


def connect() -> None:
    from django.db.models.signals import pre_delete

    from ..candidates.models import Candidate, Groupement, ProfessionDeFoi
    from ..credentials.models import GenerationRun
    from ..electoral.models import ElectorChange, ImportRun

    for model in (Groupement, Candidate, ProfessionDeFoi):
        post_save.connect(
            on_candidature_saved, sender=model, dispatch_uid=f"audit.{model.__name__}.save"
        )
        pre_delete.connect(
            on_candidature_deleted, sender=model, dispatch_uid=f"audit.{model.__name__}.delete"
        )
    post_save.connect(on_generation_run, sender=GenerationRun, dispatch_uid="audit.generation_run")

    user_logged_in.connect(on_login, dispatch_uid="audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="audit.logout")
    post_init.connect(remember_status, sender=ImportRun, dispatch_uid="audit.import_init")
    post_save.connect(on_import_run, sender=ImportRun, dispatch_uid="audit.import_run")
    post_save.connect(on_elector_change, sender=ElectorChange, dispatch_uid="audit.elector_change")
