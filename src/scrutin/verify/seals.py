"""``scrutin verify --seals``: independent check of the platform's and the urns' seals
(CCTP 4.1.4.6, 4.1.4.8, 4.2.2.2; docs/protocol.md §14).

Reads the public seals (a directory of JSON files, a ``scrutin-seals/v1`` bundle, or its URL),
and checks each document's shape and Ed25519 signature, then the chain: platform seals in
sequence, each listing the urn seals made before it; each urn seal bound to its election
parameters; each closing seal bound to its urn seal, its election and a platform seal, with as
many ballots as émargements. Optionally recomputes the code digest from a ``scrutin`` package
(``--code``) and the assets digest by fetching the served files (``--site``). Read-only: only
GET requests, so it can run during the vote without disturbing it.

Imports only the shared layer (``scrutin.crypto.encoding``), PyNaCl and the standard library.
"""

from __future__ import annotations

import hashlib
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import EncodingError, canonical_json, fingerprint
from scrutin.verify.documents import (
    ENVIRONMENT,
    MAX_DOCUMENT,
    Malformed,
    digest,
    environment,
    integer,
    load,
    obj,
    parse_json,
    string,
)
from scrutin.verify.report import TEST_WARNING, Report

URN_SEAL = "scrutin-urn-seal/v1"
PLATFORM_SEAL = "scrutin-platform-seal/v1"
PLATFORM_UNSEAL = "scrutin-platform-unseal/v1"
URN_CLOSING = "scrutin-urn-closing/v1"
BUNDLE = "scrutin-seals/v1"
ELECTION = "scrutin-election/v1"
BUNDLE_PATH = "/scellements/scellements.json"
SIGNED = {"platform_key", "signature"}
FIELDS = {
    URN_SEAL: {"format", "urn", "cci", "election", "trustees", "opens_at", "closes_at", "electors",
               "candidatures", "sealed_at"} | SIGNED,
    PLATFORM_SEAL: {"format", "sequence", "previous", "code", "assets", "urns", "sealed_at"} | SIGNED,
    PLATFORM_UNSEAL: {"format", "seal", "sequence", "reference", "reason", "unsealed_at"} | SIGNED,
    URN_CLOSING: {"format", "urn", "election", "urn_seal", "platform_seal", "closes_at",
                  "closed_at", "trigger", "reason", "ballots", "emargements", "sealed_at"} | SIGNED,
}  # fmt: skip
BUNDLE_FIELDS = {"format", "platform", "unseals", "urns", "closings", "elections"}
MAX_SHOWN = 10


class SealsReport(Report):
    def render(self) -> str:
        lines = super().render().splitlines()
        lines = lines[:-2] if self.test_documents else lines[:-1]
        lines.append(
            "VERDICT : les scellements sont valides, toutes les vérifications sont satisfaites."
            if self.valid
            else f"VERDICT : scellements NON valides ({len(self.failures())} vérification(s) en échec)."
        )
        if self.test_documents:
            lines.append(TEST_WARNING)
        return "\n".join(lines)


@dataclass
class Seals:
    """Every document read, by kind, with where it came from."""

    platform: list[dict[str, Any]] = field(default_factory=list)
    unseals: list[dict[str, Any]] = field(default_factory=list)
    urns: list[dict[str, Any]] = field(default_factory=list)
    closings: list[dict[str, Any]] = field(default_factory=list)
    elections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, document: object, where: str) -> None:
        if not isinstance(document, dict):
            raise Malformed(f"{where} : objet JSON attendu")
        kind = document.get("format")
        if kind == BUNDLE:
            b = obj(document, BUNDLE_FIELDS, where)
            for name in ("platform", "unseals", "urns", "closings"):
                if not isinstance(b[name], list):
                    raise Malformed(f"{where}.{name} : tableau JSON attendu")
            if not isinstance(b["elections"], dict):
                raise Malformed(f"{where}.elections : objet JSON attendu")
            self.platform += b["platform"]
            self.unseals += b["unseals"]
            self.urns += b["urns"]
            self.closings += b["closings"]
            self.elections.update(b["elections"])
        elif kind == PLATFORM_SEAL:
            self.platform.append(document)
        elif kind == PLATFORM_UNSEAL:
            self.unseals.append(document)
        elif kind == URN_SEAL:
            self.urns.append(document)
        elif kind == URN_CLOSING:
            self.closings.append(document)
        elif kind == ELECTION:
            self.elections[Path(where).stem.removeprefix("election-")] = document
        else:
            raise Malformed(f"{where} : format de document inconnu {kind!r}")


