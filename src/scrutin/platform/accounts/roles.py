"""The roles of the management site and their permissions (CCTP 4.1.4.7, 4.2.2.1).

A role is a Django group named after its GROUPE code of the managers file (annex 7.1.4,
10 characters at most). Permissions are referenced as ``app_label.codename``; some belong to
apps built in parallel (candidates, credentials, audit), so :func:`setup_roles` grants those
that exist and reports the others — running it again after their migrations completes the
groups (idempotent). The matrix is documented in docs/permissions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ELECTORAL_READ = ("electoral.view_cci", "electoral.view_urn", "electoral.view_elector")
# The control interface (participation, émargement) of the COE, during the vote (CCTP 4.2.2.1).
CONTROL_COE = ("control.view_participation", "control.view_emargements")


@dataclass(frozen=True)
class Role:
    code: str  # the GROUPE value of annex 7.1.4 and the Django group name
    label: str
    permissions: tuple[str, ...]
    read_only: bool = False
    aliases: tuple[str, ...] = field(default=())


ROLES: tuple[Role, ...] = (
    Role("ADMIN", "Administrateur national CCI France", (
        "accounts.manage_accounts", "electoral.manage_electoral_data", *ELECTORAL_READ,
        "candidates.manage_candidates", "candidates.unseal_candidatures",
        "credentials.manage_credentials", *CONTROL_COE, "control.suspend_voting",
        "control.view_usage", "audit.view_journal", "ceremony.organise_ceremony",
        "sealing.seal_urns", "sealing.seal_platform", "sealing.close_urns", "tally.run_tally",
        "tally.view_results", "tally.export_results", "mailing.manage_campaigns",
        "resend.route_resend",
        "material.manage_dispatch", "material.approve_national_bat",
        "support.assist_electors", "support.export_contacts",
    ), aliases=("ADMINISTRA", "CCIFRANCE")),
    Role("PRESCOE", "Président de COE", (
        *ELECTORAL_READ, "candidates.manage_candidates", *CONTROL_COE,
        "control.suspend_voting", "audit.view_journal", "accounts.hold_key",
        "ceremony.organise_ceremony", "sealing.seal_urns", "sealing.close_urns",
        "tally.run_tally", "tally.view_results", "mailing.manage_campaigns",
        "resend.decide_resend",
        "material.manage_dispatch",
    ), aliases=("PRESIDENT",)),
    Role("COE", "Membre ou assesseur de COE", (
        *ELECTORAL_READ, *CONTROL_COE, "audit.view_journal", "accounts.hold_key",
        "tally.view_results", "mailing.manage_campaigns", "resend.decide_resend",
    ), aliases=("ASSESSEUR",)),
    Role("CELE", "Membre de CELE", ("electoral.manage_electoral_data", *ELECTORAL_READ)),
    Role("OBSERV", "Observateur (préfecture, commission technique nationale)", (
        *ELECTORAL_READ, "control.view_participation", "audit.view_journal",
        "tally.view_results",
    ), read_only=True, aliases=("OBSERVATEU", "PREFECTURE")),
    Role("OPERATEUR", "Opérateur du prestataire", ("accounts.operate_platform",),
         aliases=("PRESTATAIR",)),
    Role("SUPPORT", "Agent de support (niveaux 1 et 2)", ("accounts.handle_resend_requests",
                                                          "support.assist_electors")),
    Role("CLE", "Détenteur de clé", ("accounts.hold_key",), aliases=("DETENTEUR",)),
)  # fmt: skip

_BY_CODE = {name: role for role in ROLES for name in (role.code, *role.aliases)}


def role_for(groupe: str) -> Role | None:
    """The role of a GROUPE value (case and spaces ignored), or ``None``."""
    return _BY_CODE.get("".join(groupe.split()).upper())


def _permission(dotted: str) -> Permission | None:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


@transaction.atomic
def setup_roles() -> dict[str, list[str]]:
    """Create or update one group per role with exactly its permissions that exist.

    Returns, per role code, the permissions not found (apps not migrated yet). A permission
    removed from :data:`ROLES` is removed from the group: the groups mirror this module.
    """
    missing: dict[str, list[str]] = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.code)
        found = []
        for dotted in role.permissions:
            perm = _permission(dotted)
            if perm is None:
                missing.setdefault(role.code, []).append(dotted)
            else:
                found.append(perm)
        group.permissions.set(found)
    return missing
