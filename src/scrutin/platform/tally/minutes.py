"""The procès-verbal of one ballot of one urn, as PDF (CCTP 3.2.2.6, 4.1.4.8, 4.1.4.8.1).

Made from the urn's signed results document (``scrutin-urn-results/v1``, checked and its
signature verified first) and nothing else, so anyone holding the document gets the same PV.
It carries: the election (CCI, region, category, sub-category, ballot, seats); the opening and
closing dates; registered, voters, blank, null (always 0: an internet ballot cannot be null),
votes cast; votes per candidate with groupement and suppléant; the elected (R713-27: CCIR members
also seated in the CCIT with their suppléants, then the remaining CCIT seats); ties settled by
age and ties left to the commission; seats per groupement; the key holders who decrypted; the
fingerprints of the seals, tally and result; the platform's signature and how to check them;
spaces for the proclamation and the signatures of the COE's president and members.
``docs/fr/proces-verbal.md`` lists where each mention comes from.

Deterministic: ReportLab's invariant mode (fixed document ID), the creation date taken from
the end of the tally, fonts embedded from fixed files — the same document always gives the same
bytes (golden-file test). DejaVu fonts (``fonts-dejavu-core``, installed by
``scripts/install-system.sh``) cover every Latin name; Helvetica's encoding does not (Ł, ễ, ğ…).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.platypus import KeepTogether, PageBreak, SimpleDocTemplate, Spacer, Table

from scrutin.pdf import LINE, MM, numbered_canvas
from scrutin.pdf import Section as _Section
from scrutin.pdf import esc as _e
from scrutin.pdf import moment as _moment
from scrutin.pdf import number as _n
from scrutin.pdf import pairs as _pairs
from scrutin.pdf import para as _p
from scrutin.pdf import pdf_date as _pdf_date
from scrutin.pdf import plural as _plural
from scrutin.pdf import space as _space
from scrutin.pdf import styles as _styles
from scrutin.pdf import table as _table
from scrutin.pdf import when as _when
from scrutin.record import strictjson

from .exports import (
    FINGERPRINT_LABELS,
    SEAL_LABELS,
    ResultsDocumentError,
    SeatAccount,
    ballot_of,
    check_document,
    document_fingerprint,
    percent_fr,
    seat_account,
    verify_signature,
)

Doc = Mapping[str, Any]
CHAMBER = {"CCIR": "chambre de commerce et d'industrie de région",
           "CCIT": "chambre de commerce et d'industrie territoriale"}  # fmt: skip

MODE = ("Vote électronique par internet. Scrutin majoritaire plurinominal à un tour "
        "(Code de commerce, art. L713-16).")  # fmt: skip
NULL_NOTE = ("Le vote par internet ne peut pas produire de bulletin nul : la plate-forme "
             "n'accepte un bulletin chiffré qu'avec les preuves qu'il est valide, et ne choisir "
             "aucun candidat est un vote blanc confirmé par l'électeur.")  # fmt: skip
CCIR_ELECTED = (f"Sont élus membres de la {CHAMBER['CCIR']} et, à ce titre, membres de la "
                f"{CHAMBER['CCIT']} ; leurs suppléants sont élus à la {CHAMBER['CCIT']} "
                "(Code de commerce, art. L713-16 et R713-27) :")  # fmt: skip
TIES = ("Les candidats ci-dessous ont le même nombre de voix et la même date de naissance (ou "
        "une date inconnue) : la règle de l'âge ne peut les départager. La plate-forme "
        "n'attribue pas ces sièges ; la commission statue et porte sa décision ci-dessous.")  # fmt: skip
CHECK = ("<b>Vérification.</b> Les empreintes sont des SHA-256 (64 caractères hexadécimaux) de la "
         "forme canonique RFC 8785 des documents. La commande <b>scrutin verify</b> appliquée au "
         "registre public de l'urne (election.json, ballots.jsonl, tally.json, decryptions.json, "
         "result.json) revérifie chaque bulletin, l'agrégation, les déchiffrements partiels et "
         "les décomptes ; les empreintes de tally.json et de result.json doivent être celles "
         "ci-dessus. La signature Ed25519 de la plate-forme porte sur le document de résultats "
         "de l'urne sans son champ « signature » ; la clé doit être celle que publie "
         "election.json (platform_key). Voir le guide « Procès-verbal » de Scrutin.")  # fmt: skip
SIGNED = ("Fait à ______________________, le ____ / ____ / ________, en séance publique. "
          "Procès-verbal établi par la commission d'organisation des élections et signé par son "
          "président et ses membres (CCTP 3.2.2.6).")  # fmt: skip


# --- text helpers ----------------------------------------------------------------------------


def _birth(iso: str | None) -> str:
    return "/".join(reversed(iso.split("-"))) if iso else "date inconnue"


def _pct(part: int, whole: int) -> str:
    value = percent_fr(part, whole)
    return f"{value}\u00a0%" if value else "—"


def _substitute_word(name: str) -> str:
    """« suppléante » or « suppléant » after the civility that starts the printed name."""
    return "suppléante" if name.startswith("Mme ") else "suppléant"


def _elected_word(name: str) -> str:
    return "Élue" if name.startswith("Mme ") else "Élu"


TEST_HEADING = "ENVIRONNEMENT DE TEST — procès-verbal d'essai, sans valeur pour une élection réelle"


# --- sections --------------------------------------------------------------------------------


def _heading(doc: Doc, ballot: Doc) -> list[Any]:
    kind, urn = ballot["kind"], doc["urn"]
    sub = f" — {_e(urn['subcategory']['label'])}" if urn["subcategory"] else ""
    region = f"{_e(doc['region'])}<br/>" if kind == "CCIR" else ""
    test = [_p(TEST_HEADING, "title")] if "environment" in doc else []  # protocol.md §15
    return [*test, _p("PROCÈS-VERBAL DES OPÉRATIONS ÉLECTORALES", "title"),
            _p(f"Élection des membres de la {CHAMBER[kind]} ({kind})<br/>{region}"
               f"{_e(doc['cci']['label'])} — {_e(urn['category']['label'])}{sub}", "subtitle"),
            _p(MODE, "subtitle"), Spacer(1, 3 * MM)]  # fmt: skip


def _election(doc: Doc, ballot: Doc) -> list[Any]:
    urn, sub, times = doc["urn"], doc["urn"]["subcategory"], doc["times"]
    return [
        _p("1. Scrutin", "h"),
        _pairs([("Chambre territoriale", f"{_e(doc['cci']['label'])} (code {_e(doc['cci']['code'])})"),
                ("Chambre de région", _e(doc["region"])),
                ("Scrutin (urne)", f"{_e(urn['code'])} — {_e(urn['title'])}"),
                ("Catégorie", f"{_e(urn['category']['code'])} — {_e(urn['category']['label'])}"),
                ("Sous-catégorie", f"{_e(sub['code'])} — {_e(sub['label'])}" if sub else "sans objet"),
                ("Bulletin", f"{ballot['kind']} — {_e(ballot['title'])}"),
                ("Sièges à pourvoir", _n(ballot["seats"]))]),
        _p("2. Déroulement du vote (heure de Paris)", "h"),
        _pairs([("Ouverture du vote", _when(times["opens_at"])),
                ("Clôture prévue", _when(times["closes_at"])),
                ("Clôture effective", _when(times["closed_at"])),
                ("Début du dépouillement", _when(times["tally_started_at"])),
                ("Fin du dépouillement", _when(times["tally_finished_at"]))]),
    ]  # fmt: skip


def _figures(doc: Doc, ballot: Doc) -> list[Any]:
    voters = (f"{_n(doc['voters'])} (taux de participation : {_pct(doc['voters'], doc['registered'])})"
              " — égal au nombre d'émargements et de bulletins dans l'urne")  # fmt: skip
    return [
        _p("3. Résultats du dépouillement", "h"),
        _pairs([("Électeurs inscrits", _n(doc["registered"])), ("Votants", voters),
                ("Bulletins blancs", _n(ballot["blank"])),
                ("Bulletins nuls", f"{_n(ballot['null'])} — {NULL_NOTE}"),
                ("Suffrages exprimés", f"{_n(ballot['cast'])} (votants − blancs − nuls)")]),
        _p(f"Chaque électeur pouvait choisir jusqu'à {_plural(ballot['seats'], 'candidat')} ; "
           "les pourcentages de voix se rapportent aux suffrages exprimés.", "note"),
    ]  # fmt: skip


def _tied(ballot: Doc) -> set[str]:
    return {n for u in ballot["undecided"] for n in u["between"]}


def _votes(ballot: Doc) -> list[Any]:
    tied = _tied(ballot)
    rows: list[list[Any]] = [["N°", "Candidat", "Groupement", "Voix", "%", "Résultat"]]
    for rank, c in enumerate(ballot["candidates"], 1):
        who = f"<b>{_e(c['name'])}</b>"
        if c["substitute"]:
            who += f"<br/>{_substitute_word(c['substitute'])} : {_e(c['substitute'])}"
        status = (
            f"<b>{_elected_word(c['name'])}</b>"
            if c["elected"]
            else "Égalité"
            if c["name"] in tied
            else ""
        )
        rows.append([str(rank), _p(who, "cell"), _p(_e(c["groupement"] or "—"), "cell"),
                     _n(c["votes"]), _pct(c["votes"], ballot["cast"]), _p(status, "cell")])  # fmt: skip
    title = _p("4. Voix obtenues par chaque candidat (dans l'ordre du bulletin)", "h")
    if not ballot["candidates"]:
        return [title, _p("Aucun candidat ne figurait sur ce bulletin.")]
    return [title, _table(rows, [10, 64, 45, 17, 18, 20], right=(0, 3, 4))]


def _by_votes(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(candidates, key=lambda c: -c["votes"])


def _who(group: list[dict[str, Any]], votes: int) -> str:
    return ", ".join(f"{_e(c['name'])} (né(e) le {_birth(c['birth_date'])})"
                     for c in group if c["votes"] == votes)  # fmt: skip


def _age_notes(ballot: Doc) -> list[Any]:
    """Equal votes across the line between elected and not elected, settled by age (L713-16)."""
    tied = _tied(ballot)
    won = [c for c in ballot["candidates"] if c["elected"]]
    lost = [c for c in ballot["candidates"]
            if not c["elected"] and c["votes"] > 0 and c["name"] not in tied]  # fmt: skip
    return [_p(f"À égalité de {_plural(votes, 'voix', 'voix')}, le plus âgé est proclamé élu "
               f"(Code de commerce, art. L713-16) : élu(e) {_who(won, votes)} ; "
               f"non élu(e) {_who(lost, votes)}.")
            for votes in sorted({c["votes"] for c in won} & {c["votes"] for c in lost}, reverse=True)]  # fmt: skip


def _elected_table(rows: list[dict[str, Any]], substitutes: bool) -> Table:
    head = ["Élu(e)", "Groupement", "Voix"] + (["Suppléant(e), élu(e) à la CCIT"] if substitutes else [])  # fmt: skip
    body = [[_p(_e(c["name"]), "cell"), _p(_e(c["groupement"] or "—"), "cell"), _n(c["votes"])]
            + ([_p(_e(c["substitute"]), "cell")] if substitutes else []) for c in rows]  # fmt: skip
    return _table([head, *body], [60, 50, 17, 47] if substitutes else [84, 73, 17], right=(2,))


def _elected(doc: Doc, ballot: Doc, account: SeatAccount) -> list[Any]:
    out: list[Any] = [_p("5. Candidats proclamés élus", "h")]
    own = _by_votes([c for c in ballot["candidates"] if c["elected"]])
    ccir = ballot_of(doc, "CCIR")
    if ballot["kind"] == "CCIR":
        out += [_p(CCIR_ELECTED), _elected_table(own, True) if own else _p("Aucun candidat élu.")]
    elif ccir is None:
        out.append(_p(f"Ce scrutin ne comporte pas d'élection à la chambre de région : les "
                      f"{_plural(ballot['seats'], 'siège')} vont aux candidats ayant obtenu le "
                      "plus de voix."))  # fmt: skip
        out.append(_elected_table(own, False) if own else _p("Aucun candidat élu."))
    else:
        regional = _by_votes(list(account.regional_members))
        reserved = 2 * sum(u["seats"] for u in ccir["undecided"])
        left = ballot["seats"] - 2 * len(regional) - reserved
        out.append(_p(f"La {CHAMBER['CCIT']} compte {_plural(ballot['seats'], 'siège')} dans "
                      "cette catégorie (Code de commerce, art. R713-27) :"))  # fmt: skip
        members = ("le membre élu" if len(regional) == 1 else
                   f"les {_plural(len(regional), 'membre')} élus" if regional else "aucun membre élu")  # fmt: skip
        out.append(_p(f"a) {_plural(2 * len(regional), 'siège')} pour {members} à la "
                      f"{CHAMBER['CCIR']} et {'son suppléant' if len(regional) == 1 else 'leurs suppléants'} :"))  # fmt: skip
        if regional:
            out += [_elected_table(regional, True), _space()]
        if reserved:
            out.append(_p(f"b) {_plural(reserved, 'siège')} en attente de la décision de la "
                          "commission sur l'égalité au scrutin CCIR (membre et suppléant)."))  # fmt: skip
        out.append(_p(f"{'c' if reserved else 'b'}) {_plural(max(left, 0), 'siège')} restant à "
                      "pourvoir : sont élus les candidats à la seule chambre territoriale ayant "
                      "obtenu le plus de voix :"))  # fmt: skip
        out.append(_elected_table(own, False) if own else _p("Aucun candidat élu à ce titre."))
    out += [_space(), *_age_notes(ballot)]
    notes = doc.get("notes", []) if ballot["kind"] == "CCIT" else []
    if account.vacant and not notes:
        verb = "restent vacants" if account.vacant > 1 else "reste vacant"
        out.append(_p(f"{_plural(account.vacant, 'siège')} {verb} faute de candidat ayant "
                      "obtenu des voix."))  # fmt: skip
    return out + [_p(f"Note de la plate-forme : {_e(n)}") for n in notes]


def _seats(ballot: Doc, account: SeatAccount) -> list[Any]:
    rows: list[list[Any]] = [["Groupement", "Candidats", "Sièges"]]
    rows += [[_p(_e(name), "cell"), _n(n), _n(won)] for name, n, won in account.groupements]
    if account.individual_candidates or account.individual:
        rows.append(["Candidatures individuelles", _n(account.individual_candidates),
                     _n(account.individual)])  # fmt: skip
    if account.undecided:
        rows.append(["Sièges à attribuer par la commission (égalité)", "", _n(account.undecided)])
    if account.vacant:
        rows.append(["Sièges vacants", "", _n(account.vacant)])
    rows.append([_p("<b>Total</b>", "cell"), "", _n(account.seats)])
    out = [_p("6. Répartition des sièges par groupement", "h"),
           _table(rows, [124, 25, 25], right=(1, 2))]  # fmt: skip
    if ballot["kind"] == "CCIT" and account.regional_members:
        out.append(_p("Les sièges d'un membre élu à la chambre de région et de son suppléant sont "
                      "comptés pour le groupement du membre élu (R713-27).", "note"))  # fmt: skip
    return out


def _ties(doc: Doc, ballot: Doc, account: SeatAccount) -> list[Any]:
    ccir = ballot_of(doc, "CCIR") if ballot["kind"] == "CCIT" else None
    entries = list(ballot["undecided"] if ballot["kind"] == "CCIR" else account.ccit_undecided)
    inherited = list(ccir["undecided"]) if ccir else []
    if not entries and not inherited:
        return []
    out = [_p("Égalités à départager par la commission", "h2"), _p(TIES)]
    for u in entries:
        out.append(_p(f"• {_plural(u['seats'], 'siège')} entre "
                      f"{', '.join(_e(n) for n in u['between'])} — {_e(u['reason'])}."))  # fmt: skip
    for u in inherited:
        out.append(_p(f"• Égalité au scrutin CCIR entre {', '.join(_e(n) for n in u['between'])} : "
                      f"{_plural(2 * u['seats'], 'siège')} de la chambre territoriale (membre et "
                      "suppléant) en dépendent."))  # fmt: skip
    return [*out, _p("Décision de la commission : " + "_" * 70 + "<br/>" + LINE)]


def _holder(doc: Doc, position: int) -> str:
    """« Prénom NOM (président de la commission) » — by the name of the account the ceremony
    designated, never by the key's internal identifier."""
    role = "président de la commission" if position == 0 else "assesseur"
    name = doc["trustee_names"].get(doc["decrypted_by"][position])
    return f"{_e(name)} ({role})" if name else f"{role} (nom non enregistré)"


