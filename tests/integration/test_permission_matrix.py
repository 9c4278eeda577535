"""The permission matrix (CCTP 4.1.4.7; issue 8): every URL of the project × every role, each
with a perimeter of one CCI, on its own CCI's data and on another CCI's. The expectations are
read from the table of docs/permissions.md, so the documentation and the code cannot drift."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from scrutin.platform.accounts.models import Perimeter
from scrutin.platform.accounts.roles import ROLES, setup_roles
from scrutin.platform.candidates.models import Candidate, Groupement, ProfessionDeFoi
from scrutin.platform.credentials.models import GenerationRun, RecipientKey
from scrutin.platform.documents.models import DocumentJob
from scrutin.platform.electoral.models import ImportRun, Question, Urn

from .accounts.world import World, build_world, make_user

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROW = re.compile(r"^\| `([\w:-]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$")


@dataclass(frozen=True)
class Rule:
    name: str
    allowed: int | None
    permissions: tuple[str, ...]
    scope: str  # public, signed-in, all, national, cci
    other: int | None


def documented() -> dict[str, Rule]:
    rules = {}
    for line in DOC.read_text().splitlines():
        if m := ROW.match(line.strip()):
            name, allowed, perms, scope, other = (g.strip() for g in m.groups())
            rules[name] = Rule(
                name,
                int(allowed) if allowed.isdigit() else None,
                tuple(p.strip(" `") for p in perms.split("+")) if perms != "—" else (),
                scope,
                int(other) if other.isdigit() else None,
            )
    return rules


def url_names(patterns: list[Any] | None = None, namespace: str = "") -> Iterator[str]:
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = (
                f"{namespace}:{p.namespace}"
                if namespace and p.namespace
                else (p.namespace or namespace)
            )
            yield from url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}:{p.name}" if namespace else str(p.name)


def test_cctp_4_1_4_7_every_url_of_the_project_is_in_the_documented_matrix() -> None:
    names = set(url_names())
    rules = documented()
    assert len(rules) > 40
    assert sorted(names - rules.keys()) == [], "undocumented URLs: add them to docs/permissions.md"
    assert sorted(rules.keys() - names) == [], "docs/permissions.md lists URLs that do not exist"
    assert all(r.scope in {"public", "signed-in", "all", "national", "cci"} for r in rules.values())


# The data of both CCIs ---------------------------------------------------------------------


@dataclass
class Data:
    code: str
    urn: str
    elector: str
    run: int
    groupement: int
    grouped: int
    individual: int
    profession: uuid.UUID
    account: int
    credentials_run: int
    document: int  # a finished émargement PDF job (documents)
    candidates_run: int  # a finished candidatures import
    markers: tuple[str, ...]  # strings that identify this CCI's data in a page


def _pdf(tmp_path: Path, name: str) -> Path:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "Profession de foi")
    page.save()
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _side(tmp_path: Path, code: str, elector: str, run: int, markers: tuple[str, ...]) -> Data:
    urn = Urn.objects.filter(cci_id=code).order_by("code").first()
    assert urn is not None
    question = Question.objects.filter(urn=urn).order_by("pk").first()
    assert question is not None
    group = Groupement.objects.create(question=question, name=f"Groupement {code}", registration=1)
    person = {"civility": "Mme", "first_name": "Lucie", "birth_date": date(1970, 1, 1)}
    grouped = Candidate.objects.create(question=question, groupement=group, position=1,
                                       last_name=f"GROUPE{code}", **person)  # fmt: skip
    alone = Candidate.objects.create(question=question, registration=2,
                                     last_name=f"SEULE{code}", **person)  # fmt: skip
    pdf = _pdf(tmp_path, f"pf-{code}.pdf")
    doc = ProfessionDeFoi.objects.create(
        candidate=alone, path=str(pdf), filename="pf.pdf", size=pdf.stat().st_size, pages=1,
        sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
    )  # fmt: skip
    account = User.objects.create_user(f"cible-{code}@cci.test", email=f"cible-{code}@cci.test",
                                       is_active=False)  # fmt: skip
    Perimeter.objects.create(user=account, cci_codes=[code])
    export = tmp_path / f"export-{code}.bin"
    export.write_bytes(b"sealed export " + code.encode())
    recipient = RecipientKey.objects.create(label=f"Opérateur {code}", public_key=bytes(32),
                                            fingerprint=hashlib.sha256(code.encode()).hexdigest())  # fmt: skip
    generation = GenerationRun.objects.create(
        cci_code=code, mode=GenerationRun.Mode.NEW, status=GenerationRun.Status.DONE,
        recipient=recipient, export_path=str(export),
    )  # fmt: skip
    pdf_job = DocumentJob.objects.create(kind=DocumentJob.Kind.EMARGEMENT, urn=urn, path=str(pdf),
                                         status=DocumentJob.Status.DONE)  # fmt: skip
    candidates_run = ImportRun.objects.create(
        kind=ImportRun.Kind.CANDIDATES, cci_id=code, filename="candidatures.csv",
        path=str(tmp_path / f"candidatures-{code}.csv"), status=ImportRun.Status.ACCEPTED,
    )  # fmt: skip
    return Data(code, urn.code, elector, run, group.pk, grouped.pk, alone.pk, doc.public_id,
                account.pk, generation.pk, pdf_job.pk, candidates_run.pk,
                (*markers, elector, account.username, f"SEULE{code}"))  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> tuple[Data, Data]:
    world: World = build_world(tmp_path)
    setup_roles()
    own = _side(tmp_path, "011", world.own.elector, world.own.run, ("CCI de l'Ain",))
    other = _side(tmp_path, "974", world.other.elector, world.other.run,
                  ("CCI de La Réunion", "974-C"))  # fmt: skip
    return own, other


def _resend_request(d: Data) -> int:
    """A pending resend request of this CCI's elector, with an encrypted identity document."""
    from scrutin.platform.resend import storage
    from scrutin.platform.resend.models import IdentityDocument, ResendRequest

    request, created = ResendRequest.objects.get_or_create(
        number=d.elector, defaults={"cci_code": d.code, "origin": "elector", "family_name": "X"}
    )
    if created:
        png = _png()
        sealed = storage.seal(png, str(request.public_id), "png")
        IdentityDocument.objects.create(request=request, kind="png", size=len(png),
                                        key_id=sealed.key_id, sealed=sealed.blob)  # fmt: skip
    return request.pk


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def kwargs_for(name: str, d: Data) -> dict[str, Any]:
    urn_routes = {"urn", "groupement-add", "candidate-add", "ballots", "electors", "document",
                  "seal", "unseal"}  # fmt: skip
    app, _, view = name.partition(":")
    if app == "resend" and view not in ("list", "national", "start"):
        return {"pk": _resend_request(d)}
    if app == "tally" and view not in ("index", "export"):
        return {"code": d.urn, "ballot": "ccit"} if view == "minutes" else {"code": d.urn}
    if app == "ceremony" and view not in ("index", "mine"):
        # No ceremony exists in this world: the holders' pages answer 404 (not designated).
        extra = {"name": "ceremony.json"} if view == "file" else {}
        return {"code": d.urn} if view == "decrypt" else {"code": d.code, **extra}
    if app == "candidates":
        if view in urn_routes:
            return {"code": d.urn}
        return {
            "import": {"code": d.code},
            "import-run": {"code": d.code, "pk": d.candidates_run},
            "import-progress": {"code": d.code, "pk": d.candidates_run},
            "printout": {"code": d.urn, "what": "candidatures"},
            "candidate-move": {"pk": d.grouped, "direction": "monter"},
        }.get(view) or (
            {"pk": d.groupement} if view.startswith("groupement-")
            else {"pk": d.individual} if view.startswith("candidate-")
            else {"public_id": d.profession} if view.startswith("profession")
            else {}
        )  # fmt: skip
    return {
        "accounts:resend": {"pk": d.account},
        "accounts:activate": {"uidb64": "MQ", "token": "jeton-invalide"},
        "electoral:upload": {"kind": "electors"},
        "electoral:run": {"pk": d.run},
        "electoral:run-progress": {"pk": d.run},
        "electoral:run-report-csv": {"pk": d.run},
        "electoral:control": {"code": d.code},
        "electoral:control-file": {"code": d.code, "fmt": "pdf"},
        "electoral:electors": {"code": d.code},
        "electoral:elector-add": {"code": d.code},
        "electoral:elector-correct": {"number": d.elector},
        "electoral:elector-remove": {"number": d.elector},
        "electoral:logo": {"code": d.code},
        "voting:logo": {"code": d.code},
        "control:emargement": {"code": d.urn},
        "control:emargement-file": {"code": d.urn, "fmt": "csv"},
        "sealing:close": {"code": d.urn},
        "sealing:emargements": {"code": d.urn},
        "seals:platform": {"sequence": 1},
        "seals:unseal": {"sequence": 1},
        "seals:urn": {"code": d.urn},
        "seals:closing": {"code": d.urn},
        "credentials:generate": {"code": d.code},
        "credentials:regenerate": {"code": d.code},
        "credentials:run": {"pk": d.credentials_run},
        "credentials:run-progress": {"pk": d.credentials_run},
        "credentials:run-export": {"pk": d.credentials_run},
        "material:settings": {"code": d.code},
        "material:bat": {"code": d.code},
        "material:proof": {"code": d.code},
        "material:national-refuse": {"code": d.code},
        "material:kit": {"code": d.code},
        "material:supplement": {"code": d.code},
        # no campaign exists in this world: the campaign pages answer 404 in the perimeter
        "mailing:cci": {"code": d.code},
        "mailing:campaign": {"code": d.code, "pk": 0},
        "mailing:campaign-progress": {"code": d.code, "pk": 0},
        "mailing:bounces": {"code": d.code},
        "mailing:retest": {"code": d.code},
        "mailing:correct": {"code": d.code, "number": d.elector},
        "mailing_material:cci": {"code": d.code},
        "mailing_material:status": {"code": d.code},
        "board:urn": {"code": d.urn},
        "board:record": {"code": d.urn},
        "tally:export": {"what": "resultats.csv"},
        "documents:new": {"code": d.urn, "kind": "emargement"},
        "documents:job": {"pk": d.document},
        "documents:progress": {"pk": d.document},
        "documents:download": {"pk": d.document},
        "support:elector": {"number": d.elector},
        "support:resend": {"number": d.elector},
    }.get(name, {})


