"""Django's SQLite backend, with the write transactions of one process queued on a lock.

SQLite lets one writer in at a time. Its busy handler makes every other writer sleep and poll, with
growing sleeps, so under a burst (hundreds of ASGI threads voting at once) late arrivals keep winning
the lock while early ones sleep through their whole timeout and fail with "database is locked". Here the
threads of one process wait on a lock instead and are let in as it frees. The busy timeout still covers
the other processes (the task worker, a second server, ``manage.py``), and the same timeout bounds the
wait in the queue, after which the request gets the usual "database is locked" (answered with a 503).
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_WRITE_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


def _write_lock(name: str) -> threading.Lock:
    with _REGISTRY_LOCK:
        return _WRITE_LOCKS.setdefault(str(name), threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        lock = _write_lock(self.settings_dict["NAME"])
        timeout = self.settings_dict["OPTIONS"].get("timeout", 5)
        if not lock.acquire(timeout=timeout):
            raise OperationalError(f"database is locked (no turn to write within {timeout} s)")
        self._holds_write_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self):
        if self._holds_write_lock:
            self._holds_write_lock = False
            _write_lock(self.settings_dict["NAME"]).release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            if not self.connection or not self.connection.in_transaction:
                self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
