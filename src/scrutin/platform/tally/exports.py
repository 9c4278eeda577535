"""Urn results documents: their checks, and CCI France's downloads (CCTP 4.1.4.8.1).

One ``scrutin-urn-results/v1`` document per urn (made by ``results.urn_results``, signed by the
platform) feeds the procès-verbaux (``minutes``) and the national exports below:

* ``results_csv``: votes, one row per candidate per ballot, with the ballot's registered,
  voters, null, blank and votes cast ("nombre d'inscrits, de votants, de vote nul, de bulletins
  blancs, de suffrages exprimés et le nombre de voix obtenues");
* ``seats_csv``: seats, one row per groupement per ballot ("nombre de sièges attribués à chaque
  liste ou groupement"), plus individual candidacies, seats left to the commission and vacant
  seats, so that each ballot's rows add up to its seats;
* ``results_json``: every signed document and the participation, canonical JSON (RFC 8785);
* ``participation_csv``: turnout per urn, CCI, region and nationally ("taux de participation
  pour l'ensemble des scrutins").

CSV files are for Excel in French: ``;`` separator, UTF-8 with a byte-order mark, decimal comma,
CRLF line ends, written by the project's one CSV writer (:mod:`scrutin.platform.csvexport`): a
text cell that Excel would read as a formula (starting with ``= + - @``, a tab or a carriage
return) is prefixed with an apostrophe; the views stream them. Rows are ordered by CCI code, urn code,
then ballot (CCIR before CCIT).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from scrutin.core.counting.io import percent as _percent
from scrutin.crypto.encoding import canonical_json, fingerprint
from scrutin.crypto.signing import InvalidSignature, verify_document
from scrutin.record import strictjson

from ..csvexport import csv_text

FORMAT = "scrutin-urn-results/v1"
EXPORT_FORMAT = "scrutin-results-export/v1"
KINDS = ("CCIR", "CCIT")
TIMES = ("opens_at", "closes_at", "closed_at", "tally_started_at", "tally_finished_at")
SEALS = ("platform", "opening", "closing", "ballots", "emargements")
# How the PV and the command name each fingerprint of the document (French, for the COE).
FINGERPRINT_LABELS = {"election": "Empreinte de l'élection (election.json)",
                      "tally": "Agrégation chiffrée (tally.json)",
                      "result": "Résultat déchiffré (result.json)"}  # fmt: skip
SEAL_LABELS = {"platform": "Scellement de la plate-forme", "opening": "Scellement à l'ouverture",
               "closing": "Scellement à la clôture", "ballots": "Scellement de l'urne (bulletins)",
               "emargements": "Scellement de la liste d'émargement"}  # fmt: skip
MAX_NAME = 200  # longer than any name the candidatures app accepts (civility + 60 + 60)
MAX_LABEL = 300

_TOP = {"format", "cci", "region", "urn", "election", "tally", "result", "times", "seals",
        "decrypted_by", "trustee_names", "registered", "voters", "ballots", "signature"}  # fmt: skip
_TOP_OPTIONAL = {"notes", "environment"}  # environment: "test" only, test instances (§15)
_BALLOT = {"id", "kind", "title", "seats", "blank", "null", "cast", "candidates", "groupements",
           "undecided"}  # fmt: skip
_CANDIDATE = {"id", "name", "groupement", "substitute", "birth_date", "votes", "elected",
              "elected_to"}  # fmt: skip
_HEX = frozenset("0123456789abcdef")


class ResultsDocumentError(ValueError):
    """A results document that is malformed, inconsistent or wrongly signed (French message)."""


# --- checks -----------------------------------------------------------------------------------


def _fail(where: str, message: str) -> ResultsDocumentError:
    return ResultsDocumentError(f"Document de résultats, {where} : {message}.")


def _obj(value: Any, keys: set[str], where: str, optional: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:  # fmt: skip
    if not isinstance(value, dict):
        raise _fail(where, "objet attendu")
    missing = sorted(keys - value.keys())
    unknown = sorted(value.keys() - keys - optional)
    if missing or unknown:
        raise _fail(where, f"champs manquants {missing}, champs inconnus {unknown}")
    return value


def _text(value: Any, where: str, limit: int = MAX_LABEL, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value.strip() and not empty) or len(value) > limit:
        raise _fail(where, f"texte non vide d'au plus {limit} caractères attendu")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
        raise _fail(where, "caractère de contrôle interdit")
    return value


def _int(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise _fail(where, f"entier ≥ {low} attendu")
    if high is not None and value > high:
        raise _fail(where, f"{value} dépasse {high}")
    return value


def _hex(value: Any, where: str, length: int | None = 64) -> str:
    ok = isinstance(value, str) and value and _HEX.issuperset(value) and len(value) % 2 == 0
    if not ok or (length is not None and len(value) != length) or len(value) > 256:
        size = f"{length} " if length else ""
        raise _fail(where, f"{size}caractères hexadécimaux minuscules attendus")
    return str(value)


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _fail(where, "date et heure ISO 8601 avec décalage horaire attendues")
    return moment


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise _fail(where, "liste attendue")
    return [_text(v, f"{where}[{i}]", MAX_NAME) for i, v in enumerate(value)]


def _check_candidate(c: Any, where: str, kind: str, votes_cast: int) -> dict[str, Any]:
    _obj(c, _CANDIDATE, where)
    _text(c["id"], f"{where}.id", 64)
    _text(c["name"], f"{where}.name", MAX_NAME)
    for field in ("groupement", "substitute"):
        if c[field] is not None:
            _text(c[field], f"{where}.{field}", MAX_NAME if field == "substitute" else MAX_LABEL)
    if c["birth_date"] is not None:
        try:
            date.fromisoformat(c["birth_date"])
        except (TypeError, ValueError):
            raise _fail(f"{where}.birth_date", "date AAAA-MM-JJ attendue") from None
    _int(c["votes"], f"{where}.votes", 0, votes_cast)
    if not isinstance(c["elected"], bool):
        raise _fail(f"{where}.elected", "booléen attendu")
    expected = ([kind, "CCIT"] if kind == "CCIR" else ["CCIT"]) if c["elected"] else []
    if c["elected_to"] != expected:
        raise _fail(f"{where}.elected_to", f"{expected} attendu")
    if kind == "CCIR" and c["substitute"] is None:
        raise _fail(f"{where}.substitute", "un candidat à la CCIR a un suppléant (R713-8)")
    return cast(dict[str, Any], c)


def _check_ballot(b: Any, where: str, voters: int) -> dict[str, Any]:
    kind = b.get("kind") if isinstance(b, dict) else None
    _obj(b, _BALLOT | ({"substitutes_elected"} if kind == "CCIT" else set()), where)
    if kind not in KINDS:
        raise _fail(f"{where}.kind", "« CCIR » ou « CCIT » attendu")
    _text(b["id"], f"{where}.id", 32)
    _text(b["title"], f"{where}.title")
    seats = _int(b["seats"], f"{where}.seats", 1)
    blank = _int(b["blank"], f"{where}.blank", 0, voters)
    if b["null"] != 0:
        raise _fail(
            f"{where}.null", "0 attendu : le vote par internet ne produit aucun bulletin nul"
        )
    votes_cast = _int(b["cast"], f"{where}.cast")
    if votes_cast != voters - blank:
        raise _fail(f"{where}.cast", f"{voters - blank} suffrages exprimés attendus (votants − blancs − nuls)")  # fmt: skip
    if not isinstance(b["candidates"], list):
        raise _fail(f"{where}.candidates", "liste attendue")
    candidates = [_check_candidate(c, f"{where}.candidates[{i}]", kind, votes_cast)
                  for i, c in enumerate(b["candidates"])]  # fmt: skip
    if len({c["id"] for c in candidates}) != len(candidates):  # names may be homonyms
        raise _fail(f"{where}.candidates", "identifiant en double")
    if sum(c["votes"] for c in candidates) > votes_cast * seats:
        raise _fail(f"{where}.candidates", "plus de voix que suffrages exprimés × sièges")
    if not isinstance(b["groupements"], list):
        raise _fail(f"{where}.groupements", "liste attendue")
    for i, g in enumerate(b["groupements"]):
        _obj(g, {"name", "candidates", "seats"}, f"{where}.groupements[{i}]")
        _text(g["name"], f"{where}.groupements[{i}].name")
        _int(g["candidates"], f"{where}.groupements[{i}].candidates")
        _int(g["seats"], f"{where}.groupements[{i}].seats", 0, seats)
    listed = [g["name"] for g in b["groupements"]]
    if len(set(listed)) != len(listed):
        raise _fail(f"{where}.groupements", "groupement en double")
    for g in b["groupements"]:
        if g["candidates"] != sum(c["groupement"] == g["name"] for c in candidates):
            raise _fail(f"{where}.groupements", f"nombre de candidats de « {g['name']} » inexact")
    for c in candidates:
        if c["groupement"] is not None and c["groupement"] not in listed:
            raise _fail(f"{where}.groupements", f"« {c['groupement']} » absent")
    if not isinstance(b["undecided"], list):
        raise _fail(f"{where}.undecided", "liste attendue")
    for i, u in enumerate(b["undecided"]):
        _obj(u, {"seats", "between", "reason"}, f"{where}.undecided[{i}]")
        _int(u["seats"], f"{where}.undecided[{i}].seats", 1, seats)
        if len(_names(u["between"], f"{where}.undecided[{i}].between")) < 2:
            raise _fail(f"{where}.undecided[{i}].between", "au moins deux candidats attendus")
        _text(u["reason"], f"{where}.undecided[{i}].reason")
    if kind == "CCIT":
        _names(b["substitutes_elected"], f"{where}.substitutes_elected")
    return cast(dict[str, Any], b)


def check_document(doc: Any) -> dict[str, Any]:
    """Check the shape and the arithmetic of an urn results document; return it.

    Raises :class:`ResultsDocumentError` (French message naming the field) on any defect: the
    procès-verbal and the exports are only ever made from a coherent document.
    """
    _obj(doc, _TOP, "racine", _TOP_OPTIONAL)
    if doc["format"] != FORMAT:
        raise _fail("format", f"« {FORMAT} » attendu")
    _obj(doc["cci"], {"code", "label"}, "cci")
    _text(doc["cci"]["code"], "cci.code", 8)
    _text(doc["cci"]["label"], "cci.label")
    _text(doc["region"], "region")
    urn = _obj(doc["urn"], {"code", "title", "category", "subcategory"}, "urn")
    _text(urn["code"], "urn.code", 32)
    _text(urn["title"], "urn.title")
    for part in ("category", "subcategory"):
        if part == "subcategory" and urn[part] is None:
            continue
        _obj(urn[part], {"code", "label"}, f"urn.{part}")
        _text(urn[part]["code"], f"urn.{part}.code", 8)
        _text(urn[part]["label"], f"urn.{part}.label")
    for name in ("election", "tally", "result"):
        _hex(doc[name], name)
    _obj(doc["times"], set(TIMES), "times")
    moments = {k: _time(doc["times"][k], f"times.{k}") for k in TIMES}
    opens, closes = moments["opens_at"], moments["closes_at"]
    if opens and closes and opens >= closes:
        raise _fail("times", "l'ouverture doit précéder la clôture prévue")
    order = [(k, m) for k, m in moments.items() if m and k != "closes_at"]
    for (k1, m1), (k2, m2) in itertools.pairwise(order):
        if m1 > m2:
            raise _fail("times", f"{k1} doit précéder {k2}")
    _obj(doc["seals"], set(SEALS), "seals")
    for k in SEALS:  # "" for a seal that was never made (shown as such on the PV)
        if doc["seals"][k] != "":
            _hex(doc["seals"][k], f"seals.{k}", None)
    trustees = _names(doc["decrypted_by"], "decrypted_by")
    if not trustees or len(set(trustees)) != len(trustees):
        raise _fail("decrypted_by", "liste non vide de détenteurs distincts attendue")
    if not isinstance(doc["trustee_names"], dict):
        raise _fail("trustee_names", "objet attendu")
    for k, v in doc["trustee_names"].items():
        _text(v, f"trustee_names.{k}", MAX_NAME)
    registered = _int(doc["registered"], "registered")
    voters = _int(doc["voters"], "voters", 0, registered)
    if not isinstance(doc["ballots"], list) or not 1 <= len(doc["ballots"]) <= 2:
        raise _fail("ballots", "un ou deux bulletins attendus (CCIR, CCIT)")
    ballots = [_check_ballot(b, f"ballots[{i}]", voters) for i, b in enumerate(doc["ballots"])]
    kinds = [b["kind"] for b in ballots]
    if kinds not in (["CCIR"], ["CCIT"], ["CCIR", "CCIT"]):
        raise _fail("ballots", "au plus un bulletin CCIR puis au plus un bulletin CCIT")
    if len({b["id"] for b in ballots}) != len(ballots):
        raise _fail("ballots", "identifiants en double")
    if "notes" in doc:
        _names(doc["notes"], "notes")
    if "environment" in doc and doc["environment"] != "test":
        raise _fail("environment", "« test » attendu (membre absent en production)")
    for b in ballots:
        seat_account(doc, b["id"])  # raises if the seats do not add up
    signature = _obj(doc["signature"], {"key", "value"}, "signature")
    _hex(signature["key"], "signature.key", 64)
    _hex(signature["value"], "signature.value", 128)
    return cast(dict[str, Any], doc)


def ballot_of(doc: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    return next((b for b in doc["ballots"] if b["kind"] == kind), None)


def unsigned(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "signature"}


def document_fingerprint(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 form of the document without its signature: what is signed."""
    return fingerprint(unsigned(doc))


