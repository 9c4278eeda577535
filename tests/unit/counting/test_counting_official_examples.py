"""Worked examples from published official results; each test cites its source."""

from __future__ import annotations

from typing import Any

from scrutin.core.counting import count_json


def test_european_2024_france_seat_distribution() -> None:
    """European election of 9 June 2024, France, 81 seats, single national constituency.

    Figures: Ministère de l'Intérieur (resultats-elections.interieur.gouv.fr) as reproduced in
    fr.wikipedia.org « Élections européennes de 2024 en France » (inscrits 49 462 981, votants
    25 470 472, blancs 346 240, nuls 370 459); seats 30/13/13/9/6/5/5 as proclaimed by the
    commission nationale de recensement (décision n° 2024-0141 du 12 juin 2024, JORF 13 juin 2024)
    and reported by the ministry on 10 June 2024. The 31 lists under 5 % are ``other_votes``.
    """
    result = count_json(
        {
            "preset": "european",
            "seats": 81,
            "registered": 49_462_981,
            "voters": 25_470_472,
            "blank": 346_240,
            "null": 370_459,
            "lists": [
                {"name": "La France revient (Bardella)", "votes": 7_765_936},
                {"name": "Besoin d'Europe (Hayer)", "votes": 3_614_646},
                {"name": "Réveiller l'Europe (Glucksmann)", "votes": 3_424_216},
                {"name": "LFI (Aubry)", "votes": 2_448_703},
                {"name": "LR (Bellamy)", "votes": 1_794_171},
                {"name": "Europe Écologie (Toussaint)", "votes": 1_361_883},
                {"name": "La France fière (Maréchal)", "votes": 1_353_127},
            ],
            "other_votes": 2_991_091,
        }
    )
    assert result["votes_cast"] == 24_753_773
    assert list(result["seats"].values()) == [30, 13, 13, 9, 6, 5, 5]
    assert result["lists"][0]["pct_votes_cast"] == "31.37"
    assert result["lists"][5]["pct_votes_cast"] == "5.50"
    assert result["lists"][6]["pct_votes_cast"] == "5.47"
    assert result["undecided"] == []
    assert result["allocation"]["method"] == "highest-average"
    assert len(result["allocation"]["steps"]) == 81 - sum(
        result["allocation"]["at_quotient"].values()
    )


def test_regional_2004_ile_de_france_round_two_bonus_and_seats() -> None:
    """Regional election of 28 March 2004, Île-de-France, round 2, 209 seats.

    Huchon 1 922 546, Copé 1 593 559, Le Pen 395 481 votes; quarter bonus 53 to Huchon, then
    156 seats shared 77 + 64 + 15; final 130 / 64 / 15 as published by the Ministère de
    l'Intérieur (worked through at www.madore.org/~david/weblog/d.2004-03-29.0582.html).
    Registered electors are not given there; they do not enter this computation.
    """
    votes = {"Huchon": 1_922_546, "Copé": 1_593_559, "Le Pen": 395_481}
    total = sum(votes.values())
    result = count_json(
        {
            "preset": "regional",
            "rules": {"sections": False},
            "round": 2,
            "seats": 209,
            "registered": total,
            "voters": total,
            "lists": [{"name": n, "votes": v} for n, v in votes.items()],
        }
    )
    assert result["bonus"] == {"list": "Huchon", "seats": 53, "tied": [], "decided_by": []}
    assert result["allocation"]["seats_won"] == {"Huchon": 77, "Copé": 64, "Le Pen": 15}
    assert result["seats"] == {"Huchon": 130, "Copé": 64, "Le Pen": 15}


def test_issue_19_regional_2004_ile_de_france_from_region_totals_with_the_preset_alone() -> None:
    """The same published figures with the ``regional`` preset as it stands (sections on): a
    user with only the region-wide list totals gets the list-level allocation (L338: bonus,
    5 % threshold, highest average) — 130 / 64 / 15 as published — and the result says the
    departmental split (L338-1) was not made."""
    votes = {"Huchon": 1_922_546, "Copé": 1_593_559, "Le Pen": 395_481}
    total = sum(votes.values())
    result = count_json({"preset": "regional", "round": 2, "seats": 209, "registered": total,
                         "voters": total, "lists": [{"name": n, "votes": v} for n, v in votes.items()]})  # fmt: skip
    assert result["bonus"]["list"] == "Huchon" and result["bonus"]["seats"] == 53
    assert result["seats"] == {"Huchon": 130, "Copé": 64, "Le Pen": 15}
    assert result["departmental_split"] == "none" and "sections" not in result
    assert any("niveau régional seulement" in note for note in result["notes"])


