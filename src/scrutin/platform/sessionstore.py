"""The session store: Django's database store, two round trips lighter (issue 15).

Every voter's sign-in creates a session and every cast deletes it, so on a national vote
these statements run millions of times:

* a new key is not first looked up: the ``INSERT`` of ``save(must_create=True)`` fails on a
  duplicate key, and Django's ``create()`` then draws another one (a collision of 32 random
  characters never happens in practice, and is handled when it does);
* deleting a session is one ``DELETE`` (Django reads the row first, then deletes it).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=key).delete()
