"""The centralising bureau (RT 22, 23, 28): receive, check and acknowledge results files, sum them
per scrutin, compute the seats the commune decides, and send the commune's file up.

One software, two levels (docs/machine-centralisation.md):

- ``commune``: receives ``scrutin-bureau-results/v1`` files from the commune's bureaux, whose
  machine keys, packages and parameters it took from their prepared supports at the town hall
  (:func:`scrutin.machine.core.centralsetup.setup_commune`);
- ``prefecture``: receives ``scrutin-commune-results/v1`` files from the communes' centralising
  bureaux, whose keys it was given (:func:`scrutin.machine.core.centralsetup.setup_prefecture`).

A centre is a directory (``central.json``, ``signing.key``, ``journal.jsonl``, ``received/``,
``acks/``, ``outgoing/``). Each file it receives is checked — election, sender, signature,
preparation, scrutin, arithmetic, record with the independent verifier when given, duplicate or
replay — and either refused with every reason in French (journaled) or accepted with a signed
acknowledgement (RT 23). A bureau that sent a wrong file sends a new one only through an explicit,
journaled replacement with its reason. The journal (hash-chained, :mod:`.journal`) is the state.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.signing

from scrutin.core.counting.errors import CountingInputError
from scrutin.core.counting.io import count_json
from scrutin.core.counting.presets import PRESETS
from scrutin.crypto.encoding import canonical_json
from scrutin.machine.core import centraldocs, centralfigures
from scrutin.machine.core.centraldocs import CentralError
from scrutin.machine.core.centralfigures import COMMUNE_DECIDES
from scrutin.machine.core.journal import Journal
from scrutin.machine.core.machine import PARIS
from scrutin.record import layout
from scrutin.record.writer import file_digest, write_json
from scrutin.verify.record import verify_record

CENTRAL_FORMAT = "scrutin-central/v1"
COMMUNE, PREFECTURE = "commune", "prefecture"
CONFIG, KEY, JOURNAL = "central.json", "signing.key", "journal.jsonl"
ROLE = {COMMUNE: "bureau centralisateur", PREFECTURE: "préfecture"}
EXPECTS = {COMMUNE: centraldocs.BUREAU_RESULTS, PREFECTURE: centraldocs.COMMUNE_RESULTS}
SENDER_WORD = {COMMUNE: "bureau n°", PREFECTURE: "commune INSEE"}
SCRUTIN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def _time(now: Callable[[], datetime]) -> str:
    return now().astimezone(PARIS).isoformat(timespec="seconds")


class Centre:
    """A centralising level, loaded from its directory; the only writer of it."""

    def __init__(self, root: Path, *, now: Callable[[], datetime] | None = None) -> None:
        self.root = root
        self._now = now or (lambda: datetime.now(UTC))
        try:
            self.config: dict[str, Any] = json.loads((root / CONFIG).read_bytes())
            self.key = nacl.signing.SigningKey(bytes.fromhex((root / KEY).read_text().strip()))
        except (OSError, ValueError) as exc:
            raise CentralError(
                f"{root} ne contient pas de centralisation préparée (scrutin machine centralise "
                "preparer)."
            ) from exc
        self.level: str = self.config["level"]
        self.journal = Journal({"interne": root / JOURNAL})
        self.senders = {s["id"]: s for s in self.config["senders"]}

    # --- journal and state --------------------------------------------------------------------

    def now(self) -> str:
        return _time(self._now)

    def log(self, event: str, text: str, **data: Any) -> None:
        self.journal.append(self.now(), event, ROLE[self.level], text, data)

    def accepted(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(sender, scrutin) → the journal data of the file in force (the last accepted)."""
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for e in self.journal:
            if e.event == "central:ack":
                out[(e.data["sender"], e.data["scrutin"])] = dict(e.data)
        return out

    def history(self) -> dict[str, dict[str, Any]]:
        """Every transmission fingerprint ever accepted → its journal data (replaced ones too)."""
        return {
            e.data["transmission"]: dict(e.data) for e in self.journal if e.event == "central:ack"
        }

    def received(self, sender: str, scrutin: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self._received_path(sender, scrutin).read_bytes())
        return doc

    def ack_of(self, sender: str, scrutin: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self._ack_path(sender, scrutin).read_bytes())
        return doc

    def _received_path(self, sender: str, scrutin: str) -> Path:
        return self.root / "received" / f"{sender}-{scrutin}.json"

    def _ack_path(self, sender: str, scrutin: str) -> Path:
        return self.root / "acks" / f"{sender}-{scrutin}.json"

    def scrutin(self, scrutin_id: str) -> dict[str, Any] | None:
        for s in self.config.get("scrutins") or []:
            if s["id"] == scrutin_id:
                return dict(s)
        return None

    # --- receiving (RT 22, 23, 28) ------------------------------------------------------------

    def receive(
        self, path: Path, record: Path | None = None, *, replace: str | None = None
    ) -> dict[str, Any]:
        """Check one results file (and its record, when given); return the signed
        acknowledgement, or raise :class:`CentralError` with every reason (journaled)."""
        try:
            with path.open("rb") as f:
                digest = hashlib.sha256(f.read(centraldocs.MAX_FILE + 1)).hexdigest()
        except OSError as exc:
            raise CentralError(
                f"Fichier « {path.name} » illisible : {exc.strerror or exc}."
            ) from exc
        try:
            doc = centraldocs.load(path, "Fichier de résultats")
            self._check(doc, record)
            previous = self._check_new(doc, replace)
        except CentralError as exc:
            self.log(
                "central:refuse", f"Fichier « {path.name} » refusé : {exc}",
                file=digest, reason=str(exc),
            )  # fmt: skip
            raise
        return self._accept(doc, previous, replace)

    def _check(self, doc: dict[str, Any], record: Path | None) -> None:
        expected = EXPECTS[self.level]
        if doc.get("format") != expected:
            what = "d'un bureau de vote" if self.level == COMMUNE else "d'une commune"
            raise CentralError(f"ce n'est pas un fichier de résultats {what}.")
        election, sender = doc.get("election"), doc.get("sender")
        mine = self.config["election"]
        if (
            not isinstance(election, dict)
            or election.get("date") != mine["date"]
            or (self.level == COMMUNE and election.get("insee") != mine["insee"])
        ):
            got = election if isinstance(election, dict) else {}
            raise CentralError(
                f"fichier d'une autre élection (commune {got.get('commune', '?')}, INSEE "
                f"{got.get('insee', '?')}, du {got.get('date', '?')}) : ce bureau centralise "
                f"{self.config['name']} pour l'élection du {mine['date']}."
            )
        if not isinstance(sender, str) or sender not in self.senders:
            raise CentralError(
                f"{SENDER_WORD[self.level]} {sender} inconnu de cette centralisation "
                f"({self.config['name']})."
            )
        if self.level == PREFECTURE and election.get("insee") != sender:
            raise CentralError("fichier d'une autre élection : la commune ne correspond pas.")
        known = self.senders[sender]
        if not centraldocs.signature_holds(doc, known["signing_key"]):
            raise CentralError(
                f"signature invalide : le fichier a été modifié après sa signature, ou il ne "
                f"vient pas de {self._who(sender)}."
            )
        desc = doc.get("scrutin")
        sid = desc.get("id") if isinstance(desc, dict) else None
        if self.level == COMMUNE:
            if doc.get("package") != known["package"]:
                raise CentralError(
                    f"fichier d'une autre élection : la machine du {self._who(sender)} a été "
                    "préparée avec un autre paquet que celui enregistré à la mairie."
                )
            mine_s = self.scrutin(sid) if isinstance(sid, str) else None
            if mine_s is None or desc != mine_s:
                raise CentralError(
                    "fichier d'une autre élection : scrutin inconnu ou candidatures différentes "
                    "de celles de la commune."
                )
            if doc.get("parameters") != known["elections"].get(sid):
                raise CentralError(
                    "fichier d'une autre élection : paramètres du scrutin différents de ceux "
                    "de la préparation."
                )
        shape = self._shape(desc)
        figures = doc.get("figures")
        errors = centralfigures.check_figures(figures, shape)
        if not errors and self.level == COMMUNE:
            registered = known["registered"][sid]
            if figures["registered"] != registered:  # type: ignore[index]
                errors.append(
                    f"inscrits ({figures['registered']}) différents de ceux de la préparation "  # type: ignore[index]
                    f"du bureau ({registered})."
                )
        if not errors and self.level == PREFECTURE:
            assert isinstance(desc, dict)  # _shape checked it
            errors = self._check_commune(doc, desc, shape)
        if errors:
            raise CentralError("chiffres incohérents : " + " ".join(errors))
        if record is not None:
            self._check_record(doc, record)

    def _who(self, sender: str) -> str:
        name = self.senders[sender].get("name") or ""
        return f"{SENDER_WORD[self.level]} {sender}" + (f" ({name})" if name else "")

    def _shape(self, desc: object) -> centralfigures.Shape:
        """The shape of a scrutin description received (checked before it is used)."""
        unreadable = CentralError("description du scrutin illisible.")
        if not isinstance(desc, dict) or desc.get("preset") not in PRESETS:
            raise unreadable
        sid = desc.get("id")
        if not isinstance(sid, str) or not SCRUTIN_ID.fullmatch(sid):
            raise unreadable  # it names files of the centre: the package's identifier rule
        if "questions" in desc:
            ok = isinstance(desc["questions"], list) and 0 < len(desc["questions"]) <= 50
        else:
            choices, most = desc.get("choices"), desc.get("max")
            ok = isinstance(choices, list) and 0 < len(choices) <= 1000
            ok = ok and isinstance(most, int) and not isinstance(most, bool) and 1 <= most <= 1000
        if not ok:
            raise unreadable
        return centralfigures.shape_of(desc)

    def _check_commune(
        self, doc: dict[str, Any], desc: dict[str, Any], shape: centralfigures.Shape
    ) -> list[str]:
        """A commune's file: each bureau's line holds, the total is their sum, and the seats
        the commune decided are those the presets give on the total."""
        lines = doc.get("bureaux")
        if not isinstance(lines, list) or not lines or len(lines) > 1000:
            return ["lignes des bureaux absentes."]
        errors: list[str] = []
        numbers = [b.get("number") if isinstance(b, dict) else None for b in lines]
        if len(set(map(str, numbers))) != len(numbers):
            errors.append("un bureau figure deux fois.")
        for n, b in zip(numbers, lines, strict=True):
            f = b.get("figures") if isinstance(b, dict) else None
            errors += centralfigures.check_figures(f, shape, f"bureau n° {n}")
        if errors:
            return errors
        total = centralfigures.add_figures(shape, [b["figures"] for b in lines])
        if total != doc["figures"]:
            errors.append("le total de la commune n'est pas la somme des lignes des bureaux.")
        decides = desc["preset"] in COMMUNE_DECIDES
        if bool(doc.get("decided")) != decides:
            errors.append("sièges attribués par la mauvaise instance.")
        elif decides:
            try:
                again = count_json(centralfigures.counting_input(desc, total))
            except (CountingInputError, KeyError, TypeError, ValueError) as exc:
                return [*errors, f"décompte impossible ({exc})."]
            if again != doc.get("counting"):
                errors.append("les sièges annoncés ne sont pas ceux que donne le mode de scrutin.")
        return errors

    def _check_record(self, doc: dict[str, Any], record: Path) -> None:
        """The bureau's record, re-checked by the independent verifier, is the one the results
        file names, and its decrypted counts are the file's voices."""
        report = verify_record(record, workers=1)
        if not report.valid:
            failed = "; ".join(f"{c.name} : {c.detail}" for c in report.failures()[:3])
            raise CentralError(f"registre du scrutin non valide selon scrutin verify ({failed}).")
        if file_digest(record / layout.MANIFEST) != doc.get("record"):
            raise CentralError(
                "le registre joint n'est pas celui que le fichier de résultats désigne."
            )
        result = json.loads((record / layout.RESULT).read_bytes())
        counts = [{"blank": a["blank"], "votes": a["counts"]} for a in result["answers"]]
        given = [{"blank": a["blank"], "votes": a["votes"]} for a in doc["figures"]["answers"]]
        if counts != given or result["ballot_count"] != doc["figures"]["voters"]:
            raise CentralError("les voix du fichier ne sont pas celles du registre déchiffré.")

    def _check_new(self, doc: dict[str, Any], replace: str | None) -> dict[str, Any] | None:
        """Refuse a replay (a file already received) and an unannounced duplicate."""
        fp = centraldocs.doc_fingerprint(doc)
        seen = self.history().get(fp)
        current = self.accepted().get((doc["sender"], doc["scrutin"]["id"]))
        if seen is not None:
            state = "en vigueur" if current and current["transmission"] == fp else "remplacé depuis"
            raise CentralError(
                f"fichier déjà reçu (rejeu) : accusé de réception n° {seen['number']} délivré le "
                f"{_french(seen['at'])} ({state}) ; rien n'est modifié. Un nouvel exemplaire de "
                "l'accusé s'obtient avec « scrutin machine centralise ack »."
            )
        if current is not None and not (replace and replace.strip()):
            raise CentralError(
                f"le {self._who(doc['sender'])} a déjà transmis des résultats pour le scrutin « "
                f"{doc['scrutin']['title']} » (accusé n° {current['number']}). Un remplacement "
                "se demande explicitement, avec son motif, et figure au journal."
            )
        return current

    def _accept(
        self, doc: dict[str, Any], previous: dict[str, Any] | None, replace: str | None
    ) -> dict[str, Any]:
        sender, sid = doc["sender"], doc["scrutin"]["id"]
        fp = centraldocs.doc_fingerprint(doc)
        if previous is not None:
            self.log(
                "central:replace",
                f"Remplacement des résultats du {self._who(sender)} pour « {doc['scrutin']['title']} » "
                f"(accusé n° {previous['number']}) ; motif : {replace}.",
                sender=sender, scrutin=sid, replaces=previous["transmission"], reason=replace,
            )  # fmt: skip
        self.log(
            "central:receive",
            f"Résultats reçus et vérifiés : {self._who(sender)}, scrutin « {doc['scrutin']['title']} », "
            f"{doc['figures']['voters']} votant(s) ; empreinte {fp}.",
            sender=sender, scrutin=sid, transmission=fp,
        )  # fmt: skip
        number = 1 + sum(1 for e in self.journal if e.event == "central:ack")
        received_at = self.now()
        ack = centraldocs.make_ack(
            self.key,
            level=self.level,
            receiver={"code": self.config["code"], "name": self.config["name"]},
            received=doc,
            number=number,
            received_at=received_at,
            journal=self.journal.head,
            replaces=previous["transmission"] if previous else None,
        )
        for path, content in (
            (self._received_path(sender, sid), doc),
            (self._ack_path(sender, sid), ack),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json(path, content)
        self.log(
            "central:ack",
            f"Accusé de réception n° {number} délivré au {self._who(sender)} pour « "
            f"{doc['scrutin']['title']} » ; empreinte {centraldocs.doc_fingerprint(ack)}.",
            sender=sender, scrutin=sid, transmission=fp, number=number, at=received_at,
            ack=centraldocs.doc_fingerprint(ack),
        )  # fmt: skip
        return ack

    # --- aggregation and the file for the next level ------------------------------------------

    def aggregate(self, scrutin_id: str) -> dict[str, Any]:
        """The scrutin's sum over the files in force: figures, the bureaux (or communes) in it
        and those missing, and — where the commune decides them — the seats (or outcome)."""
        accepted = {k[0]: v for k, v in self.accepted().items() if k[1] == scrutin_id}
        docs = {s: self.received(s, scrutin_id) for s in sorted(accepted, key=_order)}
        desc = self.scrutin(scrutin_id) or (next(iter(docs.values()))["scrutin"] if docs else None)
        if desc is None:
            raise CentralError(f"Scrutin « {scrutin_id} » inconnu de cette centralisation.")
        different = [s for s, d in docs.items() if d["scrutin"] != desc]
        if different:
            raise CentralError(
                "Les communes n'ont pas les mêmes candidatures pour ce scrutin : pas de total "
                f"commun ({', '.join(different)})."
            )
        shape = centralfigures.shape_of(desc)
        total = centralfigures.add_figures(shape, [d["figures"] for d in docs.values()])
        missing = [s for s in sorted(self.senders, key=_order) if s not in docs]
        decides = self.level == COMMUNE and desc["preset"] in COMMUNE_DECIDES
        counting = count_json(centralfigures.counting_input(desc, total)) if decides else None
        return {
            "scrutin": desc,
            "figures": total,
            "senders": [
                {"id": s, "figures": d["figures"], "transmission": accepted[s]["transmission"],
                 "ack": accepted[s]["ack"], "record": d.get("record")}
                for s, d in docs.items()
            ],
            "missing": missing,
            "decided": decides,
            "counting": counting,
        }  # fmt: skip

    def outgoing_path(self, scrutin_id: str) -> Path:
        return self.root / "outgoing" / f"{scrutin_id}.json"

    def commune_file(self, scrutin_id: str) -> dict[str, Any]:
        """RT 22: the commune's signed file for the prefecture, once every bureau is in (the
        same bytes at every export)."""
        if self.level != COMMUNE:
            raise CentralError("Seul le bureau centralisateur d'une commune prépare ce fichier.")
        kept = self.outgoing_path(scrutin_id)
        if kept.is_file():
            done: dict[str, Any] = json.loads(kept.read_bytes())
            return done
        agg = self.aggregate(scrutin_id)
        if agg["missing"]:
            raise CentralError(
                "Résultats incomplets : il manque le ou les bureaux n° "
                f"{', '.join(agg['missing'])} pour « {agg['scrutin']['title']} »."
            )
        doc = centraldocs.sign(self.key, {
            "format": centraldocs.COMMUNE_RESULTS,
            "level": COMMUNE,
            "election": self.config["election"],
            "sender": self.config["code"],
            "sender_name": self.config["name"],
            "scrutin": agg["scrutin"],
            "figures": agg["figures"],
            "bureaux": [
                {"number": s["id"], "name": self.senders[s["id"]].get("name", ""),
                 "figures": s["figures"], "transmission": s["transmission"], "ack": s["ack"],
                 "record": s["record"]}
                for s in agg["senders"]
            ],
            "decided": agg["decided"],
            "counting": agg["counting"],
            "journal": self.journal.head,
            "exported_at": self.now(),
        })  # fmt: skip
        kept.parent.mkdir(parents=True, exist_ok=True)
        write_json(kept, doc)
        return doc

    def export_commune(self, scrutin_id: str, out: Path) -> Path:
        doc = self.commune_file(scrutin_id)
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{self.config['code']}-{scrutin_id}.json"
        target.write_bytes(canonical_json(doc))
        fp = centraldocs.doc_fingerprint(doc)
        self.log(
            "central:export",
            f"Résultats de la commune pour « {doc['scrutin']['title']} » exportés pour la "
            f"préfecture ({target.name}), empreinte {fp}.",
            scrutin=scrutin_id, transmission=fp,
        )  # fmt: skip
        return target

    def import_ack(self, path: Path) -> dict[str, Any]:
        """RT 23 at the commune: the prefecture's acknowledgement of a commune file."""
        try:
            ack = centraldocs.load(path, "Accusé de réception")
            sid = ack.get("scrutin")
            kept = self.outgoing_path(sid) if isinstance(sid, str) and self.scrutin(sid) else None
            if kept is None or not kept.is_file():
                raise CentralError(
                    "Accusé de réception refusé : aucun fichier de ce scrutin n'a été envoyé."
                )
            pinned = next(
                (e.data["key"] for e in self.journal if e.event == "central:ack-import"), None
            )
            centraldocs.check_ack(ack, json.loads(kept.read_bytes()), pinned)
        except CentralError as exc:
            self.log("central:refuse", f"Accusé refusé : {exc}", reason=str(exc))
            raise
        target = self.root / "acks-received" / f"{sid}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_json(target, ack)
        self.log(
            "central:ack-import",
            f"Accusé de réception n° {ack['number']} de la préfecture ({ack['receiver']['name']}) "
            f"pour « {sid} », reçu le {ack['received_at']}.",
            scrutin=sid, ack=centraldocs.doc_fingerprint(ack), key=ack["signing_key"],
        )  # fmt: skip
        return ack


def _french(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(PARIS):%d/%m/%Y à %H:%M:%S}"


def _order(sender: str) -> tuple[int, str]:
    return (int(sender), sender) if sender.isdigit() else (0, sender)
