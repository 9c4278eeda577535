"""Realistic sample urn results documents (``scrutin-urn-results/v1``) for tests and benches.

``sample_urn_results(seed, key=…)`` builds one urn's document the way ``results.urn_results``
does from a real tally: candidates in ballot order with groupements, suppléants and birth
dates, votes within the ballot's rules (each candidate at most the votes cast, all of them at
most votes cast × seats), and who is elected computed by the counting library's CCI rule
(``scrutin.core.counting``: L713-16, R713-27), including ties settled by age or left to the
commission when asked. Fingerprints and seals are random hex drawn from the seed (they stand
for documents these samples do not have); the document is signed with the given Ed25519 key.
The same arguments always give the same document.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import nacl.signing

from scrutin.core.counting.count import count
from scrutin.core.counting.model import Ballot, Candidate, CandidateName, ListName, Person
from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.result import Result
from scrutin.crypto.signing import public_key_hex, sign_document

from .exports import FORMAT, check_document

PARIS = ZoneInfo("Europe/Paris")
# (code, label, region label as control.services.region_of gives it)
SAMPLE_CCIS = (
    ("011", "CCI de l'Ain", "CCIR Auvergne-Rhône-Alpes"),
    ("130", "CCI Aix-Marseille-Provence", "CCIR Provence-Alpes-Côte d'Azur"),
    ("290", "CCI métropolitaine Bretagne ouest", "CCIR Bretagne"),
    ("690", "CCI Lyon Métropole Saint-Étienne Roanne", "CCIR Auvergne-Rhône-Alpes"),
    ("750", "CCI Paris Île-de-France", "CCIR Paris Île-de-France"),
    ("974", "CCI de La Réunion", "CCI de La Réunion (sans scrutin régional)"),
)
CATEGORIES = {"C": "Commerce", "I": "Industrie", "S": "Services"}
SUBCATEGORIES = {"S1": "moins de 10 salariés", "S2": "10 salariés et plus"}
FIRST_F = ("Anne", "Élodie", "Françoise", "Hélène", "Inès", "Jeanne", "Léa", "Maïté", "Noémie",
           "Zoé", "Agnès", "Bérénice", "Chloé", "Gaëlle", "Marie-Thérèse", "Solène")  # fmt: skip
FIRST_M = ("André", "Benoît", "Cédric", "Étienne", "François", "Jérôme", "Luc", "Loïc", "Paul",
           "Raphaël", "Stéphane", "Thibaut", "Yannick", "Noël", "Jean-Édouard", "Hervé")  # fmt: skip
LAST = ("Dupont", "Martin", "Lefèvre", "Petit", "Durand", "Moreau", "Girard", "Bonnefoy",
        "Mercier", "Faure", "Rousseau", "Chevalier", "Lemaître", "Gauthier", "N'Diaye",
        "Le Goff", "Müller", "Ørsted", "Brûlé", "Œhmichen", "Castañeda", "Nguyễn", "Łukasik",
        "Da Silva", "Ben Saïd", "D'Arcy", "Périgord", "Vasseur", "Roux", "Barbier")  # fmt: skip
LONG = "de La Tour d'Auvergne-Lauraguais-Montmorency-Rochechouart-Saint-Exupéry-Villeneuve"
GROUPEMENTS = ("Ensemble pour l'entreprise", "Agir pour le territoire", "Commerçants & artisans",
               "Industrie d'avenir", "Services unis", "L'économie au cœur")  # fmt: skip
OPENS = datetime(2026, 10, 20, 9, 0, tzinfo=PARIS)  # summer time: +02:00
CLOSES = datetime(2026, 10, 27, 18, 0, tzinfo=PARIS)  # winter time since 25 October: +01:00
Tie = Literal["age", "undecided", "ccir-undecided"]


def sample_key(seed: int | str = 0) -> nacl.signing.SigningKey:
    """A deterministic Ed25519 key for samples and golden files (never the platform's)."""
    return nacl.signing.SigningKey(hashlib.sha256(f"scrutin-sample-{seed}".encode()).digest())


class _People:
    """Distinct French display names ("Mme Jeanne DUPONT"), birth dates, one urn's worth."""

    def __init__(self, rng: random.Random, long_names: bool) -> None:
        self.rng, self.long_names, self.used = rng, long_names, set[str]()

    def name(self) -> str:
        while True:
            woman = self.rng.random() < 0.5
            first = self.rng.choice(FIRST_F if woman else FIRST_M)
            last = self.rng.choice(LAST)
            if self.long_names and self.rng.random() < 0.5:
                last = f"{last} {LONG}"
            name = f"{'Mme' if woman else 'M.'} {first} {last.upper()}"
            if name not in self.used:
                self.used.add(name)
                return name

    def birth_date(self) -> date:
        return date(1950, 1, 1) + timedelta(days=self.rng.randrange(365 * 52))


def _votes(rng: random.Random, n: int, seats: int, votes_cast: int) -> list[int]:
    """Each at most ``votes_cast``, all together at most ``votes_cast × seats``."""
    weights = [rng.uniform(0.05, 1.0) ** 2 for _ in range(n)]
    budget = votes_cast * min(seats, n) * rng.uniform(0.5, 0.9)
    total = sum(weights) or 1.0
    return [min(votes_cast, int(budget * w / total)) for w in weights]


def _force_tie(votes: list[int], births: list[date], seats: int, same_birth: bool) -> None:
    """Make the last seat a tie between two candidates (the lower one raised by lowering the
    higher: totals only go down)."""
    if seats < 1 or len(votes) <= seats:
        return
    order = sorted(range(len(votes)), key=lambda i: -votes[i])
    last, first_out = order[seats - 1], order[seats]
    if votes[first_out] == 0:
        return  # a candidate without any vote is never elected: no tie to make
    votes[last] = votes[first_out]
    if same_birth:
        births[first_out] = births[last]
    elif births[first_out] == births[last]:
        births[first_out] = births[last] + timedelta(days=400)


def _ballot(rng: random.Random, people: _People, n: int, seats: int, votes_cast: int,
            groupements: list[str], prefix: str, *, regional: bool, tie: bool,
            same_birth: bool, zero_votes: int) -> tuple[list[dict[str, Any]], list[Candidate]]:  # fmt: skip
    votes = _votes(rng, n, seats, votes_cast)
    for i in rng.sample(range(n), min(zero_votes, n)):
        votes[i] = 0
    births = [people.birth_date() for _ in range(n)]
    if tie:
        _force_tie(votes, births, seats, same_birth)
    rows, counted = [], []
    for i in range(n):
        g = rng.choice([*groupements, None]) if groupements else None
        name = people.name()
        sub = people.name() if regional else None
        rows.append({"id": f"{prefix}{i + 1}", "name": name, "groupement": g, "substitute": sub,
                     "birth_date": births[i].isoformat(), "votes": votes[i]})  # fmt: skip
        substitute = (
            Person(CandidateName(f"{prefix}{i + 1}s"), people.birth_date()) if sub else None
        )
        counted.append(Candidate(CandidateName(f"{prefix}{i + 1}"), votes[i], births[i],
                                 ListName(g) if g else None, substitute))  # fmt: skip
    return rows, counted


def _ballot_doc(kind: str, title: str, seats: int, blank: int, voters: int,
                rows: list[dict[str, Any]], result: Result, names: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    elected = set(result.elected)
    candidates = []
    for row in rows:
        won = row["id"] in elected
        to = (["CCIR", "CCIT"] if kind == "CCIR" else ["CCIT"]) if won else []
        candidates.append({**row, "elected": won, "elected_to": to})
    groupements: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["groupement"] is not None:
            g = groupements.setdefault(row["groupement"], {"name": row["groupement"], "candidates": 0, "seats": 0})  # fmt: skip
            g["candidates"] += 1
    for name, held in (result.seats or {}).items():
        if name in groupements:
            groupements[name]["seats"] = held
    doc: dict[str, Any] = {
        "id": kind.lower(), "kind": kind, "title": title, "seats": seats, "blank": blank,
        "null": 0, "cast": voters - blank, "candidates": candidates,
        "groupements": sorted(groupements.values(), key=lambda g: GROUPEMENTS.index(g["name"])),
        "undecided": [{"seats": u.seats, "between": [names.get(n, n) for n in u.between],
                       "reason": u.reason} for u in result.undecided],
    }  # fmt: skip
    if kind == "CCIT":
        doc["substitutes_elected"] = [names[n] for n in result.substitutes_elected]
    return doc


def sample_urn_results(
    seed: int,
    *,
    key: nacl.signing.SigningKey,
    cci: tuple[str, str, str] = SAMPLE_CCIS[0],
    category: str = "C",
    subcategory: str | None = None,
    regional: bool = True,
    ccir_seats: int = 2,
    ccit_seats: int = 6,
    ccir_candidates: int = 4,
    ccit_candidates: int = 8,
    groupements: int = 2,
    registered: int | None = None,
    voters: int | None = None,
    tie: Tie | None = None,
    zero_votes: int = 0,
    long_names: bool = False,
    trustees: int = 2,
) -> dict[str, Any]:
    """One urn's signed results document (``regional=False``: a CCI without CCIR ballot)."""
    if regional and ccit_seats < 2 * ccir_seats:
        raise ValueError("the CCIT needs two seats per CCIR seat (R713-27)")
    rng = random.Random(f"{seed}-{cci[0]}-{category}-{subcategory}")  # noqa: S311 (sample data, not a secret)
    people = _People(rng, long_names)
    registered = rng.randint(150, 6000) if registered is None else registered
    voters = round(registered * rng.uniform(0.05, 0.35)) if voters is None else voters
    if not 0 <= voters <= registered:
        raise ValueError("0 ≤ voters ≤ registered")
    pool = list(GROUPEMENTS[: max(0, min(groupements, len(GROUPEMENTS)))])
    names: dict[str, str] = {}
    ccir_rows: list[dict[str, Any]] = []
    regional_ballot = None
    ccir_blank = rng.randint(0, voters // 15)
    if regional:
        ccir_rows, counted = _ballot(rng, people, ccir_candidates, ccir_seats, voters - ccir_blank,
                                     pool, "r", regional=True, tie=tie == "ccir-undecided",
                                     same_birth=True, zero_votes=0)  # fmt: skip
        regional_ballot = Ballot(rules=PRESETS["cci"].rules, preset="cci", seats=ccir_seats,
                                 registered=registered, voters=voters, blank=ccir_blank,
                                 candidates=tuple(counted))  # fmt: skip
        for row in ccir_rows:
            names[row["id"]], names[row["id"] + "s"] = row["name"], row["substitute"]
    ccit_blank = rng.randint(0, voters // 15)
    left = ccit_seats - (2 * ccir_seats if regional else 0)
    ccit_rows, counted = _ballot(rng, people, ccit_candidates, left, voters - ccit_blank, pool, "t",
                                 regional=False, tie=tie in ("age", "undecided"),
                                 same_birth=tie == "undecided", zero_votes=zero_votes)  # fmt: skip
    names |= {row["id"]: row["name"] for row in ccit_rows}
    territorial = Ballot(rules=PRESETS["cci"].rules, preset="cci", seats=ccit_seats,
                         registered=registered, voters=voters, blank=ccit_blank,
                         candidates=tuple(counted), regional=regional_ballot)  # fmt: skip
    result = count(territorial)
    ballots = []
    if regional and result.regional is not None:
        title = f"Chambre de commerce et d'industrie de région {cci[2].removeprefix('CCIR ')}"
        ballots.append(_ballot_doc("CCIR", title, ccir_seats, ccir_blank, voters, ccir_rows,
                                   result.regional, names))  # fmt: skip
    ccit_title = "Chambre de commerce et d'industrie territoriale"
    ballots.append(_ballot_doc("CCIT", ccit_title, ccit_seats, ccit_blank, voters, ccit_rows,
                               result, names))  # fmt: skip
    code = f"{cci[0]}-{category}{subcategory or ''}"
    sub = {"code": subcategory, "label": SUBCATEGORIES.get(subcategory, subcategory)} if subcategory else None  # fmt: skip
    started = CLOSES + timedelta(hours=15, minutes=rng.randrange(0, 240))
    ids = ["president", *(f"assesseur-{i}" for i in range(1, trustees))]
    doc: dict[str, Any] = {
        "format": FORMAT,
        "cci": {"code": cci[0], "label": cci[1]},
        "region": cci[2],
        "urn": {"code": code, "title": f"Élection {cci[1]} – {CATEGORIES[category]}"
                + (f" – {sub['label']}" if sub else ""),
                "category": {"code": category, "label": CATEGORIES[category]}, "subcategory": sub},
        "election": rng.randbytes(32).hex(), "tally": rng.randbytes(32).hex(),
        "result": rng.randbytes(32).hex(),
        "times": {"opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat(),
                  "closed_at": CLOSES.isoformat(), "tally_started_at": started.isoformat(),
                  "tally_finished_at": (started + timedelta(minutes=rng.randint(5, 50))).isoformat()},
        "seals": {k: rng.randbytes(32).hex() for k in ("platform", "opening", "closing", "ballots", "emargements")},
        "decrypted_by": ids,
        "trustee_names": {i: people.name() for i in ids},
        "registered": registered,
        "voters": voters,
        "ballots": ballots,
        "notes": list(result.notes),
    }  # fmt: skip
    doc["signature"] = {"key": public_key_hex(key), "value": sign_document(key, doc)}
    return check_document(doc)


def sample_national_results(seed: int, *, key: nacl.signing.SigningKey,
                            candidates: int = 8) -> list[dict[str, Any]]:  # fmt: skip
    """Every sample CCI with the three categories (Paris: services in two sub-categories)."""
    docs = []
    for cci in SAMPLE_CCIS:
        for category in CATEGORIES:
            subs: list[str | None] = ["S1", "S2"] if cci[0] == "750" and category == "S" else [None]
            for sub in subs:
                docs.append(sample_urn_results(seed, key=key, cci=cci, category=category,
                                               subcategory=sub, regional=not cci[2].endswith("régional)"),
                                               ccit_candidates=candidates))  # fmt: skip
    return docs