# The matrix --------------------------------------------------------------------------------

ACTORS = [r.code for r in ROLES] + ["SANS-ROLE"]


def _client(actor: str) -> tuple[Client, User]:
    user = make_user(None if actor == "SANS-ROLE" else actor, ["011"],
                     name=f"{actor.lower()}@matrice.test")  # fmt: skip
    client = Client()
    client.force_login(user)
    return client, user


def _leaks(response: Any, other: Data) -> list[str]:
    if getattr(response, "streaming", False):
        response.close()  # a FileResponse: its file is closed here
        return []
    if response.status_code != 200:
        return []
    body = response.content.decode("utf-8", "replace")
    return [m for m in other.markers if m in body]


@pytest.mark.parametrize("actor", ACTORS)
def test_cctp_4_1_4_7_role_with_one_cci_never_reaches_another_cci(
    actor: str, data: tuple[Data, Data]
) -> None:
    own, other = data
    client, user = _client(actor)
    anonymous = Client()
    problems: list[str] = []

    def check(what: str, got: int, expected: int) -> None:
        if got != expected:
            problems.append(f"{what}: got {got}, expected {expected}")

    for name, rule in sorted(documented().items()):
        own_url = reverse(name, kwargs=kwargs_for(name, own))
        other_url = reverse(name, kwargs=kwargs_for(name, other))
        if rule.scope == "public":
            for url in {own_url, other_url}:
                check(f"{name} {url}", client.get(url).status_code, anonymous.get(url).status_code)
            continue
        response = client.get(own_url)
        leaks = _leaks(response, other)
        if leaks:
            problems.append(f"{name} {own_url}: shows the other CCI's data {leaks}")
        if rule.scope == "signed-in":
            check(f"{name} {own_url}", response.status_code, rule.allowed or 0)
            continue
        permitted = all(user.has_perm(p) for p in rule.permissions)
        if permitted and rule.scope == "national" and rule.allowed == 405:
            check(f"{name} {own_url}", response.status_code, 405)
            check(f"{name} {own_url} (POST)", client.post(own_url).status_code, 403)
            continue
        if not permitted or rule.scope == "national":
            check(f"{name} {own_url}", response.status_code, 403)
            check(f"{name} {other_url} (POST)", client.post(other_url).status_code, 403)
            continue
        check(f"{name} {own_url}", response.status_code, rule.allowed or 0)
        if rule.scope == "cci":
            method = client.post if rule.allowed == 405 else client.get
            other_response = method(other_url)
            _leaks(other_response, other)
            check(f"{name} {other_url}", other_response.status_code, rule.other or 0)
    assert problems == [], "\n".join(problems)


def test_cctp_4_1_4_7_anonymous_is_sent_to_sign_in_on_every_non_public_url(
    data: tuple[Data, Data],
) -> None:
    own, _ = data
    anonymous = Client()
    for name, rule in documented().items():
        if rule.scope == "public":
            continue
        response = anonymous.get(reverse(name, kwargs=kwargs_for(name, own)))
        assert response.status_code == 302, name
        assert response.url.startswith(settings.LOGIN_URL), name


def test_national_administrator_reaches_both_ccis(data: tuple[Data, Data]) -> None:
    """The converse of the matrix: the perimeter, not a bug, is what blocks the others."""
    own, other = data
    admin = make_user("ADMIN", None, national=True, name="national@matrice.test")
    client = Client()
    client.force_login(admin)
    for name in (
        "electoral:electors",
        "electoral:run",
        "candidates:urn",
        "candidates:candidate-edit",
    ):
        for side in (own, other):
            assert client.get(reverse(name, kwargs=kwargs_for(name, side))).status_code == 200, name
    assert client.get(reverse("accounts:import")).status_code == 200
