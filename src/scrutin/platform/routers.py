"""Database routing: the ballot box lives alone in its own database (design README §2, CCTP 4.1.4.4).

Every model of the ``ballotbox`` app goes to the ``ballotbox`` alias and nothing else ever does,
so the two databases never share a table and no query can join a ballot to an elector.
"""

from __future__ import annotations

from typing import Any

BALLOTBOX_APPS = frozenset({"ballotbox"})
BALLOTBOX_DB = "ballotbox"


class BallotBoxRouter:
    def _db_for(self, model: Any) -> str:
        return BALLOTBOX_DB if model._meta.app_label in BALLOTBOX_APPS else "default"

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return self._db_for(model)

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return self._db_for(model)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return self._db_for(obj1) == self._db_for(obj2)

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        if app_label in BALLOTBOX_APPS:
            return db == BALLOTBOX_DB
        return db == "default"