def verify_signature(doc: Mapping[str, Any], expected_key: str | None = None) -> None:
    """Check the platform's Ed25519 signature; with ``expected_key``, that it is that key's."""
    key, value = doc["signature"]["key"], doc["signature"]["value"]
    if expected_key is not None and key != expected_key:
        raise ResultsDocumentError(
            "Document de résultats signé par une autre clé que celle de la plate-forme."
        )
    try:
        verify_document(bytes.fromhex(key), unsigned(doc), bytes.fromhex(value))
    except (InvalidSignature, ValueError):
        raise ResultsDocumentError(
            "Signature de la plate-forme invalide : le document de résultats a été modifié."
        ) from None


# --- seats -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatAccount:
    """How the seats of one ballot were filled; ``seats`` = everything else added up."""

    seats: int
    groupements: tuple[tuple[str, int, int], ...]  # (name, candidates on this ballot, seats)
    individual_candidates: int
    individual: int  # seats won by candidates standing alone
    undecided: int  # seats left to the commission (ties the birth dates cannot settle)
    vacant: int
    regional_members: tuple[dict[str, Any], ...] = ()  # CCIT: CCIR members seated (R713-27)
    ccit_undecided: tuple[dict[str, Any], ...] = ()  # CCIT: its own ties (CCIR ones excluded)