# --- reading ------------------------------------------------------------------------------


def fetch(url: str, limit: int = MAX_DOCUMENT) -> bytes:
    """GET ``url`` (http or https only), at most ``limit`` bytes."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise Malformed(f"{url} : seules les adresses http(s) sont acceptées")
    request = urllib.request.Request(url, headers={"User-Agent": "scrutin-verify"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            data: bytes = response.read(limit + 1)
    except OSError as exc:
        raise Malformed(f"{url} : téléchargement impossible ({exc})") from exc
    if len(data) > limit:
        raise Malformed(f"{url} : document trop volumineux (> {limit} octets)")
    return data


def bundle_url(url: str) -> str:
    """The bundle's address: ``url`` itself if it names a JSON file, else the site's bundle."""
    if urllib.parse.urlsplit(url).path.endswith(".json"):
        return url
    base = url.rstrip("/")
    return base + "/scellements.json" if base.endswith("/scellements") else base + BUNDLE_PATH


def read_seals(source: str) -> Seals:
    """The seals from a URL, a JSON file, or a directory of JSON files."""
    seals = Seals()
    if source.startswith(("http://", "https://")):
        url = bundle_url(source)
        seals.add(parse_json(fetch(url), url), url)
        return seals
    path = Path(source)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise Malformed(f"{source} : aucun fichier JSON")
    for file in files:
        seals.add(load(file, MAX_DOCUMENT), file.name)
    return seals


# --- shapes and signatures ------------------------------------------------------------------


def _time(value: object, where: str) -> datetime:
    text = string(value, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Malformed(f"{where} : date ISO 8601 attendue") from exc
    if moment.tzinfo is None:
        raise Malformed(f"{where} : fuseau horaire absent")
    return moment


def _hex(value: object, where: str) -> str:
    digest(value, where)
    return str(value)


def _optional_hex(value: object, where: str) -> str | None:
    return None if value is None else _hex(value, where)


def _files(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise Malformed(f"{where} : liste de fichiers attendue")
    for name, sha in value.items():
        _hex(sha, f"{where}[{name!r}]")
    return value


def check_shape(document: dict[str, Any], where: str) -> None:
    """Exactly the fields of docs/protocol.md §14, each of its type."""
    kind = document.get("format")
    obj(document, FIELDS[str(kind)], where, optional={ENVIRONMENT})
    environment(document, where)
    digest(document["platform_key"], f"{where}.platform_key")
    digest(document["signature"], f"{where}.signature", 64)
    if kind == URN_SEAL:
        string(document["urn"], f"{where}.urn")
        string(document["cci"], f"{where}.cci")
        for name in ("election", "trustees"):
            _hex(document[name], f"{where}.{name}")
        _optional_hex(document["candidatures"], f"{where}.candidatures")
        electors = obj(document["electors"], {"count", "sha256"}, f"{where}.electors")
        integer(electors["count"], f"{where}.electors.count")
        _hex(electors["sha256"], f"{where}.electors.sha256")
        if _time(document["opens_at"], f"{where}.opens_at") >= _time(
            document["closes_at"], f"{where}.closes_at"
        ):
            raise Malformed(f"{where} : ouverture postérieure à la clôture")
        _time(document["sealed_at"], f"{where}.sealed_at")
    elif kind == PLATFORM_SEAL:
        integer(document["sequence"], f"{where}.sequence", 1)
        _optional_hex(document["previous"], f"{where}.previous")
        code = obj(document["code"], {"package", "version", "files", "sha256"}, f"{where}.code")
        string(code["package"], f"{where}.code.package")
        string(code["version"], f"{where}.code.version")
        _files(code["files"], f"{where}.code.files")
        _hex(code["sha256"], f"{where}.code.sha256")
        assets = obj(document["assets"], {"base_url", "files", "sha256"}, f"{where}.assets")
        string(assets["base_url"], f"{where}.assets.base_url")
        _files(assets["files"], f"{where}.assets.files")
        _hex(assets["sha256"], f"{where}.assets.sha256")
        if not isinstance(document["urns"], dict):
            raise Malformed(f"{where}.urns : objet JSON attendu")
        for code_, fp in document["urns"].items():
            _hex(fp, f"{where}.urns[{code_!r}]")
        _time(document["sealed_at"], f"{where}.sealed_at")
    elif kind == PLATFORM_UNSEAL:
        _hex(document["seal"], f"{where}.seal")
        integer(document["sequence"], f"{where}.sequence", 1)
        string(document["reference"], f"{where}.reference")
        string(document["reason"], f"{where}.reason")
        _time(document["unsealed_at"], f"{where}.unsealed_at")
    else:
        string(document["urn"], f"{where}.urn")
        _hex(document["election"], f"{where}.election")
        _hex(document["urn_seal"], f"{where}.urn_seal")
        _optional_hex(document["platform_seal"], f"{where}.platform_seal")
        for name in ("closes_at", "closed_at", "sealed_at"):
            _time(document[name], f"{where}.{name}")
        if document["trigger"] not in ("schedule", "decision"):
            raise Malformed(f"{where}.trigger : 'schedule' ou 'decision' attendu")
        string(document["reason"], f"{where}.reason")
        for name in ("ballots", "emargements"):
            part = obj(document[name], {"count", "sha256"}, f"{where}.{name}")
            integer(part["count"], f"{where}.{name}.count")
            _hex(part["sha256"], f"{where}.{name}.sha256")


def signature_ok(document: dict[str, Any]) -> bool:
    """Ed25519 signature by ``platform_key`` over the JCS of the document without it."""
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        key = nacl.signing.VerifyKey(bytes.fromhex(document["platform_key"]))
        key.verify(canonical_json(body), bytes.fromhex(document["signature"]))
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError,
            EncodingError):  # fmt: skip
        return False
    return True


def files_digest(files: dict[str, str]) -> str:
    return hashlib.sha256(canonical_json(files)).hexdigest()


# --- the checks -----------------------------------------------------------------------------


def _summary(problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_SHOWN])
    return shown + (
        f" (… {len(problems) - MAX_SHOWN} autre(s))" if len(problems) > MAX_SHOWN else ""
    )


def _conclude(report: Report, name: str, problems: list[str], ok_detail: str) -> None:
    if problems:
        report.fail(name, _summary(problems))
    else:
        report.ok(name, ok_detail)


def _label(document: dict[str, Any]) -> str:
    kind = document.get("format")
    if kind == PLATFORM_SEAL:
        return f"scellement de la plate-forme n° {document.get('sequence')}"
    if kind == PLATFORM_UNSEAL:
        return f"descellement n° {document.get('sequence')}"
    if kind == URN_SEAL:
        return f"scellement de l'urne {document.get('urn')}"
    return f"clôture de l'urne {document.get('urn')}"


def _valid_documents(
    report: Report, name: str, documents: list[Any], required: bool
) -> list[dict[str, Any]]:
    """Documents of one kind whose shape and signature hold (the others are reported)."""
    good, problems = [], []
    for document in documents:
        where = _label(document) if isinstance(document, dict) else "document"
        try:
            if not isinstance(document, dict):
                raise Malformed(f"{where} : objet JSON attendu")
            check_shape(document, where)
        except Malformed as exc:
            problems.append(str(exc))
            continue
        if not signature_ok(document):
            problems.append(f"{where} : signature invalide")
            continue
        good.append(document)
    report.test_documents += [_label(d) for d in good if ENVIRONMENT in d]
    if required and not documents:
        problems.append("aucun document")
    _conclude(report, name, problems, f"{len(good)} document(s), forme et signature valides")
    return good


@dataclass
class Checked:
    platform: list[dict[str, Any]]
    unseals: list[dict[str, Any]]
    urns: dict[str, dict[str, Any]]  # fingerprint -> urn seal
    closings: list[dict[str, Any]]


def _check_key(report: Report, checked: Checked, seals: Seals, pinned: str | None) -> str | None:
    documents = [*checked.platform, *checked.unseals, *checked.urns.values(), *checked.closings]
    keys = sorted({d["platform_key"] for d in documents})
    problems = []
    if len(keys) > 1:
        problems.append(f"{len(keys)} clés différentes : {', '.join(keys)}")
    if pinned is not None and keys and keys != [pinned.lower()]:
        problems.append(f"la clé attendue {pinned} n'est pas celle des scellements")
    key = keys[0] if len(keys) == 1 else None
    for code, election in sorted(seals.elections.items()):
        if isinstance(election, dict) and key and election.get("platform_key") != key:
            problems.append(f"élection de l'urne {code} : autre clé de plate-forme")
    _conclude(report, "Clé de signature de la plate-forme", problems, key or "")
    return key if not problems else None


def _check_platform_chain(report: Report, checked: Checked) -> None:
    problems = []
    seals = sorted(checked.platform, key=lambda d: d["sequence"])
    by_fp = {fingerprint(d): d for d in seals}
    previous: dict[str, Any] | None = None
    for index, seal in enumerate(seals, start=1):
        where = _label(seal)
        if seal["sequence"] != index:
            problems.append(f"{where} : numéro {index} attendu (numérotation sans trou ni doublon)")
        expected_previous = fingerprint(previous) if previous else None
        if seal["previous"] != expected_previous:
            problems.append(f"{where} : 'previous' ne désigne pas le scellement précédent")
        if previous and _time(seal["sealed_at"], "") <= _time(previous["sealed_at"], ""):
            problems.append(f"{where} : horodatage antérieur au scellement précédent")
        for part in ("code", "assets"):
            if files_digest(seal[part]["files"]) != seal[part]["sha256"]:
                problems.append(f"{where} : empreinte globale de '{part}' fausse")
        previous = seal
    unsealed: dict[str, dict[str, Any]] = {}
    for unseal in checked.unseals:
        where = _label(unseal)
        sealed = by_fp.get(unseal["seal"])
        if sealed is None or sealed["sequence"] != unseal["sequence"]:
            problems.append(f"{where} : ne désigne aucun scellement connu")
            continue
        if unseal["seal"] in unsealed:
            problems.append(f"{where} : scellement descellé deux fois")
        unsealed[unseal["seal"]] = unseal
        moment = _time(unseal["unsealed_at"], "")
        following = [s for s in seals if s["sequence"] == sealed["sequence"] + 1]
        if moment < _time(sealed["sealed_at"], "") or (
            following and moment > _time(following[0]["sealed_at"], "")
        ):
            problems.append(f"{where} : horodatage hors de la période du scellement")
    for seal in seals[:-1]:
        if fingerprint(seal) not in unsealed:
            problems.append(f"{_label(seal)} : remplacé sans descellement enregistré")
    state = "aucun"
    if seals:
        last = seals[-1]
        state = (f"scellement n° {last['sequence']} " +
                 ("descellé : le vote est interrompu" if fingerprint(last) in unsealed else "en vigueur"))  # fmt: skip
    _conclude(report, "Chaîne des scellements de la plate-forme", problems, state)


def _check_urn_seals(report: Report, checked: Checked, seals: Seals) -> None:
    problems = []
    codes: dict[str, str] = {}
    for fp, seal in sorted(checked.urns.items(), key=lambda item: item[1]["urn"]):
        where = _label(seal)
        if seal["urn"] in codes:
            problems.append(f"{where} : urne scellée deux fois")
        codes[seal["urn"]] = fp
        if seal["candidatures"] is None:
            problems.append(f"{where} : candidatures non scellées au scellement de l'urne")
        election = seals.elections.get(seal["urn"])
        if not isinstance(election, dict):
            problems.append(f"{where} : paramètres de l'élection absents")
            continue
        try:
            election_fp = fingerprint(election)
        except EncodingError:
            problems.append(f"{where} : paramètres de l'élection invalides")
            continue
        if election_fp != seal["election"]:
            problems.append(f"{where} : l'élection publiée n'a pas l'empreinte scellée")
        if election.get("trustees") != seal["trustees"]:
            problems.append(f"{where} : détenteurs de clés différents de ceux de l'élection")
    for platform in checked.platform:
        where = _label(platform)
        moment = _time(platform["sealed_at"], "")
        listed = platform["urns"]
        for code, fp in sorted(listed.items()):
            listed_seal = checked.urns.get(fp)
            if listed_seal is None or listed_seal["urn"] != code:
                problems.append(f"{where} : l'urne {code} y figure avec un scellement inconnu")
            elif _time(listed_seal["sealed_at"], "") > moment:
                problems.append(f"{where} : l'urne {code} scellée après la plate-forme")
        for fp, seal in checked.urns.items():
            if _time(seal["sealed_at"], "") < moment and listed.get(seal["urn"]) != fp:
                problems.append(f"{where} : l'urne {seal['urn']} scellée avant n'y figure pas")
    _conclude(report, "Scellements des urnes, élections et plate-forme", problems,
              f"{len(checked.urns)} urne(s) scellée(s), chacune liée à son élection")  # fmt: skip


def _check_closings(report: Report, checked: Checked) -> None:
    problems = []
    platform = {fingerprint(p): p for p in checked.platform}
    seen: set[str] = set()
    for closing in sorted(checked.closings, key=lambda d: d["urn"]):
        where = _label(closing)
        if closing["urn"] in seen:
            problems.append(f"{where} : urne close deux fois")
        seen.add(closing["urn"])
        seal = checked.urns.get(closing["urn_seal"])
        if seal is None or seal["urn"] != closing["urn"]:
            problems.append(f"{where} : ne désigne pas le scellement de l'urne")
            continue
        if closing["election"] != seal["election"]:
            problems.append(f"{where} : élection différente de celle du scellement de l'urne")
        if closing["closes_at"] != seal["closes_at"]:
            problems.append(f"{where} : heure de clôture différente de celle scellée")
        closed_at = _time(closing["closed_at"], "")
        if not _time(seal["sealed_at"], "") <= closed_at <= _time(closing["sealed_at"], ""):
            problems.append(
                f"{where} : clôture datée hors de l'ordre scellement → clôture → scellement"
            )
        if closed_at > _time(closing["closes_at"], ""):
            problems.append(f"{where} : vote clos après l'heure prévue")
        if closing["trigger"] == "decision" and not closing["reason"].strip():
            problems.append(f"{where} : clôture sur décision sans motif")
        reference = platform.get(closing["platform_seal"] or "")
        if reference is None:
            problems.append(f"{where} : aucun scellement de la plate-forme connu n'est désigné")
        elif reference["urns"].get(closing["urn"]) != closing["urn_seal"]:
            problems.append(
                f"{where} : l'urne ne figure pas dans le scellement de plate-forme désigné"
            )
        if closing["ballots"]["count"] != closing["emargements"]["count"]:
            problems.append(f"{where} : {closing['ballots']['count']} bulletin(s) pour "
                            f"{closing['emargements']['count']} émargement(s) (R713-24)")  # fmt: skip
    _conclude(report, "Scellements de clôture", problems,
              f"{len(checked.closings)} urne(s) close(s) et scellée(s)" if checked.closings
              else "aucune urne close")  # fmt: skip


# --- code and served assets -----------------------------------------------------------------


def package_dir(path: Path) -> Path:
    """The ``scrutin`` package directory inside a checkout (``src/scrutin``), a site-packages
    directory (``scrutin``), or ``path`` itself."""
    for candidate in (path / "src" / "scrutin", path / "scrutin"):
        if (candidate / "__init__.py").is_file():
            return candidate
    return path


def code_files(root: Path) -> dict[str, str]:
    """``{relative POSIX path: SHA-256}`` of every file under ``root``, bytecode caches
    included: a ``.pyc`` runs, so an unexpected one is a difference (docs/protocol.md §14.1)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            files[path.relative_to(root).as_posix()] = h.hexdigest()
    return files


