"""Named presets: the rules of each French election, with their legal source and date.

A change in the law is a new preset here (keep the old one for elections held under it), not new
code. ``docs/counting.md`` lists the same parameters with the sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

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

FIVE_PERCENT = Threshold(Fraction(5, 100), Base.VOTES_CAST)
TEN_PERCENT = Threshold(Fraction(10, 100), Base.VOTES_CAST)
QUARTER = Fraction(1, 4)
LIST_TIES = (TieRule.MOST_VOTES, TieRule.OLDEST)


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    rules: Rules
    in_force: str
    """Which law this preset reflects and since when."""


def _preset(name: str, title: str, in_force: str, rules: Rules) -> Preset:
    return Preset(name, title, rules, in_force)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _preset(
            "cci",
            "Membres des CCI (CCIR et CCIT), par catégorie",
            "Code de commerce L713-16 (loi n° 2010-853 du 23 juillet 2010) et R713-27 "
            "(rédaction en vigueur issue de la refonte réglementaire de 2021) ; CCTP CCI France 3.2.2",
            Rules(
                kind=Kind.CCI,
                majority=Majority(absolute_majority_rounds=0, last_round=1, ties=(TieRule.OLDEST,)),
                double_election=True,
                sources=(
                    "Code de commerce, art. L713-16",
                    "Code de commerce, art. R713-27",
                    "CCTP CCI France, § 3.2.2",
                ),
            ),
        ),
        _preset(
            "european",
            "Représentants au Parlement européen",
            "Loi n° 77-729 du 7 juillet 1977, art. 3, dans sa rédaction issue de la loi "
            "n° 2018-509 du 25 juin 2018 (circonscription nationale unique)",
            Rules(
                kind=Kind.LIST,
                method=Method.HIGHEST_AVERAGE,
                threshold=FIVE_PERCENT,
                ties=LIST_TIES,
                sources=("Loi n° 77-729 du 7 juillet 1977, art. 3",),
            ),
        ),
        _preset(
            "municipal",
            "Conseillers municipaux, scrutin de liste avec prime majoritaire",
            "Code électoral L262 et L264 ; communes de 1 000 habitants et plus depuis la loi "
            "n° 2013-403 du 17 mai 2013 (3 500 dans le règlement de 2003), toutes les communes "
            "à partir du renouvellement de 2026 (loi n° 2025-444 du 21 mai 2025)",
            Rules(
                kind=Kind.LIST,
                threshold=FIVE_PERCENT,
                bonus=Bonus(Fraction(1, 2), Rounding.L262, (TieRule.HIGHEST_AVERAGE_AGE,)),
                ties=LIST_TIES,
                round_two_threshold=TEN_PERCENT,
                sources=("Code électoral, art. L262", "Code électoral, art. L264"),
            ),
        ),
        _preset(
            "municipal-plm-1982",
            "Paris, Lyon, Marseille par secteur (loi PLM de 1982)",
            "Code électoral L261, L271 et L272 dans leur rédaction antérieure à la loi "
            "n° 2025-795 du 11 août 2025 : chaque secteur applique L262",
            Rules(
                kind=Kind.LIST,
                threshold=FIVE_PERCENT,
                bonus=Bonus(Fraction(1, 2), Rounding.L262, (TieRule.HIGHEST_AVERAGE_AGE,)),
                ties=LIST_TIES,
                round_two_threshold=TEN_PERCENT,
                sources=("Code électoral, art. L262", "Code électoral, art. L272 (1982)"),
            ),
        ),
        _preset(
            "municipal-majority",
            "Conseillers municipaux des communes de moins de 1 000 habitants (panachage)",
            "Code électoral L252 et L253, jusqu'au renouvellement général de 2026 ; abrogé par "
            "la loi n° 2025-444 du 21 mai 2025",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(
                    absolute_majority_rounds=1,
                    first_round_registered=QUARTER,
                    last_round=2,
                    ties=(TieRule.OLDEST,),
                ),
                sources=("Code électoral, art. L253 (version antérieure à 2026)",),
            ),
        ),
        _preset(
            "regional",
            "Conseillers régionaux, prime du quart et sections départementales",
            "Code électoral L338, L338-1 et L346 (loi n° 2003-327 du 11 avril 2003)",
            Rules(
                kind=Kind.LIST,
                threshold=FIVE_PERCENT,
                bonus=Bonus(QUARTER, Rounding.UP, (TieRule.HIGHEST_AVERAGE_AGE,)),
                ties=LIST_TIES,
                sections=True,
                round_two_threshold=TEN_PERCENT,
                sources=(
                    "Code électoral, art. L338",
                    "Code électoral, art. L338-1",
                    "Code électoral, art. L346",
                ),
            ),
        ),
        _preset(
            "legislative",
            "Députés",
            "Code électoral L126 et L162 (12,5 % des inscrits depuis la loi n° 76-1220 du "
            "29 décembre 1976)",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(
                    absolute_majority_rounds=1,
                    first_round_registered=QUARTER,
                    last_round=2,
                    qualification=Threshold(Fraction(125, 1000), Base.REGISTERED),
                    qualification_minimum=2,
                    ties=(TieRule.OLDEST,),
                ),
                sources=("Code électoral, art. L126", "Code électoral, art. L162"),
            ),
        ),
        _preset(
            "departmental",
            "Conseillers départementaux (binômes)",
            "Code électoral L191, L193 et L210-1 (binômes : loi n° 2013-403 du 17 mai 2013 ; "
            "12,5 % des inscrits : loi n° 2011-412 du 14 avril 2011)",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(
                    absolute_majority_rounds=1,
                    first_round_registered=QUARTER,
                    last_round=2,
                    qualification=Threshold(Fraction(125, 1000), Base.REGISTERED),
                    qualification_minimum=2,
                    ties=(TieRule.OLDEST,),
                ),
                sources=("Code électoral, art. L193", "Code électoral, art. L210-1"),
            ),
        ),
        _preset(
            "cantonal-2003",
            "Conseillers généraux (élections cantonales) selon le règlement de 2003",
            "Code électoral L193 et L210-1 en 2003 : 10 % des inscrits pour le second tour ; "
            "remplacé par « departmental »",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(
                    absolute_majority_rounds=1,
                    first_round_registered=QUARTER,
                    last_round=2,
                    qualification=Threshold(Fraction(10, 100), Base.REGISTERED),
                    qualification_minimum=2,
                    ties=(TieRule.OLDEST,),
                ),
                sources=("Code électoral, art. L210-1 (version 2003)",),
            ),
        ),
        _preset(
            "presidential",
            "Président de la République",
            "Constitution du 4 octobre 1958, art. 7",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(
                    absolute_majority_rounds=1,
                    last_round=2,
                    qualification_maximum=2,
                    qualification_minimum=2,
                    ties=(),
                ),
                sources=("Constitution, art. 7",),
            ),
        ),
        _preset(
            "senatorial-majority",
            "Sénateurs, départements élisant un ou deux sénateurs",
            "Code électoral L294 (seuil de deux sièges : loi n° 2013-702 du 2 août 2013)",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(
                    absolute_majority_rounds=1,
                    first_round_registered=QUARTER,
                    last_round=2,
                    ties=(TieRule.OLDEST,),
                ),
                sources=("Code électoral, art. L294",),
            ),
        ),
        _preset(
            "senatorial-proportional",
            "Sénateurs, départements élisant trois sénateurs ou plus",
            "Code électoral L295 (seuil de trois sièges : loi n° 2013-702 du 2 août 2013)",
            Rules(
                kind=Kind.LIST,
                method=Method.HIGHEST_AVERAGE,
                ties=(),
                sources=("Code électoral, art. L295",),
            ),
        ),
        _preset(
            "referendum",
            "Référendum national",
            "Constitution, art. 11 et 89",
            Rules(
                kind=Kind.REFERENDUM, referendum=Referendum(), sources=("Constitution, art. 11",)
            ),
        ),
        _preset(
            "referendum-local",
            "Référendum local",
            "CGCT LO1112-7 (loi organique n° 2003-705 du 1er août 2003)",
            Rules(
                kind=Kind.REFERENDUM,
                referendum=Referendum(quorum=Fraction(1, 2)),
                sources=("CGCT, art. LO1112-7",),
            ),
        ),
        _preset(
            "mayor",
            "Maire, élu par le conseil municipal",
            "CGCT L2122-7",
            Rules(
                kind=Kind.MAJORITY,
                majority=Majority(absolute_majority_rounds=2, last_round=3, ties=(TieRule.OLDEST,)),
                sources=("CGCT, art. L2122-7",),
            ),
        ),
    )
}
