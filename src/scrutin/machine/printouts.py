"""The voting machine's printouts, as PDF (RT 3, 5, 19): preparation, initialisation, results.

- :func:`preparation_pdf` (RT 3): everything the election package holds, for the bureau to
  check against what the town hall decided before the opening;
- :func:`initialisation_pdf` (RT 5): what the self-test found before the opening — no ballot
  stored, every counter at zero, the candidates those of the package — with the machine clock
  and the signatures of the president and the assessors;
- :func:`results_pdf` (RT 19): the procès-verbal of one scrutin, made from the machine-signed
  results document ``results/<id>.json`` only after its Ed25519 signature has been checked
  against the machine's key (``machine.json``).

Framework-free (no Django): the control module serves them (``control/printviews.py``) and
``scrutin machine print`` writes them. Deterministic: the house style of :mod:`scrutin.pdf`
(invariant mode, embedded DejaVu fonts, a creation date taken from the documents), so the same
inputs always give the same bytes (golden files in ``tests/golden/machine-*.pdf``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer

from scrutin.core.counting.io import percent
from scrutin.core.counting.presets import PRESETS
from scrutin.core.counting.rules import Kind
from scrutin.crypto.encoding import fingerprint
from scrutin.crypto.signing import InvalidSignature, verify_document
from scrutin.frenchdates import DAYS, MONTHS
from scrutin.machine.core import files, selftest, tally
from scrutin.machine.core.journal import Entry, JournalError, read_entries
from scrutin.machine.core.machine import PARIS, PREPARED, Machine
from scrutin.machine.core.package import ROLES, Package, Scrutin, parse_package
from scrutin.pdf import (
    MM,
    Section,
    esc,
    number,
    numbered_canvas,
    pairs,
    para,
    pdf_date,
    plural,
    space,
    styles,
    table,
    when,
)

Doc = Mapping[str, Any]
MACHINE_MODE = "Vote sur machine à voter (règlement technique des machines à voter de 2003)."
NULL_NOTE = ("la machine n'enregistre que des bulletins valides : elle n'accepte un bulletin "
             "chiffré qu'avec les preuves qu'il est valide, et ne choisir aucune candidature est un "
             "vote blanc confirmé par l'électeur.")  # fmt: skip
SEATS_NOTE = ("Les sièges ci-dessous sont calculés sur les seuls suffrages de ce bureau. Ils ne "
              "valent que si ce bureau forme à lui seul toute la circonscription ; sinon, c'est le "
              "bureau centralisateur qui additionne les résultats de tous les bureaux et attribue "
              "les sièges.")  # fmt: skip
CHECK = ("<b>Vérification.</b> Le registre public de ce scrutin se trouve sur chaque support de la "
         "machine, dans le dossier <b>records/{id}</b>. La commande <b>scrutin verify "
         "records/{id}</b> y revérifie chaque bulletin chiffré, la fermeture de l'urne, "
         "l'addition, les déchiffrements par les clés du bureau et le décompte ; l'empreinte du "
         "registre (manifest.json) doit être celle ci-dessus. La signature Ed25519 de la machine "
         "porte sur le document de résultats sans son champ « signature ».")  # fmt: skip
KIND_WORDS = {Kind.MAJORITY: ("Candidat", "candidature"), Kind.LIST: ("Liste", "liste"),
              Kind.REFERENDUM: ("Question", "question")}  # fmt: skip


class PrintoutError(ValueError):
    """A printout that cannot be made; the message is French."""


# --- shared parts ----------------------------------------------------------------------------


def _day(d: datetime | Any) -> str:
    """« dimanche 14 mars 2027 » (a date, no hour)."""
    first = "1er" if d.day == 1 else str(d.day)
    return f"{DAYS[d.weekday()]} {first} {MONTHS[d.month - 1]} {d.year}"


def _hm(t: Any) -> str:
    return f"{t:%H} h {t:%M}"


def _pct(part: int, whole: int) -> str:
    value = percent(part, whole)
    return f"{value.replace('.', ',')}\u00a0%" if value else "—"


def _kind_title(s: Scrutin) -> str:
    return PRESETS[s.preset].title


def _bureau(p: Package) -> str:
    return f"bureau n° {esc(p.bureau_number)}" + (
        f" ({esc(p.bureau_name)})" if p.bureau_name else ""
    )


def _heading(title: str, p: Package, *more: str) -> list[Any]:
    lines = [f"{esc(p.commune)} (INSEE {esc(p.insee)}) — {_bureau(p)}",
             f"Élections du {_day(p.election_date)}", *more]  # fmt: skip
    return [para(title, "title"), para("<br/>".join(lines), "subtitle"), Spacer(1, 3 * MM)]


def _station(p: Package) -> list[Any]:
    return [
        para("1. Commune et bureau de vote", "h"),
        pairs([("Commune", f"{esc(p.commune)} (code INSEE {esc(p.insee)})"),
               ("Bureau de vote", _bureau(p)),
               ("Date du scrutin", _day(p.election_date)),
               ("Heures d'ouverture", f"de {_hm(p.opening)} à {_hm(p.closing)}"),
               ("Empreinte du paquet", para(p.fingerprint, "mono"))]),
    ]  # fmt: skip


def _holders(p: Package) -> dict[str, str]:
    """Member name → the key they hold (the second key-holding assessor holds the duplicate)."""
    held = {p.president.name: "clé du président"}
    for i, a in enumerate(p.key_assessors):
        held[a.name] = "clé d'assesseur" if i == 0 else "double de la clé d'assesseur"
    return held


def _signature_boxes(p: Package, intro: str, heading: str | None = None) -> list[Any]:
    box = "<br/><br/><br/>Signature :<br/><br/>"
    people = [("Le président du bureau", p.president.name)]
    people += [("Assesseur", m.name) for m in p.members if m.role == "assessor"]
    people += [("Secrétaire", m.name) for m in p.members if m.role == "secretary"]
    cells = [para(f"<b>{esc(role)}</b><br/>{esc(name)}{box}", "cell") for role, name in people]
    if len(cells) % 2:
        cells.append(para(f"<b>Autre membre du bureau</b><br/>Nom :{box}", "cell"))
    rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    head = [para(heading, "h")] if heading else []
    return [KeepTogether([*head, para(intro), table(rows, [87, 87], header=False, shade=False)])]


def _render(story: list[Any], *, title: str, subject: str, created: str, bottom: str) -> bytes:
    styles()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * MM, rightMargin=18 * MM, topMargin=15 * MM,
        bottomMargin=18 * MM, invariant=1, title=title, author="Scrutin", creator="Scrutin",
        subject=subject, lang="fr-FR",
    )  # fmt: skip
    template.build(story, canvasmaker=numbered_canvas(created, bottom))
    return buffer.getvalue()


def _opening_moment(p: Package) -> str:
    return datetime.combine(p.election_date, p.opening, PARIS).isoformat()


# --- preparation (RT 3) ----------------------------------------------------------------------


def _members(p: Package) -> list[Any]:
    held = _holders(p)
    rows: list[list[Any]] = [["Membre du bureau", "Fonction", "Clé remise"]]
    for m in p.members:
        rows.append([para(esc(m.name), "cell"), ROLES[m.role], held.get(m.name, "—")])
    return [para("2. Membres du bureau et détenteurs des clés", "h"), table(rows, [80, 40, 54]),
            para("Les résultats ne peuvent être lus qu'avec la clé du président et la clé d'un "
                 "assesseur (ou son double), chacune ouverte par le code secret de son "
                 "détenteur.", "note")]  # fmt: skip


def _equipment(p: Package) -> list[Any]:
    rows = [("Terminaux de vote", number(p.terminals)),
            ("Taille des noms à l'écran", f"{p.font_size} pixels")]  # fmt: skip
    if p.release_key:
        rows.append(("Clé de l'éditeur du logiciel agréé", para(p.release_key, "mono")))
    return [para("3. Équipement", "h"), pairs(rows)]


def _scrutin_facts(s: Scrutin) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("Scrutin", f"<b>{esc(s.title)}</b>"),
        ("Mode de scrutin", esc(_kind_title(s))),
        ("Code dans le paquet", esc(s.id)),
    ]
    if s.constituency:
        rows.append(("Circonscription", esc(s.constituency)))
    if s.kind is not Kind.REFERENDUM:
        rows.append(("Tour", "premier tour" if s.round == 1 else "second tour"))
        rows.append(("Sièges à pourvoir", number(s.seats)))
        most = s.ballots[0].max
        rows.append(("Choix par électeur", "une seule candidature ou le vote blanc" if most == 1
                     else f"jusqu'à {plural(most, 'candidature')}, ou le vote blanc"))  # fmt: skip
    rows.append(("Électeurs inscrits", number(s.registered)))
    return rows


def _members_grid(names: Sequence[str]) -> Any:
    """A list's candidates in order, three columns (300 names take about two pages)."""
    per = -(-len(names) // 3)
    cols = [
        [f"{i + 1}. {n}" for i, n in enumerate(names)][c * per : (c + 1) * per] for c in range(3)
    ]
    rows = [[para(esc(col[r]) if r < len(col) else "", "cell") for col in cols] for r in range(per)]
    return table(rows, [58, 58, 58], header=False, shade=False)


def _scrutin_choices(s: Scrutin) -> list[Any]:
    if s.kind is Kind.REFERENDUM:
        rows: list[list[Any]] = [["N°", "Question posée (réponses : Oui, Non ou vote blanc)"]]
        rows += [[str(i), para(esc(b.text), "cell")] for i, b in enumerate(s.ballots, 1)]
        return [table(rows, [12, 162], right=(0,))]
    choices = s.ballots[0].choices
    if s.kind is Kind.MAJORITY:
        rows = [["N°", "Candidature", "Précision"]]
        rows += [[str(i), para(esc(c.name), "cell"), para(esc(c.detail or "—"), "cell")]
                 for i, c in enumerate(choices, 1)]  # fmt: skip
        return [table(rows, [12, 96, 66], right=(0,))]
    rows = [["N°", "Liste", "Précision", "Candidats"]]
    rows += [[str(i), para(esc(c.name), "cell"), para(esc(c.detail or "—"), "cell"),
              number(len(c.members))] for i, c in enumerate(choices, 1)]  # fmt: skip
    out: list[Any] = [table(rows, [12, 80, 60, 22], right=(0, 3))]
    for i, c in enumerate(choices, 1):
        # A long list flows over pages: its title only needs room for a few names after it.
        out += [CondPageBreak(30 * MM),
                para(f"<b>Liste n° {i} : {esc(c.name)} — {plural(len(c.members), 'candidat')} dans "
                     "l'ordre de présentation</b>"), _members_grid(c.members)]  # fmt: skip
    return out


def preparation_pdf(package: Package) -> bytes:
    """RT 3: the package as the bureau checks it before the opening, its fingerprint on every
    page (the same as on the control module's screen)."""
    p = package
    story: list[Any] = [Section(f"Préparation — {p.commune} — bureau n° {p.bureau_number}"),
                        *_heading("PRÉPARATION DE LA MACHINE À VOTER", p,
                                  "Contenu du paquet de préparation, à vérifier avant l'ouverture"),
                        *_station(p), *_members(p), *_equipment(p)]  # fmt: skip
    for n, s in enumerate(p.scrutins, 4):
        story += [para(f"{n}. Scrutin : {esc(s.title)}", "h"), pairs(_scrutin_facts(s)), space()]
        story += _scrutin_choices(s)
    story += [space(), *_signature_boxes(p, "Paquet vérifié par les membres du bureau, qui "
                                         "attestent que son contenu est celui arrêté par la "
                                         "mairie.")]  # fmt: skip
    return _render(
        story, title=f"Préparation — {p.commune} — bureau {p.bureau_number}",
        subject=f"Paquet {p.fingerprint}", created=pdf_date(_opening_moment(p)),
        bottom=f"Paquet de préparation, empreinte {p.fingerprint}",
    )  # fmt: skip


# --- initialisation (RT 5) -------------------------------------------------------------------


INITIAL_STATE = ("Aucun bulletin dans la machine", "Compteurs de votes à zéro",
                 "Candidatures identiques au paquet préparé")  # fmt: skip
"""The labels of :func:`selftest.initial_state`'s three checks (RT 5), as journaled."""
NO_SELFTEST = ("Aucun autotest n'a été fait avant l'ouverture : lancez l'autotest, puis imprimez "
               "le procès-verbal d'initialisation.")  # fmt: skip


def last_selftest(entries: Sequence[Entry]) -> tuple[str, list[selftest.Check]] | None:
    """The time and lines of the last self-test made before the opening (from the journal)."""
    found = None
    for e in entries:
        if e.event == "vote:open":
            break
        if e.event == "machine:selftest":
            found = (e.at, [selftest.Check(c["label"], c["ok"], c["detail"]) for c in e.data["checks"]])  # fmt: skip
    return found


def _mark(ok: bool) -> str:
    return "✓ conforme" if ok else "✗ en échec"


def _checks_table(checks: Sequence[selftest.Check]) -> Any:
    rows: list[list[Any]] = [["Contrôle", "Résultat", "Détail"]]
    rows += [[para(esc(c.label), "cell"), para(f"<b>{_mark(c.ok)}</b>", "cell"),
              para(esc(c.detail), "cell")] for c in checks]  # fmt: skip
    return table(rows, [70, 26, 78])


def initialisation_pdf(machine: Machine, checks: Sequence[selftest.Check] | None = None) -> bytes:
    """RT 5: the initialisation procès-verbal of a machine.

    ``checks``: the self-test just run; by default the last one journaled before the opening.
    Before the opening the three checks of the initial state are made again on the spot and the
    stores and counters shown; after it, a reprint shows what the self-test found.
    """
    p = machine.package
    tested_at = machine.now().isoformat(timespec="seconds")
    if checks is None:
        last = last_selftest(machine.journal.entries)
        if last is None:
            raise PrintoutError(NO_SELFTEST)
        tested_at, checks = last
    if machine.state.phase != PREPARED:
        now = when(machine.now().isoformat(timespec="seconds"))
        return _initialisation(p, tested_at, checks, [para(
            f"Réimpression faite après l'ouverture du scrutin, le {now} : l'état initial ci-dessus "
            f"est celui que l'autotest a constaté le {when(tested_at)}. Les compteurs actuels ne "
            "figurent pas sur ce procès-verbal.", "note")])  # fmt: skip
    initial = selftest.initial_state(machine)
    checks = [c for c in checks if c.label not in INITIAL_STATE] + initial
    counters = machine.counters()
    rows: list[list[Any]] = [["Scrutin", "Mode de scrutin", "Candidatures", "Bulletins", "Votants"]]
    for s in p.scrutins:
        n = len(s.ballots) if s.kind is Kind.REFERENDUM else sum(len(b.choices) for b in s.ballots)
        rows.append([para(esc(s.title), "cell"), para(esc(_kind_title(s)), "cell"), number(n),
                     number(machine.stores[s.id].used), number(counters[s.id])])  # fmt: skip
    return _initialisation(p, tested_at, checks, [
        table(rows, [46, 52, 30, 23, 23], right=(2, 3, 4)),
        para("« Bulletins » : bulletins enregistrés dans la mémoire de la machine ; « Votants » : "
             "compteur des votes enregistrés. Tous deux doivent être à zéro. La liste complète des "
             "candidatures figure sur l'impression de la préparation, qui porte la même empreinte "
             "de paquet.", "note"),
    ])  # fmt: skip


def initialisation_of(root: Path) -> bytes:
    """The initialisation procès-verbal from a storage root, read only (package and journal):
    safe while the control module runs, which alone writes the journal."""
    package = package_of(root)
    try:
        entries, _ = read_entries(root / files.JOURNAL)
    except JournalError as exc:
        raise PrintoutError(f"Journal illisible : {exc}") from None
    last = last_selftest(entries)
    if last is None:
        raise PrintoutError(NO_SELFTEST)
    tested_at, checks = last
    return _initialisation(package, tested_at, checks, [para(
        "Procès-verbal établi d'après le journal de la machine : l'état initial ci-dessus est "
        f"celui que l'autotest a constaté le {when(tested_at)}.", "note")])  # fmt: skip


def _initialisation(
    p: Package, tested_at: str, checks: Sequence[selftest.Check], state: list[Any]
) -> bytes:
    initial = [c for c in checks if c.label in INITIAL_STATE]
    lines = [c for c in checks if c.label not in INITIAL_STATE]
    passed = all(c.ok for c in checks) and len(initial) == len(INITIAL_STATE)
    verdict = ("<b>Autotest réussi</b> : la machine peut être ouverte avec la clé du président et "
               "celle d'un assesseur." if passed else
               "<b>Autotest en échec</b> : la machine ne peut pas être ouverte ; signalez-le à la "
               "mairie.")  # fmt: skip
    story: list[Any] = [
        Section(f"Initialisation — {p.commune} — bureau n° {p.bureau_number}"),
        *_heading("PROCÈS-VERBAL D'INITIALISATION", p, MACHINE_MODE),
        *_station(p),
        para("2. Autotest", "h"),
        pairs([("Horloge de la machine", when(tested_at)), ("Résultat", verdict)]),
        space(), _checks_table(lines),
        para("3. État initial (avant l'ouverture)", "h"),
        _checks_table(initial), space(), *state,
        *_signature_boxes(p, f"Fait à {esc(p.commune)}, le {when(tested_at)} (horloge de la "
                             "machine), par les membres du bureau, qui ont constaté l'état "
                             "ci-dessus avant l'ouverture du scrutin.", "4. Signatures"),
    ]  # fmt: skip
    return _render(
        story, title=f"Procès-verbal d'initialisation — {p.commune} — bureau {p.bureau_number}",
        subject=f"Paquet {p.fingerprint}", created=pdf_date(tested_at),
        bottom=f"Paquet de préparation, empreinte {p.fingerprint}",
    )  # fmt: skip


# --- results (RT 19) -------------------------------------------------------------------------


def check_results(doc: Doc, machine_doc: Doc, package: Package) -> str:
    """The results document's Ed25519 signature by the machine key of ``machine.json``, and
    its package; returns its fingerprint (without the signature). Raises :class:`PrintoutError`."""
    refused = ("Procès-verbal non édité : la signature de la machine ne correspond pas au document "
               "de résultats (document modifié, ou venu d'une autre machine).")  # fmt: skip
    if not isinstance(doc, Mapping) or doc.get("format") != tally.RESULTS_FORMAT:
        raise PrintoutError("Procès-verbal non édité : ce fichier n'est pas un document de "
                            "résultats de la machine à voter.")  # fmt: skip
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        key, value = bytes.fromhex(machine_doc["signing_key"]), bytes.fromhex(doc["signature"])
        verify_document(key, body, value)
    except (InvalidSignature, KeyError, TypeError, ValueError):
        raise PrintoutError(refused) from None
    if doc["package"] != package.fingerprint or machine_doc.get("package") != package.fingerprint:
        raise PrintoutError("Procès-verbal non édité : le document de résultats a été fait avec "
                            "un autre paquet de préparation que celui de cette machine.")  # fmt: skip
    try:
        package.scrutin(doc["scrutin"])
    except KeyError:
        raise PrintoutError("Procès-verbal non édité : scrutin inconnu du paquet.") from None
    return fingerprint(body)


def _figures(doc: Doc, s: Scrutin) -> list[Any]:
    voters = f"{number(doc['voters'])} (participation : {_pct(doc['voters'], doc['registered'])})"
    rows = [("Électeurs inscrits", number(doc["registered"])), ("Votants", voters)]
    if s.kind is not Kind.REFERENDUM:
        rows += [("Bulletins blancs", number(doc["blank"])),
                 ("Bulletins nuls", f"{number(doc['null'])} — {NULL_NOTE}"),
                 ("Suffrages exprimés", f"{number(doc['cast'])} (votants − blancs − nuls)")]  # fmt: skip
    else:
        rows.append(("Bulletins nuls", f"{number(doc['null'])} — {NULL_NOTE}"))
    return [para("3. Résultats du dépouillement", "h"), pairs(rows)]


def _votes(doc: Doc, s: Scrutin) -> list[Any]:
    if s.kind is Kind.REFERENDUM:
        out: list[Any] = [para("4. Réponses à chaque question", "h")]
        for i, (b, a) in enumerate(zip(s.ballots, doc["answers"], strict=True), 1):
            yes, no = a["counts"]
            cast = yes + no
            rows: list[list[Any]] = [["Réponse", "Voix", "% des exprimés"],
                                     ["Oui", number(yes), _pct(yes, cast)],
                                     ["Non", number(no), _pct(no, cast)],
                                     ["Blancs", number(a["blank"]), ""],
                                     ["Suffrages exprimés", number(cast), ""]]  # fmt: skip
            out += [para(f"Question n° {i} : {esc(b.text)}", "h2"), table(rows, [110, 32, 32], right=(1, 2))]  # fmt: skip
        return out
    word = KIND_WORDS[s.kind][0]
    rows = [["N°", word, "Précision", "Voix", "% des exprimés"]]
    (answer,) = doc["answers"]
    for i, (c, v) in enumerate(zip(s.ballots[0].choices, answer["counts"], strict=True), 1):
        rows.append([str(i), para(f"<b>{esc(c.name)}</b>", "cell"), para(esc(c.detail or "—"), "cell"),
                     number(v), _pct(v, doc["cast"])])  # fmt: skip
    return [para(f"4. Voix obtenues par chaque {KIND_WORDS[s.kind][1]} (dans l'ordre du paquet)", "h"),
            table(rows, [10, 74, 50, 16, 24], right=(0, 3, 4))]  # fmt: skip


def _seats(doc: Doc, s: Scrutin) -> list[Any]:
    counted = doc["counting"]
    out: list[Any] = [
        para("5. Application du mode de scrutin à ce bureau", "h"),
        para(SEATS_NOTE, "note"),
    ]
    if s.kind is Kind.REFERENDUM:
        for i, q in enumerate(counted.get("questions", []), 1):
            if q.get("adopted"):
                verdict = "la réponse « Oui » l'emporte : projet adopté"
            elif q.get("quorum_reached") is False:
                verdict = "participation inférieure au quorum requis : projet non adopté"
            else:
                verdict = "la réponse « Oui » ne l'emporte pas : projet non adopté"
            out.append(para(f"Question n° {i}, sur les seuls suffrages de ce bureau : {verdict}."))
    elif s.kind is Kind.LIST:
        seats = counted.get("seats") or {}
        rows: list[list[Any]] = [["Liste", "Sièges (ce bureau seul)"]]
        rows += [[para(esc(name), "cell"), number(n)] for name, n in seats.items()]
        out.append(table(rows, [140, 34], right=(1,)) if seats else para("Aucun siège attribué."))
    elected = counted.get("elected") or []
    if s.kind is not Kind.REFERENDUM:
        names = ", ".join(esc(n) for n in elected) if elected else "aucun"
        out.append(
            para(
                f"Candidats qui seraient élus sur ces seuls suffrages ({number(len(elected))}) : {names}."
            )
        )
    for u in counted.get("undecided") or []:
        between = ", ".join(esc(n) for n in u["between"])
        out.append(para(f"Égalité non départagée pour {plural(u['seats'], 'siège')} entre "
                        f"{between} : {esc(u['reason'])}."))  # fmt: skip
    if counted.get("next_round"):
        out.append(para("Sur ces seuls suffrages, un second tour serait nécessaire."))
    out += [para(f"Note du décompte : {esc(n)}", "note") for n in counted.get("notes") or []]
    sources = counted.get("sources") or []
    if sources:
        out.append(para(f"Textes appliqués : {esc('; '.join(sources))}.", "note"))
    return out


def _control(doc: Doc, fp: str, machine_doc: Doc) -> list[Any]:
    mono = [("Document de résultats (sans sa signature)", fp),
            ("Registre public du scrutin (manifest.json)", doc["record"]),
            ("Paramètres de l'élection", doc["election"]),
            ("Paquet de préparation", doc["package"]),
            ("Tête du journal au dépouillement", doc["journal"]),
            ("Clé publique de la machine (Ed25519)", machine_doc["signing_key"]),
            ("Signature de la machine (Ed25519)", doc["signature"][:64] + "<br/>" + doc["signature"][64:])]  # fmt: skip
    who = " ; ".join(esc(r) for r in doc["decrypted_by"])
    return [para("6. Éléments de contrôle", "h"),
            para(f"Dépouillement fait en séance publique avec les clés de déchiffrement suivantes : {who} "
                 "(la clé du président et celle d'un assesseur sont toutes deux nécessaires)."),
            pairs([(k, para(v, "mono")) for k, v in mono], left=58), space(),
            para(CHECK.format(id=esc(doc["scrutin"])), "note")]  # fmt: skip


def results_pdf(doc: Doc, machine_doc: Doc, package: Package) -> bytes:
    """RT 19: the procès-verbal of one scrutin from its signed results document; refused (in
    French) unless the machine's signature and the package match."""
    fp = check_results(doc, machine_doc, package)
    p, s = package, package.scrutin(doc["scrutin"])
    facts = _scrutin_facts(s)[:2] + [
        f for f in _scrutin_facts(s)[3:] if f[0] != "Électeurs inscrits"
    ]
    story: list[Any] = [
        Section(f"Procès-verbal — {s.title} — {p.commune} — bureau n° {p.bureau_number}"),
        *_heading("PROCÈS-VERBAL DES OPÉRATIONS DE VOTE", p, f"<b>{esc(s.title)}</b>", MACHINE_MODE),
        *_station(p)[1:2],
        para("1. Scrutin", "h"), pairs(facts),
        para("2. Déroulement du vote (horloge de la machine, heure de Paris)", "h"),
        pairs([("Ouverture du scrutin", when(doc["opened_at"])),
               ("Clôture prévue", f"{_hm(p.closing)}"),
               ("Clôture du scrutin", when(doc["closed_at"]))]),
        *_figures(doc, s), *_votes(doc, s), *_seats(doc, s), *_control(doc, fp, machine_doc),
        para("7. Signatures", "h"),
        para(f"Observations et réclamations : {'_' * 64}<br/>{'_' * 98}"),
        *_signature_boxes(p, f"Fait à {esc(p.commune)}, le ____ / ____ / ________ à ____ h ____, "
                             "en séance publique, par les membres du bureau de vote."),
    ]  # fmt: skip
    return _render(
        story, title=f"Procès-verbal — {s.title} — {p.commune} — bureau {p.bureau_number}",
        subject=f"Résultats {fp}", created=pdf_date(doc["closed_at"]),
        bottom=f"Document de résultats signé par la machine, empreinte {fp}",
    )  # fmt: skip


# --- from the machine's storage --------------------------------------------------------------


def package_of(root: Path) -> Package:
    return parse_package(json.loads(files.read(root, files.PACKAGE)))


def results_of(root: Path, scrutin_id: str) -> bytes:
    """The procès-verbal of ``scrutin_id`` from a storage root (internal or removable)."""
    package = package_of(root)
    try:
        package.scrutin(scrutin_id)
    except KeyError:
        raise PrintoutError(f"Le paquet n'a pas de scrutin « {scrutin_id} ».") from None
    path = tally.results_path(root, scrutin_id)
    if not path.is_file():
        raise PrintoutError("Ce scrutin n'est pas encore dépouillé : pas de procès-verbal.")
    try:
        doc = json.loads(path.read_bytes())
        machine_doc = json.loads(files.read(root, files.MACHINE))
    except ValueError:
        raise PrintoutError("Document de résultats illisible : procès-verbal non édité.") from None
    return results_pdf(doc, machine_doc, package)


__all__ = [
    "PrintoutError",
    "initialisation_pdf",
    "last_selftest",
    "preparation_pdf",
    "results_of",
    "results_pdf",
]
