"""Sessions in the database, as Django keeps them, read with SQL compiled once (``livinglab.rows``).

Every signed-in request reads its session. Django's ``db`` backend builds and compiles that query each time;
this one has the ORM compile it once and reuses it. Everything else (the table, writes, expiry, ``clearsessions``,
logging out) is Django's ``db`` backend unchanged, so the switch keeps every session that exists.
"""

from django.contrib.sessions.backends import db
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
