"""JSON schema of ``scrutin seats``: parse an election, serialise its result.

Percentages are rendered as decimal strings with two places, rounded half up; averages and
quotients in the allocation table with two places as well, plus the exact fraction. Decisions
never use these rounded values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

from scrutin.core.counting.count import count
from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.methods import Allocation
from scrutin.core.counting.model import (
    Ballot,
    Candidate,
    CandidateName,
    ListName,
    PartyList,
    Person,
    Question,
    SectionName,
)
from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.result import ChoiceResult, Result
from scrutin.core.counting.rules import (
    Base,
    Bonus,
    Kind,
    Majority,
    Method,
    Referendum,
    Rounding,
    Rules,
    Threshold,
    TieRule,
)

BALLOT_KEYS = {
    "preset", "rules", "round", "seats", "registered", "voters", "blank", "null", "lists",
    "candidates", "sections", "other_votes", "questions", "regional", "sectors", "name",
    "comment",
}  # fmt: skip


def _fail(message: str) -> CountingInputError:
    return CountingInputError(message)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{where} doit être un objet JSON.")
    return value


def _array(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise _fail(f"{where} doit être un tableau JSON.")
    return value


def _int(data: Mapping[str, Any], key: str, default: int | None = None, where: str = "") -> int:
    if key not in data:
        if default is None:
            raise _fail(f"La clé « {key} » est obligatoire{where}.")
        return default
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"« {key} »{where} doit être un nombre entier (reçu : {value!r}).")
    return value


def _str(data: Mapping[str, Any], key: str, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"« {key} »{where} doit être une chaîne non vide.")
    return value


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"La date de naissance {where} doit être une chaîne AAAA-MM-JJ.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"Date de naissance invalide {where} : « {value} » (AAAA-MM-JJ).") from None


def _fraction(value: Any, where: str) -> Fraction:
    """A fraction from ``"1/2"``, ``"5%"``, ``"0.05"``, an integer or a JSON decimal."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str) and value.strip().endswith("%"):
            return Fraction(value.strip()[:-1].strip().replace(",", ".")) / 100
        if isinstance(value, str):
            return Fraction(value.strip().replace(",", "."))
        if isinstance(value, int | Decimal):
            return Fraction(value)
        if isinstance(value, float):
            return Fraction(repr(value))
    except (ValueError, ZeroDivisionError):
        pass
    raise _fail(f"{where} : fraction invalide {value!r} (ex. « 1/2 », « 5% », « 0.05 »).")


def _person(value: Any, where: str) -> Person:
    data = _object(value, where)
    return Person(
        CandidateName(_str(data, "name", f" ({where})")), _date(data.get("birth_date"), where)
    )


def _people(value: Any, where: str) -> tuple[Person, ...]:
    return tuple(_person(item, f"{where}[{i}]") for i, item in enumerate(_array(value, where)))


def _enum_list(value: Any, where: str) -> tuple[TieRule, ...]:
    try:
        return tuple(TieRule(v) for v in _array(value, where))
    except ValueError:
        known = ", ".join(r.value for r in TieRule)
        raise _fail(f"{where} : règle de départage inconnue (connues : {known}).") from None


def _threshold(value: Any, where: str) -> Threshold | None:
    if value is None:
        return None
    data = _object(value, where)
    try:
        base = Base(data.get("base", Base.VOTES_CAST.value))
    except ValueError:
        raise _fail(f"{where} : base inconnue (« votes_cast » ou « registered »).") from None
    return Threshold(_fraction(data.get("fraction"), where), base)


