"""A short polling-station day run inside a network namespace that has only the loopback
interface (tests/e2e/test_machine_isolation.py, RT 73): prepare, self-test, open with two keys,
three votes, close, two-key tally, ``scrutin verify``. Prints a JSON summary on the last line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.e2e.machine_station import Web, run, station


def main(root: Path) -> None:
    doc = {
        "format": "scrutin-machine-package/v1",
        "commune": {"name": "Villeneuve-sur-Essai", "insee": "94078"},
        "bureau": {"number": "2"}, "date": "2027-03-14", "opening": "08:00", "closing": "18:00",
        "members": [{"role": "president", "name": "Claire Martin"},
                    {"role": "assessor", "name": "Paul Durand", "key_holder": True}],
        "scrutins": [{"id": "municipales", "preset": "municipal", "seats": 29, "registered": 50,
                      "title": "Élection des conseillers municipaux",
                      "lists": [{"id": f"l{i}", "name": f"Liste {n}", "members": [f"{n} 1"]}
                                for i, n in enumerate(("Avenir", "Ensemble"), 1)]}],
    }  # fmt: skip
    with station(root, doc) as st:
        president, term = Web(st["control"]), Web(st["terminals"][1])
        term.get("/")
        assert "réussi" in president.post("/autotest/", [], president.get("/"))
        assert "Scrutin ouvert" in president.keys("/ouvrir/", st, president.get("/")).decode()
        for choice in ("l1", "l2", "blanc"):
            president.post("/terminal/1/activer/", [("scrutin", "municipales")], president.get("/"))
            page = term.get("/scrutin/municipales/")
            fields = [("q-municipales", choice)]
            recap = term.post("/scrutin/municipales/", [*fields, ("step", "recap")], page)
            done = term.post("/scrutin/municipales/", [*fields, ("step", "confirm")], recap)
            assert "Votre vote est enregistré" in done
        president.post("/clore/", [("confirmer", "oui")], president.get("/"))
        president.keys("/depouiller/", st, president.get("/"), ("scrutin", "municipales"))
        record = root / "interne" / "records" / "municipales"
        verified = run("verify", str(record), cwd=root)
        count = json.loads((record / "result.json").read_bytes())["ballot_count"]
    print(json.dumps({"verified": verified.returncode == 0, "ballots": count}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