def differences(sealed: dict[str, str], found: dict[str, str]) -> list[str]:
    """Each file changed, added or missing between two ``{path: SHA-256}`` lists, in French."""
    out = [f"{p} modifié" for p in sorted(sealed.keys() & found.keys()) if sealed[p] != found[p]]
    out += [f"{p} ajouté" for p in sorted(found.keys() - sealed.keys())]
    out += [f"{p} absent" for p in sorted(sealed.keys() - found.keys())]
    return out


def _check_code(report: Report, last: dict[str, Any], path: Path) -> None:
    root = package_dir(path)
    if not root.is_dir():
        report.fail("Code de la plate-forme", f"{path} : répertoire introuvable")
        return
    found = code_files(root)
    problems = differences(last["code"]["files"], found)
    detail = f"{len(found)} fichiers de {root} identiques au scellement n° {last['sequence']}"
    _conclude(report, "Code de la plate-forme", problems, detail)


def _check_site(report: Report, last: dict[str, Any], site: str) -> None:
    base = site.rstrip("/") + "/" + last["assets"]["base_url"].strip("/") + "/"
    problems = []
    found = {}
    for name in sorted(last["assets"]["files"]):
        url = base + urllib.parse.quote(name)
        try:
            found[name] = hashlib.sha256(fetch(url)).hexdigest()
        except Malformed as exc:
            problems.append(str(exc))
    problems += [p for p in differences(last["assets"]["files"], found) if not p.endswith("absent")]
    detail = (
        f"{len(found)} ressources servies par {site} identiques au scellement n° {last['sequence']}"
    )
    _conclude(report, "Ressources servies par le site", problems, detail)