def _control(doc: Doc, fingerprint: str) -> list[Any]:
    sig, seals = doc["signature"], doc["seals"]
    holders = [_holder(doc, i) for i in range(len(doc["decrypted_by"]))]
    seals = {k: v or "(aucun scellement)" for k, v in seals.items()}
    mono = [(FINGERPRINT_LABELS["election"], doc["election"]),
            *[(label, seals[name]) for name, label in SEAL_LABELS.items()],
            (FINGERPRINT_LABELS["tally"], doc["tally"]),
            (FINGERPRINT_LABELS["result"], doc["result"]),
            ("Document de résultats de l'urne (sans sa signature)", fingerprint),
            ("Clé publique de la plate-forme (Ed25519)", sig["key"]),
            ("Signature de la plate-forme (Ed25519)", sig["value"][:64] + "<br/>" + sig["value"][64:])]  # fmt: skip
    return [_p("7. Éléments de contrôle", "h"),
            _p("Dépouillement réalisé en séance publique avec les clés de déchiffrement de : "
               + " ; ".join(holders) + " (CCTP 3.2.2.6 : le président et au moins un assesseur)."),
            _pairs([(k, _p(v, "mono")) for k, v in mono], left=58), _space(), _p(CHECK, "note")]  # fmt: skip


def _signatures(doc: Doc) -> list[Any]:
    started = _moment(doc["times"]["tally_started_at"])
    deadline = ("" if started is None else
                f" (au plus tard le {_when((started + timedelta(hours=72)).isoformat())}, "
                "soixante-douze heures après le début du dépouillement — CCTP 3.2.2.6)")  # fmt: skip
    president = doc["trustee_names"].get(doc["decrypted_by"][0], "")
    box = "<br/><br/><br/>Signature :<br/><br/>"
    member = _p(f"<b>Membre de la commission</b><br/>Nom et qualité :{box}", "cell")
    teller = _p(f"<b>Scrutateur</b> (CCTP 4.1.4.8)<br/>Nom, désigné par :{box}", "cell")
    cells = [[_p("<b>Le président de la commission d'organisation des élections</b><br/>"
                 f"{_e(president) if president else 'Nom :'}{box}", "cell"), member], [member, member], [member, member],
             [teller, teller]]  # fmt: skip
    return [KeepTogether([
        _p("8. Proclamation et signatures", "h"),
        _p(f"Les résultats ont été proclamés en public le ____ / ____ / ________ à ____ h ____{deadline}."),
        _p(f"Observations et réclamations : {'_' * 64}<br/>{LINE}<br/>{LINE}"), _space(),
        _p(SIGNED), _table(cells, [87, 87], header=False, shade=False),
    ])]  # fmt: skip


