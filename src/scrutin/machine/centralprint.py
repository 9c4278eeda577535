"""Printouts of centralisation (RT 23), as PDF: the signed acknowledgement a centralising level
returns for a results file, which the bureau (or the commune) prints and keeps with its
procès-verbal; and the commune's summary of one scrutin.

Framework-free (no Django), deterministic like :mod:`scrutin.machine.printouts` (the house style
of :mod:`scrutin.pdf`, a creation date taken from the document). Both printouts are made only
from documents whose signature holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from reportlab.platypus import Spacer

from scrutin.core.counting.presets import PRESETS
from scrutin.machine.core import centraldocs
from scrutin.machine.printouts import PrintoutError, _day, _render
from scrutin.pdf import MM, Section, esc, number, pairs, para, pdf_date, space, table, when

Doc = Mapping[str, Any]
LEVELS = {"commune": "Bureau centralisateur de la commune", "prefecture": "Préfecture"}
SENDERS = {"commune": "Bureau de vote n°", "prefecture": "Commune (code INSEE)"}


def _choice_names(scrutin: Doc) -> list[str]:
    if "questions" in scrutin:
        return [f"Question : {q['text']}" for q in scrutin["questions"]]
    return [c["name"] for c in scrutin["choices"]]


def figures_rows(scrutin: Doc, figures: Doc) -> list[Any]:
    """The procès-verbal's figures of one scrutin as printed tables."""
    out: list[Any] = [
        pairs([("Électeurs inscrits", number(figures["registered"])),
               ("Votants", number(figures["voters"])),
               ("Bulletins nuls", number(figures["null"]))]),
    ]  # fmt: skip
    if "questions" in scrutin:
        for q, a in zip(scrutin["questions"], figures["answers"], strict=True):
            rows: list[list[Any]] = [["Réponse", "Voix"], ["Oui", number(a["votes"][0])],
                                     ["Non", number(a["votes"][1])], ["Blancs", number(a["blank"])],
                                     ["Suffrages exprimés", number(a["cast"])]]  # fmt: skip
            out += [para(f"Question : {esc(q['text'])}", "h2"), table(rows, [130, 44], right=(1,))]
        return out
    (a,) = figures["answers"]
    rows = [["N°", "Candidature ou liste", "Voix"]]
    rows += [[str(i), para(esc(c["name"]), "cell"), number(v)]
             for i, (c, v) in enumerate(zip(scrutin["choices"], a["votes"], strict=True), 1)]  # fmt: skip
    out += [space(), pairs([("Bulletins blancs", number(a["blank"])),
                            ("Suffrages exprimés", number(a["cast"]))]),
            space(), table(rows, [12, 128, 34], right=(0, 2))]  # fmt: skip
    return out


def ack_pdf(ack: Doc, sent: Doc) -> bytes:
    """RT 23: the acknowledgement of ``sent`` (the results file it answers), refused unless its
    signature holds and it names that very file."""
    try:
        centraldocs.check_ack(dict(ack), sent, None)
    except centraldocs.CentralError as exc:
        raise PrintoutError(str(exc)) from None
    scrutin, election = sent["scrutin"], sent["election"]
    receiver = ack["receiver"]
    sender = f"{SENDERS[ack['level']]} {esc(ack['sender'])}"
    if sent.get("sender_name"):
        sender += f" ({esc(sent['sender_name'])})"
    fp = centraldocs.doc_fingerprint(ack)
    story: list[Any] = [
        Section(f"Accusé de réception n° {ack['number']} — {scrutin['title']}"),
        para(f"ACCUSÉ DE RÉCEPTION N° {ack['number']}", "title"),
        para(
            f"{esc(LEVELS[ack['level']])} : {esc(receiver['name'])} ({esc(receiver['code'])})"
            f"<br/>Élections du {_day(date.fromisoformat(election['date']))}",
            "subtitle",
        ),
        Spacer(1, 3 * MM),
        para("1. Fichier reçu", "h"),
        pairs(
            [
                ("Expéditeur", sender),
                ("Commune", f"{esc(election.get('commune', ''))} (INSEE {esc(election['insee'])})"),
                ("Scrutin", f"<b>{esc(scrutin['title'])}</b>"),
                ("Mode de scrutin", esc(PRESETS[scrutin["preset"]].title)),
                ("Reçu le", when(ack["received_at"])),
                ("Remplace un envoi précédent", "oui" if ack.get("replaces") else "non"),
            ]
        ),
        para(
            "Le fichier a été reçu et vérifié : signature de son expéditeur, élection, "
            "candidatures, cohérence des chiffres (votants = exprimés + blancs + nuls, somme des "
            "voix, votants au plus égaux aux inscrits) et, s'il était joint, registre du scrutin "
            "revérifié par « scrutin verify ».",
            "note",
        ),
        para("2. Chiffres enregistrés", "h"),
        *figures_rows(scrutin, ack["figures"]),
        para("3. Éléments de contrôle", "h"),
        pairs(
            [
                (k, para(v, "mono"))
                for k, v in (
                    ("Fichier de résultats reçu (sans sa signature)", ack["transmission"]),
                    ("Accusé de réception (sans sa signature)", fp),
                    ("Journal du centralisateur après réception", ack["journal"]),
                    ("Clé publique du centralisateur (Ed25519)", ack["signing_key"]),
                    (
                        "Signature (Ed25519)",
                        ack["signature"][:64] + "<br/>" + ack["signature"][64:],
                    ),
                )
            ],
            left=62,
        ),
        space(),
        para(
            "Conservez cet accusé avec le procès-verbal. La machine qui l'a importé l'a inscrit "
            "dans son journal ; l'empreinte du fichier reçu doit être celle du fichier "
            "exporté.",
            "note",
        ),
    ]
    return _render(
        story, title=f"Accusé de réception n° {ack['number']} — {scrutin['title']}",
        subject=f"Accusé {fp}", created=pdf_date(ack["received_at"]),
        bottom=f"Accusé de réception signé, empreinte {fp}",
    )  # fmt: skip
