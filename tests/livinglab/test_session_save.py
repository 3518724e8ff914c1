"""A session whose row cannot be written because the database failed is a server error, not the visitor's 400."""

import pytest
from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError, connection
from django.http import HttpResponse

from livinglab.sessions import SessionStore

pytestmark = pytest.mark.django_db


def fail_session_updates(execute, sql, params, many, context):
    if sql.startswith('UPDATE "django_session"'):
        raise OperationalError("terminating connection due to administrator command")
    return execute(sql, params, many, context)


def a_request_writing_its_session(rf, key: str):
    def view(request):
        request.session["seen"] = True
        return HttpResponse("done")

    request = rf.post("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    return SessionMiddleware(view), request


def existing_session() -> SessionStore:
    store = SessionStore()
    store["started"] = True
    store.create()
    return store


def test_a_failed_database_during_the_sessions_update_is_raised_as_itself(rf):
    middleware, request = a_request_writing_its_session(rf, existing_session().session_key)
    with connection.execute_wrapper(fail_session_updates), pytest.raises(OperationalError, match="administrator"):
        middleware(request)  # reaches handler500 (livinglab.database_busy.server_error), not a 400


def test_a_session_deleted_meanwhile_is_still_djangos_400(rf):
    store = existing_session()
    middleware, request = a_request_writing_its_session(rf, store.session_key)

    def delete_first(execute, sql, params, many, context):
        if sql.startswith('UPDATE "django_session"'):
            SessionStore(store.session_key).delete()  # signed out in another tab, between read and write
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_first), pytest.raises(SessionInterrupted):
        middleware(request)


def test_a_session_that_saves_keeps_what_the_view_wrote(rf):
    store = existing_session()
    middleware, request = a_request_writing_its_session(rf, store.session_key)
    assert middleware(request).status_code == 200
    assert SessionStore(store.session_key).load() == {"started": True, "seen": True}