def seat_account(doc: Mapping[str, Any], ballot_id: str) -> SeatAccount:
    """Seats of one ballot by groupement, individuals, undecided and vacant (L713-16, R713-27).

    CCIT: each CCIR member and their suppléant hold two seats of the CCIT, counted for the
    CCIR member's groupement; a CCIR tie left to the commission reserves twice its seats.
    """
    ballot = next(b for b in doc["ballots"] if b["id"] == ballot_id)
    where = f"bulletin {ballot['id']}"
    elected = [(c, 1) for c in ballot["candidates"] if c["elected"]]
    undecided = sum(u["seats"] for u in ballot["undecided"])
    regional: list[dict[str, Any]] = []
    own_ties = list(ballot["undecided"])
    if ballot["kind"] == "CCIT":
        ccir = ballot_of(doc, "CCIR")
        regional = [c for c in ccir["candidates"] if c["elected"]] if ccir else []
        expected = sorted(c["substitute"] for c in regional)
        if sorted(ballot["substitutes_elected"]) != expected:
            raise _fail(f"{where}.substitutes_elected", f"{expected} attendu (R713-27)")
        ccir_ties = [set(u["between"]) for u in ccir["undecided"]] if ccir else []
        own_ties = [u for u in ballot["undecided"] if set(u["between"]) not in ccir_ties]
        reserved = 2 * sum(u["seats"] for u in ccir["undecided"]) if ccir else 0
        undecided = sum(u["seats"] for u in own_ties) + reserved
        elected += [(c, 2) for c in regional]  # the member and their suppléant
    by_group: dict[str | None, int] = {}
    for c, weight in elected:
        by_group[c["groupement"]] = by_group.get(c["groupement"], 0) + weight
    rows: list[tuple[str, int, int]] = []
    for g in ballot["groupements"]:
        won = by_group.pop(g["name"], 0)
        if g["seats"] != won:
            raise _fail(f"{where}.groupements", f"« {g['name']} » : {won} siège(s) attendu(s), {g['seats']} indiqué(s)")  # fmt: skip
        rows.append((g["name"], g["candidates"], won))
    individual = by_group.pop(None, 0)
    # CCIR groupements with no candidate on the CCIT ballot still hold their CCIT seats
    others = {name: won for name, won in by_group.items() if name is not None}
    rows.extend((name, 0, won) for name, won in sorted(others.items()))
    vacant = ballot["seats"] - sum(r[2] for r in rows) - individual - undecided
    if vacant < 0:
        raise _fail(where, f"{ballot['seats'] - vacant} sièges attribués ou réservés pour {ballot['seats']} à pourvoir")  # fmt: skip
    singles = sum(c["groupement"] is None for c in ballot["candidates"])
    return SeatAccount(ballot["seats"], tuple(rows), singles, individual, undecided, vacant,
                       tuple(regional), tuple(own_ties))  # fmt: skip