REGIONAL_ANNEX: dict[str, dict[str, int]] = {
    "L1": {"D1": 1_149, "D2": 62_366, "D3": 132_833, "D4": 203_511, "D5": 143_200},
    "L2": {"D1": 3_380, "D2": 14_244, "D3": 35_629, "D4": 66_521, "D5": 25_698},
    "L3": {"D1": 4_678, "D2": 37_236, "D3": 92_022, "D4": 165_683, "D5": 73_260},
    "L4": {"D1": 16_321, "D2": 33_231, "D3": 28_512, "D4": 73_260, "D5": 23_523},
}


def _regional_annex() -> dict[str, Any]:
    total = sum(sum(v.values()) for v in REGIONAL_ANNEX.values())
    return {
        "preset": "regional",
        "round": 2,
        "seats": 125,
        "registered": total,
        "voters": total,
        "lists": [{"name": name} for name in REGIONAL_ANNEX],
        "sections": {
            d: {name: per[d] for name, per in REGIONAL_ANNEX.items()}
            for d in ("D1", "D2", "D3", "D4", "D5")
        },
    }


def test_regional_annex_example_quarter_bonus_quotient_and_sections() -> None:
    """« Annexe 11 : Mode de scrutin et répartition des sièges » (administrative guide
    reproduced at 123dok.net/article/mode-de-scrutin-et-répartition-des-sièges.yj75pxvk): a region
    of 5 departments, 125 seats, 4 lists in round 2. The guide states: bonus 125 × 0.25 = 31.25
    rounded up to 32 for L1; 93 seats left; quotient 1 236 257 / 93; integer division of each
    list's votes by the quotient, then highest average; then L338-1 shares each list's seats
    among its departmental sections. (The guide prints the quotient as 13 293,06; the exact value
    of its own fraction is 13 293.086…, which we display rounded half up as 13293.09; the integer
    divisions are the same either way.)
    """
    result = count_json(_regional_annex())
    assert result["bonus"]["list"] == "L1"
    assert result["bonus"]["seats"] == 32
    assert result["allocation"]["seats"] == 93
    assert result["allocation"]["quotient_exact"] == "1236257/93"
    assert result["allocation"]["quotient"] == "13293.09"
    assert result["allocation"]["at_quotient"] == {"L1": 40, "L2": 10, "L3": 28, "L4": 13}
    assert sum(result["seats"].values()) == 125
    for name, seats in result["seats"].items():
        assert sum(result["sections"][name].values()) == seats
    # L338-1: sections by the same highest-average rule, applied within each list.
    assert result["section_allocations"]["L1"]["seats"] == result["seats"]["L1"]
    assert result["departmental_split"] == "all"


def test_issue_19_regional_annex_sections_for_some_lists_only() -> None:
    """The annex's figures with L4's departmental votes missing (only its regional total): the
    list-level seats are the guide's, L1–L3 are split among their sections, L4 is named as not
    split."""
    full = count_json(_regional_annex())
    doc = _regional_annex()
    for per_list in doc["sections"].values():
        del per_list["L4"]
    doc["lists"] = [{"name": n} if n != "L4" else {"name": n, "votes": sum(REGIONAL_ANNEX[n].values())}
                    for n in REGIONAL_ANNEX]  # fmt: skip
    result = count_json(doc)
    assert result["seats"] == full["seats"] and result["allocation"] == full["allocation"]
    assert result["departmental_split"] == "partial"
    assert set(result["sections"]) == {"L1", "L2", "L3"}
    assert result["sections"]["L1"] == full["sections"]["L1"]
    assert any("« L4 » n'a pas de voix par section" in note for note in result["notes"])


def test_municipal_l262_worked_example_19_seats() -> None:
    """Commune of 1 672 inhabitants, 19 seats (o61.fr, « La répartition est prévue aux articles
    L260 et suivants du code électoral »): votes cast 1 428, list A 884, list B 544. A has the
    absolute majority: bonus 19 / 2 = 9.5 rounded up to 10; 9 seats left; quotient 1 428 / 9;
    A 5 and B 3 at the quotient; averages A 884 / 6 = 147, B 544 / 4 = 136: the last seat goes
    to A. Final: A 16, B 3.
    """
    result = count_json(
        {
            "preset": "municipal",
            "seats": 19,
            "registered": 1_500,
            "voters": 1_428,
            "lists": [{"name": "A", "votes": 884}, {"name": "B", "votes": 544}],
        }
    )
    assert result["bonus"]["seats"] == 10
    assert result["allocation"]["at_quotient"] == {"A": 5, "B": 3}
    step = result["allocation"]["steps"][0]
    assert step["values"] == {"A": "147.33", "B": "136.00"}
    assert step["winner"] == "A"
    assert result["seats"] == {"A": 16, "B": 3}