# --- document --------------------------------------------------------------------------------


def _ballot_story(doc: Doc, ballot: Doc, fingerprint: str) -> list[Any]:
    account = seat_account(doc, ballot["id"])
    label = f"PV {doc['urn']['code']} — {ballot['kind']} — {doc['cci']['label']}"
    return [_Section(label), *_heading(doc, ballot), *_election(doc, ballot),
            *_figures(doc, ballot), *_votes(ballot), *_elected(doc, ballot, account),
            *_ties(doc, ballot, account), *_seats(ballot, account), *_control(doc, fingerprint),
            *_signatures(doc)]  # fmt: skip


def _render(doc: Doc, ballots: list[Doc], fingerprint: str) -> bytes:
    _styles()
    buffer = io.BytesIO()
    kinds = "-".join(b["kind"] for b in ballots)
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * MM, rightMargin=18 * MM, topMargin=15 * MM,
        bottomMargin=18 * MM, invariant=1, title=f"Procès-verbal {doc['urn']['code']} {kinds}",
        author="Scrutin", creator="Scrutin", subject=f"{doc['cci']['label']} — {doc['urn']['title']}",
        keywords=f"résultats {fingerprint}", lang="fr-FR",
    )  # fmt: skip
    story: list[Any] = []
    for ballot in ballots:
        story += [PageBreak()] if story else []
        story += _ballot_story(doc, ballot, fingerprint)
    created = _pdf_date(doc["times"]["tally_finished_at"] or doc["times"]["closed_at"])
    bottom = f"Document de résultats signé, empreinte {fingerprint}"
    template.build(story, canvasmaker=numbered_canvas(created, bottom))
    return buffer.getvalue()


