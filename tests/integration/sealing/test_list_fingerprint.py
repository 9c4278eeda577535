"""The urn seal and the control list show the same electors list fingerprint (issue 19, item
12): the seal recomputes it from every row under the urn's lock and stores it, so what the CELE
reads on the control list after sealing is what the seal fixed."""

from __future__ import annotations

import pytest

from scrutin.platform.electoral import control, fingerprints
from scrutin.platform.electoral.models import ListFingerprint, Urn

from .conftest import seal_ain

pytestmark = pytest.mark.django_db(databases=["default", "ballotbox"], transaction=True)


def test_issue_19_12_urn_seal_and_control_list_agree(world: dict[str, Urn]) -> None:
    urn = world["011-C"]
    shown_before = {
        ln.urn_code: (ln.count, ln.fingerprint) for ln in control.control_list(urn.cci).lines
    }
    # a stored value gone wrong (written by hand in the database) is not what the seal takes
    ListFingerprint.objects.filter(urn=urn).update(count=1, sha256="0" * 64)
    seal, _ = seal_ain(world)
    document = seal.document["electors"]
    assert (document["count"], document["sha256"]) == fingerprints.urn_fingerprint(urn)
    assert (document["count"], document["sha256"]) == shown_before["011-C"]
    stored = ListFingerprint.objects.get(urn=urn)
    assert (stored.count, stored.sha256) == (document["count"], document["sha256"])
    lines = {ln.urn_code: ln for ln in control.control_list(urn.cci).lines}
    assert (lines["011-C"].count, lines["011-C"].fingerprint) == (
        document["count"],
        document["sha256"],
    )