def parse_rules(value: Any, base: Rules | None = None) -> Rules:
    """Explicit ``"rules"``; its keys override those of the preset, if any."""
    data = _object(value, "« rules »")
    try:
        kind = Kind(data["kind"]) if "kind" in data else (base.kind if base else Kind.LIST)
        method = (
            Method(data["method"])
            if "method" in data
            else (base.method if base else Method.HIGHEST_AVERAGE)
        )
    except ValueError:
        raise _fail(
            "« rules » : type ou méthode inconnus (kind : list, majority, cci, referendum ; "
            "method : highest-average, sainte-lague, largest-remainder)."
        ) from None
    rules = base or Rules(kind=kind)
    rules = replace(rules, kind=kind, method=method)
    if "threshold" in data:
        rules = replace(rules, threshold=_threshold(data["threshold"], "« rules.threshold »"))
    if "round_two_threshold" in data:
        rules = replace(
            rules,
            round_two_threshold=_threshold(
                data["round_two_threshold"], "« rules.round_two_threshold »"
            ),
        )
    if "ties" in data:
        rules = replace(rules, ties=_enum_list(data["ties"], "« rules.ties »"))
    if "sections" in data:
        rules = replace(rules, sections=bool(data["sections"]))
    if "bonus" in data:
        rules = replace(rules, bonus=_bonus(data["bonus"]))
    if "majority" in data:
        rules = replace(rules, majority=_majority(data["majority"], rules.majority))
    if "referendum" in data:
        ref = _object(data["referendum"], "« rules.referendum »")
        rules = replace(
            rules,
            referendum=Referendum(_fraction(ref.get("quorum", 0), "« rules.referendum.quorum »")),
        )
    if "double_election" in data:
        rules = replace(rules, double_election=bool(data["double_election"]))
    if base is None or data:
        rules = replace(rules, sources=rules.sources if base else ("règles explicites",))
    return rules


def _bonus(value: Any) -> Bonus | None:
    if value is None:
        return None
    data = _object(value, "« rules.bonus »")
    fraction = _fraction(data.get("fraction"), "« rules.bonus.fraction »")
    if not 0 <= fraction <= 1:
        raise _fail("La prime majoritaire ne peut dépasser le nombre de sièges (fraction > 1).")
    try:
        rounding = Rounding(data.get("rounding", Rounding.UP.value))
    except ValueError:
        raise _fail("« rules.bonus.rounding » : up, down ou l262.") from None
    ties = _enum_list(data.get("ties", ["highest-average-age"]), "« rules.bonus.ties »")
    return Bonus(fraction, rounding, ties, bool(data.get("first_round_absolute_majority", True)))


def _majority(value: Any, base: Majority | None) -> Majority:
    data = _object(value, "« rules.majority »")
    current = base or Majority()
    where = " (rules.majority)"
    maximum = data.get("qualification_maximum", current.qualification_maximum)
    if maximum is not None and (isinstance(maximum, bool) or not isinstance(maximum, int)):
        raise _fail("« qualification_maximum » doit être un entier.")
    return Majority(
        absolute_majority_rounds=_int(
            data, "absolute_majority_rounds", current.absolute_majority_rounds, where
        ),
        first_round_registered=_fraction(
            data.get("first_round_registered", current.first_round_registered),
            "« rules.majority.first_round_registered »",
        ),
        last_round=_int(data, "last_round", current.last_round, where),
        qualification=_threshold(data["qualification"], "« rules.majority.qualification »")
        if "qualification" in data
        else current.qualification,
        qualification_minimum=_int(
            data, "qualification_minimum", current.qualification_minimum, where
        ),
        qualification_maximum=maximum,
        ties=_enum_list(data["ties"], "« rules.majority.ties »")
        if "ties" in data
        else current.ties,
    )


def _candidate(value: Any, where: str) -> Candidate:
    data = _object(value, where)
    name = CandidateName(_str(data, "name", f" ({where})"))
    birth = _date(data.get("birth_date"), f"de « {name} »")
    if "members" in data:
        members = _people(data["members"], f"{where}.members")
        dates = [m.birth_date for m in members]
        # A binôme is as old as its oldest member (Code électoral L193).
        birth = None if not dates or None in dates else min(d for d in dates if d is not None)
    substitute = (
        _person(data["substitute"], f"{where}.substitute") if data.get("substitute") else None
    )
    group = data.get("list")
    if group is not None and not isinstance(group, str):
        raise _fail(f"« list » ({where}) doit être une chaîne.")
    return Candidate(
        name,
        _int(data, "votes", where=f" ({name})"),
        birth,
        ListName(group) if group else None,
        substitute,
    )


def _party_list(value: Any, where: str, sections: Mapping[str, Mapping[str, Any]]) -> PartyList:
    data = _object(value, where)
    name = ListName(_str(data, "name", f" ({where})"))
    own = _object(data.get("sections", {}), f"« sections » de la liste « {name} »")
    votes_by_section: dict[SectionName, int] = {}
    for section in own:
        votes_by_section[SectionName(section)] = _int(own, section, where=f" (liste « {name} »)")
    for section, per_list in sections.items():
        if name in per_list:
            votes_by_section[SectionName(section)] = _int(
                per_list, name, where=f" (section « {section} »)"
            )
    default = sum(votes_by_section.values()) if votes_by_section else None
    section_people = {
        SectionName(s): _people(p, f"liste « {name} », section « {s} »")
        for s, p in _object(data.get("section_candidates", {}), "« section_candidates »").items()
    }
    return PartyList(
        name,
        _int(data, "votes", default, f" (liste « {name} »)"),
        _people(data.get("candidates", []), f"candidats de la liste « {name} »"),
        votes_by_section,
        section_people,
    )