def test_presidential_2022_round_one_qualifies_the_two_leading_candidates() -> None:
    """Presidential election, 10 April 2022: Conseil constitutionnel proclamation of
    13 April 2022 (touteleurope.eu, « résultats officiels du premier tour »): 48 747 876
    registered, 35 923 707 voters, 790 760 blank or null (543 609 blank, 247 151 null)."""
    votes = {
        "Emmanuel Macron": 9_783_058,
        "Marine Le Pen": 8_133_828,
        "Jean-Luc Mélenchon": 7_712_520,
        "Éric Zemmour": 2_485_226,
        "Valérie Pécresse": 1_679_001,
        "Yannick Jadot": 1_627_853,
        "Jean Lassalle": 1_101_387,
        "Fabien Roussel": 802_422,
        "Nicolas Dupont-Aignan": 725_176,
        "Anne Hidalgo": 616_478,
        "Philippe Poutou": 268_904,
        "Nathalie Arthaud": 197_094,
    }
    result = count_json(
        {
            "preset": "presidential",
            "registered": 48_747_876,
            "voters": 35_923_707,
            "blank": 543_609,
            "null": 247_151,
            "candidates": [{"name": n, "votes": v} for n, v in votes.items()],
        }
    )
    assert result["votes_cast"] == 35_132_947
    assert result["elected"] == []
    assert result["qualified"] == ["Emmanuel Macron", "Marine Le Pen"]
    assert result["next_round"] == 2
    assert result["candidates"][0]["pct_votes_cast"] == "27.85"
    assert result["candidates"][2]["pct_votes_cast"] == "21.95"


def test_presidential_2022_round_two_elects_the_majority_candidate() -> None:
    """Presidential election, 24 April 2022: Conseil constitutionnel proclamation of
    27 April 2022 (vie-publique.fr): 48 752 339 registered, 35 096 478 voters, 2 233 904 blank,
    32 057 325 votes cast; Macron 18 768 639 (58.55 %), Le Pen 13 288 686 (41.45 %)."""
    result = count_json(
        {
            "preset": "presidential",
            "round": 2,
            "registered": 48_752_339,
            "voters": 35_096_478,
            "blank": 2_233_904,
            "null": 805_249,
            "candidates": [
                {"name": "Emmanuel Macron", "votes": 18_768_639},
                {"name": "Marine Le Pen", "votes": 13_288_686},
            ],
        }
    )
    assert result["votes_cast"] == 32_057_325
    assert result["elected"] == ["Emmanuel Macron"]
    assert [c["pct_votes_cast"] for c in result["candidates"]] == ["58.55", "41.45"]
    assert result["turnout"] == "71.99"


def test_paris_sector_1st_arrondissement_2014_by_sector() -> None:
    """Paris, municipal election of 23 March 2014, 1st arrondissement (sector), 10 sector seats:
    votes cast 6 079; lists with 5 % or more: L1 3 144 (absolute majority in round 1), L2 1 603,
    L3 659, L4 306 (worked example on fr.wikipedia, « Brouillon de note de calcul », mirrored at
    kampuspedia.com). Bonus 10 / 2 = 5 to L1, then 5 seats at the highest average: L1 3, L2 2.
    """
    sector = {
        "name": "Paris 1er",
        "seats": 10,
        "registered": 10_000,
        "voters": 6_079,
        "lists": [
            {"name": "L1", "votes": 3_144},
            {"name": "L2", "votes": 1_603},
            {"name": "L3", "votes": 659},
            {"name": "L4", "votes": 306},
        ],
        "other_votes": 367,
    }
    result = count_json({"preset": "municipal-plm-1982", "sectors": [sector]})
    assert result["sectors"][0]["seats"] == {"L1": 8, "L2": 2, "L3": 0, "L4": 0}
    assert result["seats"] == {"L1": 8, "L2": 2, "L3": 0, "L4": 0}
    assert result["sectors"][0]["lists"][3]["eligible"] is True
