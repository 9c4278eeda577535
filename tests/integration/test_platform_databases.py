"""The two databases of the design (README §2): a ballot never lands beside an elector."""

import pytest
from django.apps import apps
from django.db import connections

from scrutin.platform.ballotbox.models import Ballot
from scrutin.platform.routers import BallotBoxRouter


def test_every_model_is_routed_to_exactly_one_database() -> None:
    router = BallotBoxRouter()
    for model in apps.get_models():
        label = model._meta.app_label
        allowed = [db for db in ("default", "ballotbox") if router.allow_migrate(db, label)]
        assert len(allowed) == 1, model
        expected = "ballotbox" if label == "ballotbox" else "default"
        assert allowed == [expected]
        assert router.db_for_write(model) == expected
        assert router.db_for_read(model) == expected


@pytest.mark.django_db(databases=["default", "ballotbox"])
def test_ballot_tables_exist_only_in_the_ballotbox_database() -> None:
    Ballot.objects.create(fingerprint="ab" * 32, urn_code="0111C", content={"q": []})
    ballot_table = Ballot._meta.db_table
    assert ballot_table in connections["ballotbox"].introspection.table_names()
    assert ballot_table not in connections["default"].introspection.table_names()
    elector_tables = set(connections["default"].introspection.table_names())
    assert not elector_tables & set(connections["ballotbox"].introspection.table_names()) - {
        "django_migrations"
    }
    assert Ballot.objects.using("ballotbox").count() == 1
