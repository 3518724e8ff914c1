"""Sessions in the database, as Django keeps them, read with SQL compiled once (``livinglab.rows``).

Every signed-in request reads its session. Django's ``db`` backend builds and compiles that query each time;
this one has the ORM compile it once and reuses it. Everything else (the table, writes, expiry, ``clearsessions``,
logging out) is Django's ``db`` backend unchanged, so the switch keeps every session that exists.

One difference: Django reads any database error while it updates a session's row as "the session was deleted
meanwhile" and answers 400 (``SessionInterrupted``), after the view has done its work (a vote already committed).
A database that failed (restarting, a lost connection, a lock not granted) is not the visitor's doing: that error
goes on as itself, to the 503 or 500 of ``livinglab.database_busy``. A row that is really gone stays a 400.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError
from django.utils import timezone

from livinglab.rows import PreparedGet


class SessionStore(db.SessionStore):
    _readers: dict = {}

    @classmethod
    def _reader(cls) -> PreparedGet:
        model = cls.get_model_class()
        reader = cls._readers.get(model)
        if reader is None:
            reader = cls._readers[model] = PreparedGet(model, "session_key", "expire_date__gt")
        return reader

    def _get_session_from_db(self):
        session = self._reader().get(self.session_key, timezone.now())
        if session is None:
            self._session_key = None
        return session

    def save(self, must_create=False):
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            if isinstance(error.__context__, OperationalError):
                raise error.__context__ from None
            raise