def parse_ballot(value: Any, inherited: Rules | None = None, preset: str | None = None) -> Ballot:
    """Read one election from the JSON schema of ``docs/counting.md``."""
    data = _object(value, "Le document")
    unknown = sorted(set(data) - BALLOT_KEYS)
    if unknown:
        raise _fail(f"Clé(s) inconnue(s) : {', '.join(unknown)}.")
    rules = inherited
    if "preset" in data:
        preset = data["preset"]
        if not isinstance(preset, str) or preset not in PRESETS:
            raise _fail(
                f"Preset inconnu {preset!r} ; presets connus : {', '.join(sorted(PRESETS))}."
            )
        rules = PRESETS[preset].rules
    if "rules" in data:
        rules = parse_rules(data["rules"], rules)
    if rules is None:
        raise _fail("Indiquez « preset » ou « rules ».")
    sections_raw = _object(data.get("sections", {}), "« sections »")
    sections = {s: _object(v, f"« sections.{s} »") for s, v in sections_raw.items()}
    lists = tuple(
        _party_list(item, f"lists[{i}]", sections)
        for i, item in enumerate(_array(data.get("lists", []), "« lists »"))
    )
    list_names = {lst.name for lst in lists}
    for section, per_list in sections.items():
        for name in per_list:
            if name not in list_names:
                raise _fail(f"Section « {section} » : liste inconnue « {name} ».")
    candidates = tuple(
        _candidate(item, f"candidates[{i}]")
        for i, item in enumerate(_array(data.get("candidates", []), "« candidates »"))
    )
    if lists and rules.kind is Kind.LIST:
        for candidate in candidates:
            if candidate.list is not None and candidate.list not in list_names:
                raise _fail(
                    f"Le candidat « {candidate.name} » cite une liste inconnue « {candidate.list} »."
                )
    questions = tuple(
        Question(
            _str(_object(q, "question"), "name", f" (questions[{i}])"),
            _int(q, "yes", where=f" (questions[{i}])"),
            _int(q, "no", where=f" (questions[{i}])"),
            _int(q, "blank", 0, f" (questions[{i}])"),
            _int(q, "null", 0, f" (questions[{i}])"),
        )
        for i, q in enumerate(_array(data.get("questions", []), "« questions »"))
    )
    registered = _int(data, "registered", 0)
    regional = None
    if "regional" in data:
        sub = dict(_object(data["regional"], "« regional »"))
        sub.setdefault("registered", registered)
        regional = parse_ballot(sub, rules, preset)
    sectors = tuple(
        parse_ballot(s, rules, preset) for s in _array(data.get("sectors", []), "« sectors »")
    )
    voters_default = None
    if sectors or rules.kind is Kind.REFERENDUM:
        voters_default = 0
    blank = _int(data, "blank", 0)
    null = _int(data, "null", 0)
    if questions and len(questions) == 1 and "blank" not in data and "null" not in data:
        blank, null = questions[0].blank, questions[0].null
    default_seats = (
        1
        if rules.kind is Kind.MAJORITY
        else (0 if rules.kind is Kind.REFERENDUM or sectors else None)
    )
    return Ballot(
        rules=rules,
        preset=preset,
        round=_int(data, "round", 1),
        seats=_int(data, "seats", default_seats),
        registered=registered,
        voters=_int(data, "voters", voters_default),
        blank=blank,
        null=null,
        lists=lists,
        candidates=candidates,
        other_votes=_int(data, "other_votes", 0),
        questions=questions,
        regional=regional,
        sectors=sectors,
        name=data.get("name") if isinstance(data.get("name"), str) else None,
    )


# --- output ------------------------------------------------------------------------------------