def _unique(documents: list[Any]) -> list[Any]:
    seen, out = set(), []
    for document in documents:
        try:
            key = fingerprint(document)
        except EncodingError:  # reported by the shape check
            out.append(document)
            continue
        if key not in seen:
            seen.add(key)
            out.append(document)
    return out


def verify_seals(
    source: str, *, code: Path | None = None, site: str | None = None,
    platform_key: str | None = None,
) -> SealsReport:  # fmt: skip
    """Every check of docs/protocol.md §14.3; ``report.valid`` only if all hold."""
    report = SealsReport()
    try:
        seals = read_seals(source)
    except Malformed as exc:
        report.fail("Lecture des scellements", str(exc))
        return report
    report.ok("Lecture des scellements", source)
    for name in ("platform", "unseals", "urns", "closings"):  # a file saved twice counts once
        setattr(seals, name, _unique(getattr(seals, name)))
    platform = _valid_documents(report, "Scellements de la plate-forme", seals.platform, True)
    unseals = _valid_documents(report, "Descellements de la plate-forme", seals.unseals, False)
    urns = _valid_documents(report, "Scellements des urnes", seals.urns, True)
    closings = _valid_documents(report, "Scellements de clôture", seals.closings, False)
    checked = Checked(platform, unseals, {fingerprint(u): u for u in urns}, closings)
    _check_key(report, checked, seals, platform_key)
    _check_platform_chain(report, checked)
    _check_urn_seals(report, checked, seals)
    _check_closings(report, checked)
    last = max(platform, key=lambda d: d["sequence"], default=None)
    if (code or site) and last is None:
        report.fail("Code et ressources", "aucun scellement de la plate-forme valide")
        return report
    if code is not None and last is not None:
        _check_code(report, last, code)
    if site is not None and last is not None:
        _check_site(report, last, site)
    return report