# --- formatting helpers shared with the procès-verbal ----------------------------------------


def percent_fr(part: int, whole: int) -> str:
    """Percentage with two decimals rounded half up, decimal comma; "" when the base is 0."""
    value = _percent(part, whole)
    return "" if value is None else value.replace(".", ",")


def sort_documents(docs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Checked documents by CCI code then urn code; an urn present twice is an error."""
    checked = [check_document(dict(d)) for d in docs]
    checked.sort(key=lambda d: (d["cci"]["code"], d["urn"]["code"]))
    codes = [d["urn"]["code"] for d in checked]
    for a, b in itertools.pairwise(codes):
        if a == b:
            raise ResultsDocumentError(f"Le scrutin {a} figure deux fois dans les résultats.")
    return checked


def _urn_cells(doc: Mapping[str, Any]) -> list[object]:
    sub = doc["urn"]["subcategory"] or {"code": "", "label": ""}
    cat = doc["urn"]["category"]
    return [doc["cci"]["code"], doc["cci"]["label"], doc["region"], doc["urn"]["code"],
            cat["code"], cat["label"], sub["code"], sub["label"]]  # fmt: skip


URN_HEADER = ["code CCI", "CCI", "région", "scrutin", "code catégorie", "catégorie",
              "code sous-catégorie", "sous-catégorie"]  # fmt: skip
RESULTS_HEADER = [*URN_HEADER, "bulletin", "sièges à pourvoir", "inscrits", "votants", "nuls",
                  "blancs", "suffrages exprimés", "taux de participation (%)", "n° d'ordre",
                  "candidat", "groupement", "suppléant", "voix", "% des suffrages exprimés",
                  "élu", "élu à", "suppléant élu à la CCIT", "égalité non départagée",
                  "empreinte du résultat"]  # fmt: skip
SEATS_HEADER = [*URN_HEADER, "bulletin", "sièges à pourvoir", "groupement", "candidats",
                "sièges attribués"]  # fmt: skip
INDIVIDUAL = "(candidatures individuelles)"
UNDECIDED = "(sièges réservés : égalité à départager par la commission)"
VACANT = "(sièges vacants)"


def results_csv(docs: Iterable[Mapping[str, Any]]) -> str:
    """Votes of every candidate of every ballot, with the ballot's figures (CCTP 4.1.4.8.1)."""
    return csv_text(RESULTS_HEADER, results_rows(docs))


def results_rows(docs: Iterable[Mapping[str, Any]]) -> Iterator[list[object]]:
    for doc in sort_documents(docs):
        turnout = percent_fr(doc["voters"], doc["registered"])
        for b in doc["ballots"]:
            tied = {n for u in b["undecided"] for n in u["between"]}
            head = [*_urn_cells(doc), b["kind"], b["seats"], doc["registered"], doc["voters"],
                    b["null"], b["blank"], b["cast"], turnout]  # fmt: skip
            for rank, c in enumerate(b["candidates"], 1):
                yield [*head, rank, c["name"], c["groupement"] or "", c["substitute"] or "",
                             c["votes"], percent_fr(c["votes"], b["cast"]),
                             "oui" if c["elected"] else "non", " et ".join(c["elected_to"]),
                             "oui" if b["kind"] == "CCIR" and c["elected"] else "",
                             "oui" if c["name"] in tied else "", doc["result"]]  # fmt: skip


def seats_csv(docs: Iterable[Mapping[str, Any]]) -> str:
    """Seats of each groupement of each ballot; a ballot's rows add up to its seats."""
    return csv_text(SEATS_HEADER, seats_rows(docs))


def seats_rows(docs: Iterable[Mapping[str, Any]]) -> Iterator[list[object]]:
    for doc in sort_documents(docs):
        for b in doc["ballots"]:
            account = seat_account(doc, b["id"])
            head = [*_urn_cells(doc), b["kind"], b["seats"]]
            yield from ([*head, name, n, won] for name, n, won in account.groupements)
            if account.individual_candidates or account.individual:
                yield [*head, INDIVIDUAL, account.individual_candidates, account.individual]
            if account.undecided:
                yield [*head, UNDECIDED, "", account.undecided]
            if account.vacant:
                yield [*head, VACANT, "", account.vacant]


# --- participation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationRow:
    """One urn's registered electors and voters (émargements)."""

    region: str
    cci_code: str
    cci_label: str
    urn_code: str
    registered: int
    voters: int


@dataclass(frozen=True)
class ParticipationTotal:
    level: str  # "scrutin", "CCI", "région", "national"
    region: str
    cci_code: str
    cci_label: str
    urn_code: str
    registered: int
    voters: int

    @property
    def rate(self) -> str:
        return percent_fr(self.voters, self.registered)


def participation_rows(docs: Iterable[Mapping[str, Any]]) -> list[ParticipationRow]:
    """From tallied urns' results documents."""
    return [ParticipationRow(d["region"], d["cci"]["code"], d["cci"]["label"], d["urn"]["code"],
                             d["registered"], d["voters"]) for d in sort_documents(docs)]  # fmt: skip


def participation_rows_from_tree(nation: Any) -> list[ParticipationRow]:
    """From ``control.services.participation(user)``: national → regions → CCIs → urns, the
    CCI lines labelled "code — libellé", the urn lines by urn code (works before the tally)."""
    rows: list[ParticipationRow] = []
    for region in nation.children:
        for cci in region.children:
            code, _, label = cci.label.partition(" — ")
            rows.extend(ParticipationRow(region.label, code, label, urn.label, urn.registered,
                                         urn.voters) for urn in cci.children)  # fmt: skip
    return rows


def _as_row(row: ParticipationRow | Mapping[str, Any]) -> ParticipationRow:
    if isinstance(row, ParticipationRow):
        return row
    return ParticipationRow(**{k: row[k] for k in ParticipationRow.__dataclass_fields__})


def participation_totals(
    rows: Iterable[ParticipationRow | Mapping[str, Any]],
) -> list[ParticipationTotal]:
    """National first, then each region (by label) with each CCI (by code) and its urns."""
    urns = sorted((_as_row(r) for r in rows), key=lambda r: (r.region, r.cci_code, r.urn_code))
    codes: set[str] = set()
    region_of: dict[str, str] = {}
    tree: dict[str, dict[str, list[ParticipationRow]]] = {}
    for r in urns:
        _text(r.urn_code, "participation.urn_code", 32)
        _int(r.registered, f"participation {r.urn_code}.registered")
        _int(r.voters, f"participation {r.urn_code}.voters", 0, r.registered)
        if r.urn_code in codes:
            raise ResultsDocumentError(f"Le scrutin {r.urn_code} figure deux fois dans la participation.")  # fmt: skip
        if region_of.setdefault(r.cci_code, r.region) != r.region:
            raise ResultsDocumentError(f"La CCI {r.cci_code} est rattachée à deux régions.")
        codes.add(r.urn_code)
        tree.setdefault(r.region, {}).setdefault(r.cci_code, []).append(r)

    def total(level: str, part: list[ParticipationRow], region: str = "", cci: str = "",
              label: str = "", urn: str = "") -> ParticipationTotal:  # fmt: skip
        return ParticipationTotal(level, region, cci, label, urn, sum(r.registered for r in part),
                                  sum(r.voters for r in part))  # fmt: skip

    out = [total("national", urns)]
    for region, ccis in tree.items():  # already in order: the rows were sorted
        out.append(total("région", [r for rows in ccis.values() for r in rows], region))
        for code, in_cci in ccis.items():
            out.append(total("CCI", in_cci, region, code, in_cci[0].cci_label))
            out.extend(total("scrutin", [r], region, code, r.cci_label, r.urn_code) for r in in_cci)
    return out


PARTICIPATION_HEADER = ["niveau", "région", "code CCI", "CCI", "scrutin", "inscrits", "votants",
                        "taux de participation (%)"]  # fmt: skip


def participation_csv(rows: Iterable[ParticipationRow | Mapping[str, Any]]) -> str:
    """Turnout per urn, CCI, region and nationally (CCTP 4.1.4.8.1)."""
    return csv_text(PARTICIPATION_HEADER, participation_csv_rows(rows))


def participation_csv_rows(
    rows: Iterable[ParticipationRow | Mapping[str, Any]],
) -> Iterator[list[object]]:
    return ([t.level, t.region, t.cci_code, t.cci_label, t.urn_code, t.registered, t.voters,
             t.rate] for t in participation_totals(rows))  # fmt: skip


def results_json(docs: Iterable[Mapping[str, Any]]) -> bytes:
    """Every signed urn document (each checkable on its own) and the participation totals, as
    RFC 8785 canonical JSON: the same documents always give the same bytes."""
    ordered = sort_documents(docs)
    totals = [{"level": t.level, "region": t.region, "cci_code": t.cci_code, "cci_label": t.cci_label,
               "urn_code": t.urn_code, "registered": t.registered, "voters": t.voters}
              for t in participation_totals(participation_rows(ordered))]  # fmt: skip
    return canonical_json({"format": EXPORT_FORMAT, "urns": ordered, "participation": totals})


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m scrutin.platform.tally.exports resultats.json [--cle HEX]``: check an urn's
    signed results document, print its fingerprints; exit code 0 only if it is valid."""
    parser = argparse.ArgumentParser(
        prog="python -m scrutin.platform.tally.exports",
        description="Vérifie un document de résultats d'urne signé (resultats.json).",
    )
    parser.add_argument("fichier", type=Path, help="le document de résultats (JSON)")
    parser.add_argument(
        "--cle",
        help="clé publique attendue (64 caractères hexadécimaux) : la clé de la "
        "plate-forme publiée dans election.json",
    )
    args = parser.parse_args(argv)
    try:
        doc = check_document(strictjson.load_file(args.fichier))
        verify_signature(doc, args.cle)
    except (OSError, ValueError) as exc:
        print(f"ÉCHEC : {exc}", file=sys.stderr)
        return 1
    key = doc["signature"]["key"]
    if "environment" in doc:
        print("ATTENTION : document de résultats de l'ENVIRONNEMENT DE TEST — il n'a aucune valeur "
              "pour une élection réelle.")  # fmt: skip
    print(f"Urne {doc['urn']['code']} — {doc['cci']['label']} : document cohérent, signature "
          f"Ed25519 valide (clé {key}{'' if args.cle else ', à comparer à platform_key'}).")  # fmt: skip
    print(f"Empreinte du document (sans signature) : {document_fingerprint(doc)}")
    for name, label in FINGERPRINT_LABELS.items():
        print(f"{label} : {doc[name]}")
    for name, label in SEAL_LABELS.items():
        print(f"{label} : {doc['seals'][name] or '(aucun scellement)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
