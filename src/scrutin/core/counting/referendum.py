"""Referendums: one or several questions answered yes or no; blank and null counted apart.

National referendum (Constitution art. 11 and 89): the text is adopted with a majority of
positive votes among the votes cast; an exact tie is therefore not an adoption. Local referendum
(CGCT LO1112-7): in addition, at least half of the registered electors must have voted.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.model import Ballot
from scrutin.core.counting.result import QuestionResult, Result
from scrutin.core.counting.rules import Kind
from scrutin.core.counting.validation import check_names, check_totals


def count_referendum_ballot(ballot: Ballot) -> Result:
    check_totals(ballot)
    if not ballot.questions:
        raise CountingInputError("Aucune question n'a été fournie.")
    if ballot.round != 1:
        raise CountingInputError("Un référendum n'a qu'un tour.")
    check_names((q.name for q in ballot.questions), "question")
    quorum = ballot.rules.referendum.quorum if ballot.rules.referendum else Fraction(0)
    quorum_reached = Fraction(ballot.voters) >= quorum * ballot.registered
    results = []
    for question in ballot.questions:
        for label, value in (
            ("oui", question.yes),
            ("non", question.no),
            ("blancs", question.blank),
            ("nuls", question.null),
        ):
            if value < 0:
                raise CountingInputError(
                    f"Question « {question.name} » : le nombre de {label} est négatif ({value})."
                )
        total = question.yes + question.no + question.blank + question.null
        if total != ballot.voters:
            raise CountingInputError(
                f"Question « {question.name} » : oui, non, blancs et nuls ({total}) ne font pas "
                f"le nombre de votants ({ballot.voters})."
            )
        results.append(
            QuestionResult(
                question.name,
                question.yes,
                question.no,
                question.blank,
                question.null,
                adopted=quorum_reached and question.yes > question.no,
                quorum_reached=quorum_reached,
            )
        )
    first = ballot.questions[0]
    base = Result(
        kind=Kind.REFERENDUM,
        preset=ballot.preset,
        round=1,
        name=ballot.name,
        seats_total=0,
        registered=ballot.registered,
        voters=ballot.voters,
        blank=first.blank if len(ballot.questions) == 1 else ballot.blank,
        null=first.null if len(ballot.questions) == 1 else ballot.null,
        votes_cast=first.yes + first.no if len(ballot.questions) == 1 else ballot.votes_cast,
        sources=ballot.rules.sources,
    )
    return replace(base, questions=tuple(results))