def decimal_string(value: Fraction, places: int = 2) -> str:
    """``value`` rounded half up to ``places`` decimals, as a string (display only)."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(part: int, whole: int) -> str | None:
    return None if whole <= 0 else decimal_string(Fraction(100 * part, whole))


def _allocation(allocation: Allocation) -> dict[str, Any]:
    return {
        "method": allocation.method.value,
        "seats": allocation.total_seats,
        "quotient": None if allocation.quotient is None else decimal_string(allocation.quotient),
        "quotient_exact": None if allocation.quotient is None else str(allocation.quotient),
        "at_quotient": dict(allocation.at_quotient),
        "steps": [
            {
                "seat": step.seat,
                "phase": step.phase,
                "values": {n: decimal_string(v) for n, v in step.values.items()},
                "winner": step.winner,
                "tied": list(step.tied),
                "decided_by": [r.value for r in step.decided_by],
            }
            for step in allocation.steps
        ],
        "seats_won": dict(allocation.seats),
    }


def _choice(choice: ChoiceResult, result: Result, is_list: bool) -> dict[str, Any]:
    base = result.votes_cast if choice.base_votes_cast is None else choice.base_votes_cast
    out: dict[str, Any] = {
        "name": choice.name,
        "votes": choice.votes,
        "pct_votes_cast": percent(choice.votes, base),
        "pct_registered": percent(choice.votes, result.registered),
    }
    if is_list:
        out.update(eligible=choice.eligible, seats=choice.seats, bonus_seats=choice.bonus_seats)
    else:
        out.update(list=choice.list, elected=choice.elected)
        if result.qualified is not None:
            out["qualified"] = choice.qualified
    return out


def result_to_json(result: Result) -> dict[str, Any]:
    """The result as a JSON-ready dict (schema in docs/counting.md)."""
    is_list = result.kind is Kind.LIST
    out: dict[str, Any] = {
        "preset": result.preset,
        "kind": result.kind.value,
        "round": result.round,
    }
    if result.name is not None:
        out["name"] = result.name
    out.update(
        seats_to_fill=result.seats_total,
        registered=result.registered,
        voters=result.voters,
        blank=result.blank,
        null=result.null,
        votes_cast=result.votes_cast,
        other_votes=result.other_votes,
        turnout=percent(result.voters, result.registered),
        pct_votes_cast_of_registered=percent(result.votes_cast, result.registered),
    )
    if result.kind is not Kind.REFERENDUM and not result.sectors:
        out["lists" if is_list else "candidates"] = [
            _choice(c, result, is_list) for c in result.choices
        ]
    if result.seats is not None:
        out["seats"] = dict(result.seats)
    out["elected"] = list(result.elected)
    if result.qualified is not None:
        out["qualified"] = list(result.qualified)
    out["undecided"] = [
        {"seats": u.seats, "between": list(u.between), "reason": u.reason} for u in result.undecided
    ]
    out["next_round"] = result.next_round
    if result.bonus is not None:
        out["bonus"] = {
            "list": result.bonus.list,
            "seats": result.bonus.seats,
            "tied": list(result.bonus.tied),
            "decided_by": [r.value for r in result.bonus.decided_by],
        }
    if result.allocation is not None:
        out["allocation"] = _allocation(result.allocation)
    if result.departmental_split is not None:
        out["departmental_split"] = result.departmental_split.value
    if result.section_seats is not None:
        out["sections"] = {k: dict(v) for k, v in result.section_seats.items()}
        out["section_allocations"] = {
            k: _allocation(v) for k, v in result.section_allocations.items()
        }
    if result.sectors:
        out["sectors"] = [result_to_json(s) for s in result.sectors]
    if result.regional is not None:
        out["regional"] = result_to_json(result.regional)
        out["substitutes_elected"] = list(result.substitutes_elected)
    if result.questions:
        out["questions"] = [
            {
                "name": q.name,
                "yes": q.yes,
                "no": q.no,
                "blank": q.blank,
                "null": q.null,
                "votes_cast": q.yes + q.no,
                "pct_yes": percent(q.yes, q.yes + q.no),
                "pct_no": percent(q.no, q.yes + q.no),
                "adopted": q.adopted,
                "quorum_reached": q.quorum_reached,
            }
            for q in result.questions
        ]
    out["notes"] = list(result.notes)
    out["sources"] = list(result.sources)
    return out


def count_json(value: Any) -> dict[str, Any]:
    """Parse, count and serialise in one call (what ``scrutin seats`` does)."""
    return result_to_json(count(parse_ballot(value)))
