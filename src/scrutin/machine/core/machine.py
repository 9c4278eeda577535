"""The machine's six functions as one state machine (RT 1–21, 24–27), framework-free.

``Machine`` owns a polling station's storage — two roots, the internal storage and the removable
medium (RT 45, 69), each holding the same files — and is the only writer of its ballot store and
journal. Its state is never kept only in memory: it is the replay of the journal
(:mod:`scrutin.machine.core.journal`) checked against the ballot store
(:mod:`scrutin.machine.core.store`), so a restart after a power cut resumes in the same phase,
with the same counters, and tells the bureau whether an interrupted vote was stored (RT 68).

Phases, each transition irreversible (RT 1–21)::

    prepared ──open (two keys)──▶ open ──last terminal blocked──▶ closed ──tally (two keys)──▶ tallied

Every refused action raises :class:`MachineError` with a French message for the bureau, and is
journaled as a handling error (RT 48, 53).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scrutin.crypto.ballot import InvalidBallot, check_ballot_json
from scrutin.crypto.params import ElectionParameters, parse_parameters
from scrutin.machine.core import audio, files
from scrutin.machine.core.journal import Journal
from scrutin.machine.core.package import Package, parse_package
from scrutin.machine.core.store import SlotStore
from scrutin.record.writer import ballot_line

PARIS = ZoneInfo("Europe/Paris")

PREPARED, OPEN, CLOSED, TALLIED = "prepared", "open", "closed", "tallied"
PHASE_LABELS = {
    PREPARED: "préparée, scrutin non ouvert",
    OPEN: "scrutin ouvert",
    CLOSED: "scrutin clos",
    TALLIED: "résultats édités, machine verrouillée",
}
MAX_CLOCK_SHIFT = timedelta(days=400)


class MachineError(RuntimeError):
    """An action the machine refuses; the message is French, for the bureau."""


@dataclass
class Activation:
    number: int
    scrutins: tuple[str, ...]
    voted: set[str] = field(default_factory=set)
    pending: str | None = None

    @property
    def remaining(self) -> tuple[str, ...]:
        return tuple(s for s in self.scrutins if s not in self.voted)


@dataclass
class Terminal:
    number: int
    blocked: bool = False
    block_requested: bool = False
    activation: Activation | None = None

    @property
    def active(self) -> bool:
        return self.activation is not None


@dataclass
class State:
    phase: str = PREPARED
    clock_offset: float = 0.0
    opened_at: str | None = None
    closed_at: str | None = None
    activations: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    voters: dict[str, list[int]] = field(default_factory=dict)
    """Per scrutin, the activations whose vote was stored (the closing seal counts them)."""
    terminals: dict[int, Terminal] = field(default_factory=dict)
    tallied: set[str] = field(default_factory=set)
    tokens: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    """Voting tokens not yet used: SHA-256 of the code → (scrutins, expiry) (RT 8)."""
    token_failures: dict[int, int] = field(default_factory=dict)


def _copies(names: set[str]) -> str:
    """The supports named for the bureau: « mémoire interne », « support amovible »."""
    label = {"interne": "de la mémoire interne", "amovible": "du support amovible"}
    return " et ".join(label.get(n, n) for n in sorted(names))


class Machine:
    """A prepared machine, loaded from its two storage roots."""

    def __init__(
        self, internal: Path, removable: Path, *, now: Callable[[], datetime] | None = None
    ) -> None:
        self.roots = {"interne": internal, "amovible": removable}
        self._now = now or (lambda: datetime.now(UTC))
        files.check_same(self.roots)
        try:
            certified = json.loads(files.read(internal, files.MACHINE)).get("audio")
            self.audio: dict[str, Any] | None = audio.load(self.roots, certified)
            """The terminal's spoken prompts, every file checked (RT 61–64); None without."""
        except audio.AudioError as exc:
            raise MachineError(str(exc)) from exc
        self.package: Package = parse_package(json.loads(files.read(internal, files.PACKAGE)))
        self.trustees: dict[str, Any] = json.loads(files.read(internal, files.TRUSTEES))
        self.params: dict[str, ElectionParameters] = {
            s.id: parse_parameters(json.loads(files.read(internal, files.election(s.id))))
            for s in self.package.scrutins
        }
        self.journal = Journal({n: r / files.JOURNAL for n, r in self.roots.items()})
        self.stores: dict[str, SlotStore] = {}
        self.recovered: list[str] = []
        label = bytes.fromhex(self.package.fingerprint)
        for s in self.package.scrutins:
            store, report = SlotStore.open(
                {n: r / files.slots(s.id) for n, r in self.roots.items()}, label
            )
            self.stores[s.id] = store
            if report.rebuilt:
                self.recovered.append(
                    f"Scrutin « {s.title} » : copie des bulletins {_copies(report.rebuilt)} "
                    "incomplète (tronquée ou absente), reconstituée depuis l'autre copie."
                )
            if report.repaired or report.cleared:
                self.recovered.append(
                    f"Scrutin « {s.title} » : {report.repaired} emplacement(s) recopié(s), "
                    f"{report.cleared} écriture(s) interrompue(s) effacée(s)"
                    + (
                        f" ; copie endommagée : {_copies(report.damaged_copies)}."
                        if report.damaged_copies
                        else "."
                    )
                )
        for name in self.journal.repaired:
            self.recovered.append(
                f"Journal : copie {_copies({name})} interrompue ou incomplète, remise en état depuis l'autre copie."
            )
        self.state = self._replay()
        before = len(self.journal.entries)
        self._reconcile()
        self.notices = [e.text for e in self.journal.entries[before:]]
        """What this start-up found and settled (interrupted vote, repaired copies), for the
        control page (RT 68, 69); the journal keeps every earlier one."""

    # --- time ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The machine clock: the system clock plus the bureau's setting (RT 6, 46)."""
        return (self._now() + timedelta(seconds=self.state.clock_offset)).astimezone(PARIS)

    def log(self, event: str, role: str, text: str, **data: Any) -> None:
        self.journal.append(self.now().isoformat(timespec="seconds"), event, role, text, data)

    def refuse(self, message: str, role: str = "machine") -> MachineError:
        """Journal a handling error (RT 48) and return the exception to raise."""
        self.log("machine:error", role, message)
        return MachineError(message)

    # --- replay -------------------------------------------------------------------------------

    def _replay(self) -> State:
        state = State(terminals={n: Terminal(n) for n in range(1, self.package.terminals + 1)})
        state.stored = {s.id: 0 for s in self.package.scrutins}
        state.voters = {s.id: [] for s in self.package.scrutins}
        for e in self.journal:
            d = e.data
            if e.event == "clock:set":
                state.clock_offset = float(d["offset"])
            elif e.event == "vote:open":
                state.phase, state.opened_at = OPEN, e.at
            elif e.event == "token:issue":
                state.tokens[d["token"]] = (tuple(d["scrutins"]), d["expires_at"])
            elif e.event == "token:redeem":
                state.tokens.pop(d["token"], None)
            elif e.event == "token:fail":
                state.token_failures[d["terminal"]] = state.token_failures.get(d["terminal"], 0) + 1
            elif e.event == "terminal:activate":
                state.token_failures.pop(d["terminal"], None)
                state.activations += 1
                state.terminals[d["terminal"]].activation = Activation(
                    d["activation"], tuple(d["scrutins"])
                )
            elif e.event == "vote:pending":
                act = state.terminals[d["terminal"]].activation
                assert act is not None
                act.pending = d["scrutin"]
            elif e.event in {"vote:stored", "vote:lost"}:
                act = state.terminals[d["terminal"]].activation
                assert act is not None
                act.pending = None
                if e.event == "vote:stored":
                    act.voted.add(d["scrutin"])
                    state.stored[d["scrutin"]] += 1
                    state.voters[d["scrutin"]].append(act.number)
            elif e.event == "terminal:deactivate":
                t = state.terminals[d["terminal"]]
                t.activation = None
                if t.block_requested:
                    t.blocked = True
            elif e.event == "terminal:block-request":
                state.terminals[d["terminal"]].block_requested = True
            elif e.event == "terminal:block":
                state.terminals[d["terminal"]].blocked = True
            elif e.event == "vote:close":
                state.phase, state.closed_at = CLOSED, e.at
            elif e.event == "tally:scrutin":
                state.tallied.add(d["scrutin"])
            elif e.event == "machine:lock":
                state.phase = TALLIED
        return state

    def _reconcile(self) -> None:
        """After a restart: settle an interrupted vote (RT 68) and check the counters equal the
        stored ballots (RT 69)."""
        if self.recovered:
            for line in self.recovered:
                self.log("store:recover", "machine", line)
        for t in self.state.terminals.values():
            act = t.activation
            if act is None or act.pending is None:
                continue
            sid = act.pending
            stored = self.stores[sid].used > self.state.stored[sid]
            title = self.package.scrutin(sid).title
            if stored:
                self.log(
                    "vote:stored", "machine",
                    f"Reprise après interruption : le vote en cours au terminal {t.number} pour "
                    f"« {title} » avait été enregistré.",
                    terminal=t.number, activation=act.number, scrutin=sid, recovered=True,
                )  # fmt: skip
                act.voted.add(sid)
                self.state.stored[sid] += 1
                self.state.voters[sid].append(act.number)
            else:
                self.log(
                    "vote:lost", "machine",
                    f"Reprise après interruption : le vote en cours au terminal {t.number} pour "
                    f"« {title} » n'avait pas été enregistré ; l'électeur peut voter à nouveau.",
                    terminal=t.number, activation=act.number, scrutin=sid,
                )  # fmt: skip
            act.pending = None
        for t in self.state.terminals.values():
            if t.activation is not None and not t.activation.remaining:
                # The power went between the last vote's storage and the deactivation (RT 9).
                self._deactivate(
                    t.number, "reprise, l'électeur avait voté pour chacun de ses scrutins"
                )
        for sid, store in self.stores.items():
            if store.used != self.state.stored[sid]:
                raise MachineError(
                    f"Anomalie : {store.used} bulletin(s) en mémoire pour le scrutin "
                    f"« {self.package.scrutin(sid).title} », mais {self.state.stored[sid]} vote(s) "
                    "enregistré(s) au journal. Appelez l'assistance de la mairie."
                )
        if self.state.phase == CLOSED:
            self._seal_closing()  # a power cut between the closing and its seals

    # --- counters (RT 15, 26) -----------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        """Votes stored per scrutin since the opening: never a partial result (RT 47)."""
        return dict(self.state.stored)

    def _terminal(self, number: int) -> Terminal:
        t = self.state.terminals.get(number)
        if t is None:
            raise self.refuse(f"Le terminal {number} n'existe pas dans cette préparation.")
        return t

    def _require(self, phase: str, action: str) -> None:
        if self.state.phase != phase:
            raise self.refuse(
                f"{action} est impossible : la machine est dans l'état « "
                f"{PHASE_LABELS[self.state.phase]} »."
            )

    # --- function 2: opening (RT 4–7) ---------------------------------------------------------

    def set_clock(self, at: datetime, by: str) -> None:
        """RT 6: the bureau sets the clock before the opening."""
        self._require(PREPARED, "Le réglage de l'horloge")
        if at.tzinfo is None:
            raise self.refuse("Indiquez l'heure avec son fuseau horaire.")
        offset = (at - self._now()).total_seconds()
        if abs(offset) > MAX_CLOCK_SHIFT.total_seconds():
            raise self.refuse("Heure refusée : plus d'un an d'écart avec l'horloge interne.")
        self.log(
            "clock:set", by,
            f"Horloge réglée sur {at.astimezone(PARIS):%d/%m/%Y %H:%M:%S}.", offset=offset,
        )  # fmt: skip
        self.state.clock_offset = offset

    def open(self, president: str, assessor: str) -> None:
        """RT 7: unlocked with the two keys (the caller has opened and checked both)."""
        self._require(PREPARED, "L'ouverture du scrutin")
        tests = [e for e in self.journal if e.event == "machine:selftest"]
        if not tests or not tests[-1].data.get("ok"):
            raise self.refuse(
                "L'ouverture exige un autotest réussi : lancez l'autotest et "
                "vérifiez chaque ligne.",
                "président",
            )
        self.log(
            "vote:open", "président",
            f"Scrutin ouvert par {president} (président) et {assessor} (assesseur), "
            "clés vérifiées.",
        )  # fmt: skip
        self.state.phase = OPEN
        self.state.opened_at = self.now().isoformat(timespec="seconds")

    # --- function 3: voting (RT 8–15, 24–26) --------------------------------------------------

    def chosen_scrutins(self, scrutins: list[str], role: str = "président") -> tuple[str, ...]:
        """The package's scrutins named in ``scrutins``, in package order (refused if none or
        unknown)."""
        known = [s.id for s in self.package.scrutins]
        chosen = tuple(s for s in known if s in scrutins)
        if not chosen or len(chosen) != len(set(scrutins)):
            raise self.refuse("Choisissez au moins un scrutin de la liste.", role)
        return chosen

    def titles(self, scrutins: tuple[str, ...]) -> str:
        return ", ".join(f"« {self.package.scrutin(s).title} »" for s in scrutins)

    def activate(self, terminal: int, scrutins: list[str], *, by: str = "président") -> int:
        """RT 8, 24: the president activates a terminal for the scrutins this elector may vote in
        (or the elector with a voting token, :mod:`scrutin.machine.core.tokens`)."""
        self._require(OPEN, "L'activation d'un terminal")
        t = self._terminal(terminal)
        if t.blocked or t.block_requested:
            raise self.refuse(f"Le terminal {terminal} est bloqué.", by)
        if t.active:
            raise self.refuse(
                f"Le terminal {terminal} est déjà activé pour un électeur qui n'a pas terminé.", by
            )
        chosen = self.chosen_scrutins(scrutins, by)
        number = self.state.activations + 1
        self.log(
            "terminal:activate", by,
            f"Terminal {terminal} activé pour un électeur : {self.titles(chosen)}.",
            terminal=terminal, activation=number, scrutins=list(chosen),
        )  # fmt: skip
        self.state.token_failures.pop(terminal, None)
        self.state.activations = number
        t.activation = Activation(number, chosen)
        return number

    def ballot_params(self, terminal: int, scrutin: str) -> ElectionParameters:
        """What the terminal encrypts with, once it is active for this scrutin."""
        self._active(terminal, scrutin)
        return self.params[scrutin]

    def _active(self, terminal: int, scrutin: str) -> Activation:
        t = self._terminal(terminal)
        if self.state.phase != OPEN:
            raise self.refuse("Le vote n'est pas ouvert.", "électeur")
        if t.activation is None:
            raise self.refuse(f"Le terminal {terminal} n'est pas activé.", "électeur")
        if scrutin not in t.activation.scrutins:
            raise self.refuse(
                "Cet électeur n'est pas autorisé à voter pour ce scrutin.", "électeur"
            )
        if scrutin in t.activation.voted:
            raise self.refuse(
                "Le vote de cet électeur pour ce scrutin est déjà enregistré.", "électeur"
            )
        return t.activation

    def cast(self, terminal: int, scrutin: str, ballot: object) -> str:
        """RT 9, 11, 13, 14: store one confirmed, encrypted ballot; returns its tracker. The
        terminal deactivates itself once the elector has voted in every scrutin (RT 9)."""
        act = self._active(terminal, scrutin)
        params = self.params[scrutin]
        try:
            check_ballot_json(params, ballot)
        except InvalidBallot as exc:
            raise self.refuse(
                f"Bulletin refusé : il n'est pas valide ({exc}).", "électeur"
            ) from exc
        assert isinstance(ballot, dict)
        line = ballot_line(ballot)
        title = self.package.scrutin(scrutin).title
        ids = {"terminal": terminal, "activation": act.number, "scrutin": scrutin}
        self.log("vote:pending", "électeur", f"Enregistrement du vote pour « {title} »…", **ids)
        act.pending = scrutin
        self.stores[scrutin].put(line)
        self.log("vote:stored", "électeur", f"Vote enregistré pour « {title} ».", **ids)
        act.pending = None
        act.voted.add(scrutin)
        self.state.stored[scrutin] += 1
        self.state.voters[scrutin].append(act.number)
        if not act.remaining:
            self._deactivate(terminal, "l'électeur a voté pour chacun de ses scrutins")
        return hashlib.sha256(line).hexdigest()

    def _deactivate(self, terminal: int, reason: str, role: str = "machine") -> None:
        t = self.state.terminals[terminal]
        self.log(
            "terminal:deactivate", role, f"Terminal {terminal} désactivé : {reason}.",
            terminal=terminal,
        )  # fmt: skip
        t.activation = None
        if t.block_requested:
            t.blocked = True
            self._after_block()

    def deactivate(self, terminal: int) -> list[str]:
        """RT 12: the president deactivates a terminal whose elector stopped without confirming.
        Returns the scrutins left unvoted by that elector (journaled, never their choices)."""
        t = self._terminal(terminal)
        if t.activation is None:
            raise self.refuse(f"Le terminal {terminal} n'est pas activé.", "président")
        left = list(t.activation.remaining)
        self._deactivate(
            terminal,
            f"par le président, sans vote enregistré pour {self.titles(tuple(left))}",
            "président",
        )
        return left

    # --- function 4: closing (RT 16–17) -------------------------------------------------------

    def block(self, terminal: int) -> bool:
        """RT 16: block one terminal. An elector already activated finishes first (the closing
        hour passed while they were in the booth); the block then takes effect. Returns whether
        the terminal is blocked now."""
        self._require(OPEN, "Le blocage d'un terminal")
        t = self._terminal(terminal)
        if t.blocked or t.block_requested:
            raise self.refuse(f"Le terminal {terminal} est déjà bloqué.", "président")
        if t.active:
            self.log(
                "terminal:block-request", "président",
                f"Blocage du terminal {terminal} demandé : il prendra effet quand l'électeur "
                "en cours aura voté.", terminal=terminal,
            )  # fmt: skip
            t.block_requested = True
            return False
        self.log("terminal:block", "président", f"Terminal {terminal} bloqué.", terminal=terminal)
        t.blocked = True
        self._after_block()
        return True

    def _after_block(self) -> None:
        """RT 17: blocking the last terminal closes the vote and freezes the ballot memory."""
        if all(t.blocked for t in self.state.terminals.values()) and self.state.phase == OPEN:
            counts = ", ".join(
                f"« {s.title} » : {self.state.stored[s.id]}" for s in self.package.scrutins
            )
            self.log(
                "vote:close", "président",
                f"Dernier terminal bloqué : scrutin clos, mémoire des bulletins figée ({counts}).",
                counts=dict(self.state.stored),
            )  # fmt: skip
            self.state.phase = CLOSED
            self.state.closed_at = self.now().isoformat(timespec="seconds")
            self._seal_closing()

    def _seal_closing(self) -> None:
        from scrutin.machine.core.closing import seal_closing  # closing builds on Machine

        seal_closing(self)

    def block_all(self) -> None:
        for n, t in self.state.terminals.items():
            if not (t.blocked or t.block_requested):
                self.block(n)
