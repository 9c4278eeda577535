"""Concurrent changes on PostgreSQL: the urn row lock makes the seats limit and the seal hold
when several COE members act at the same moment (CCTP 4.1.3)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from scrutin.platform.candidates import services
from scrutin.platform.candidates.models import Candidate, CandidaturesSeal
from tests.conftest import on_postgresql

from .conftest import add_candidate, question, urn

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not on_postgresql(), reason="row locks need PostgreSQL"),
]


def _race(actions: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = actions[i]()
        except services.CandidaturesError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_cctp_4_1_3_concurrent_adds_never_exceed_seats(structure: None) -> None:
    ccit = question("011-C", "CCIT")  # 3 seats
    g = services.create_groupement(ccit, "Agir")
    add_candidate(ccit, g, last_name="Premier")
    results = _race([lambda i=i: add_candidate(ccit, g, last_name=f"N{i}") for i in range(6)])
    assert sum(isinstance(r, Candidate) for r in results) == 2
    assert sum(isinstance(r, services.CandidaturesError) for r in results) == 4
    assert sorted(g.candidates.values_list("position", flat=True)) == [1, 2, 3]


def test_seal_and_edits_never_interleave(structure: None) -> None:
    ccit = question("011-C", "CCIT")
    add_candidate(ccit, last_name="Premier")
    actions: list[Callable[[], object]] = [lambda: services.seal(urn("011-C"))]
    actions += [lambda i=i: add_candidate(ccit, last_name=f"N{i}") for i in range(5)]
    _race(actions)
    seal = CandidaturesSeal.objects.get()
    assert services.verify_seal(seal)  # whatever got in before the seal is in the fingerprint