def _checked(doc: Doc, expected_key: str | None) -> tuple[dict[str, Any], str]:
    checked = check_document(dict(doc))
    verify_signature(checked, expected_key)
    return checked, document_fingerprint(checked)


def minutes_pdf(doc: Doc, ballot_id: str, *, expected_key: str | None = None) -> bytes:
    """The procès-verbal of one ballot (``"ccir"`` or ``"ccit"``) of the urn.

    ``expected_key``: the platform's public key (hex) the document must be signed with.
    Raises :class:`ResultsDocumentError` if the document is inconsistent, wrongly signed or has
    no such ballot.
    """
    checked, fingerprint = _checked(doc, expected_key)
    ballot = next((b for b in checked["ballots"] if b["id"] == ballot_id), None)
    if ballot is None:
        code = checked["urn"]["code"]
        raise ResultsDocumentError(f"L'urne {code} n'a pas de bulletin « {ballot_id} ».")
    return _render(checked, [ballot], fingerprint)


def minutes_all_pdf(doc: Doc, *, expected_key: str | None = None) -> bytes:
    """Both ballots' procès-verbaux of the urn in one file (CCIR first), each from a new page."""
    checked, fingerprint = _checked(doc, expected_key)
    return _render(checked, list(checked["ballots"]), fingerprint)


def main(argv: list[str] | None = None) -> int:
    """``python -m scrutin.platform.tally.minutes resultats.json ccit pv.pdf``: the PV of one
    ballot (or ``tous``) from a signed results document — the same bytes as the platform's."""
    parser = argparse.ArgumentParser(
        prog="python -m scrutin.platform.tally.minutes",
        description="Édite le procès-verbal d'un scrutin à partir du document de résultats signé.",
    )
    parser.add_argument("fichier", type=Path, help="le document de résultats (JSON)")
    parser.add_argument("bulletin", help="ccir, ccit ou tous")
    parser.add_argument("pdf", type=Path, help="le fichier PDF à écrire")
    parser.add_argument(
        "--cle",
        help="clé publique attendue (64 caractères hexadécimaux) : la clé de la "
        "plate-forme publiée dans election.json",
    )
    parser.add_argument(
        "--environnement-test",
        action="store_true",
        help="accepte un document de résultats de l'environnement de test (essais, formation)",
    )
    args = parser.parse_args(argv)
    try:
        doc = strictjson.load_file(args.fichier)
        if isinstance(doc, dict) and "environment" in doc and not args.environnement_test:
            print("ÉCHEC : document de résultats de l'ENVIRONNEMENT DE TEST : il n'a aucune "
                  "valeur pour une élection réelle (option --environnement-test pour un essai).",
                  file=sys.stderr)  # fmt: skip
            return 1
        pdf = (minutes_all_pdf(doc, expected_key=args.cle) if args.bulletin == "tous"
               else minutes_pdf(doc, args.bulletin, expected_key=args.cle))  # fmt: skip
        args.pdf.write_bytes(pdf)
    except (OSError, ValueError) as exc:
        print(f"ÉCHEC : {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
