"""Reads with SQL compiled once (livinglab.rows) return what the ORM's get() returns, and nothing else.

They serve the session, the signed-in user and a vote's proposal on every request, so each one is checked against
the ORM on the same rows, on PostgreSQL and SQLite alike: every field's value (converters included: a UUID key,
JSON, datetimes, booleans), the refusals, and the managers that must keep the ORM's own get().
"""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from livinglab.rows import PreparedGet, PreparedInsert
from proposals.models import Proposal
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def _count_compiles(monkeypatch) -> list:
    compiled = []
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return compiled


def test_a_row_by_key_is_the_row_the_orm_reads(django_assert_num_queries):
    proposal = ProposalFactory(vote_count=3)
    reader = PreparedGet(Proposal, "pk")
    with django_assert_num_queries(1):
        read = reader.get(proposal.pk)
    assert _fields(read) == _fields(Proposal.objects.all().get(pk=proposal.pk))
    assert type(read) is Proposal
    assert read._state.adding is False and read._state.db == "default"
    assert reader.get(proposal.pk + 1000) is None


def test_converted_columns_come_back_as_the_orm_converts_them():
    """A UUID key (a string on SQLite), JSON and datetimes pass through the fields' converters."""
    task = DBTaskResult.objects.create(
        task_path="livinglab.tests.nothing",
        args_kwargs={"args": [1, "둘"], "kwargs": {"x": None}},
        queue_name="default",
        backend_name="default",
        run_after=timezone.now() + timedelta(hours=1),
    )
    read = PreparedGet(DBTaskResult, "pk").get(task.pk)
    assert isinstance(read.pk, uuid.UUID)
    assert read.args_kwargs == {"args": [1, "둘"], "kwargs": {"x": None}}
    assert _fields(read) == _fields(DBTaskResult.objects.get(pk=task.pk))
    assert read.run_after.tzinfo is not None


def test_the_sql_is_compiled_once(monkeypatch):
    first, second = ProposalFactory(), ProposalFactory()
    reader = PreparedGet(Proposal, "pk")
    compiled = _count_compiles(monkeypatch)
    assert reader.get(first.pk).pk == first.pk
    assert reader.get(second.pk).pk == second.pk
    assert reader.get(first.pk + second.pk) is None
    assert compiled == [Proposal]
    # The ORM's own get() compiles every time: that is the work the reader saves.
    Proposal.objects.all().get(pk=first.pk)
    Proposal.objects.all().get(pk=second.pk)
    assert compiled == [Proposal, Proposal, Proposal]


def test_several_lookups_take_their_values_in_the_order_named():
    """The ORM orders keyword lookups by name: the values must land on their own columns whatever the order."""
    user = ResidentFactory(display_name="Minji", email="minji@example.org")
    ResidentFactory(display_name="Minji", email="other@example.org")
    by_name_first = PreparedGet(User, "display_name", "email")
    by_email_first = PreparedGet(User, "email", "display_name")
    assert by_name_first.get("Minji", "minji@example.org").pk == user.pk
    assert by_email_first.get("minji@example.org", "Minji").pk == user.pk
    assert by_email_first.get("minji@example.org", "Jisoo") is None


def test_more_than_one_row_is_refused_as_get_refuses_it():
    ResidentFactory(display_name="Twin")
    ResidentFactory(display_name="Twin")
    with pytest.raises(User.MultipleObjectsReturned):
        PreparedGet(User, "display_name").get("Twin")


def test_none_is_left_to_the_orm_which_reads_it_as_is_null():
    blocked = ResidentFactory(blocked_at=timezone.now())
    never = ResidentFactory()
    reader = PreparedGet(User, "pk", "blocked_at")
    assert reader.get(never.pk, None).pk == never.pk
    assert reader.get(blocked.pk, None) is None
    assert reader.get(blocked.pk, blocked.blocked_at).pk == blocked.pk


@pytest.mark.parametrize(
    "lookups",
    [
        (),
        ("pk__in",),
        ("display_name__icontains",),
        ("author",),
        ("author_id",),
        ("title__unknown",),
        ("nothing",),
        ("is_active",),  # PostgreSQL compiles a boolean to ``WHERE is_active``, without a value
    ],
)
def test_lookups_it_cannot_compile_to_one_value_are_refused(lookups):
    model = Proposal if any(name.startswith(("author", "title")) for name in lookups) else User
    with pytest.raises(ImproperlyConfigured):
        PreparedGet(model, *lookups)


def test_the_manager_reads_by_key_and_raises_does_not_exist(monkeypatch):
    user = ResidentFactory()
    User.objects.__dict__.pop("_pk_reader", None)  # compiled by an earlier test in this process
    compiled = _count_compiles(monkeypatch)
    assert User.objects.get(pk=user.pk) == user
    assert User.objects.get(pk=str(user.pk)) == user  # a key from a session is a string
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=user.pk + 1000)
    with pytest.raises(ValueError):
        User.objects.get(pk="not a number")
    assert compiled == [User]


def test_a_related_manager_keeps_its_filter():
    """``author.proposals.get(pk=…)`` is built from the same manager class: it must not read by key alone."""
    mine, theirs = ProposalFactory(), ProposalFactory()
    assert mine.author.proposals.get(pk=mine.pk) == mine
    with pytest.raises(Proposal.DoesNotExist):
        mine.author.proposals.get(pk=theirs.pk)


def test_other_gets_are_the_orms_own(monkeypatch):
    user = ResidentFactory(is_active=False)
    compiled = _count_compiles(monkeypatch)
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=user.pk, is_active=True)
    assert User.objects.db_manager("default").get(pk=user.pk) == user
    assert User.objects.filter(is_active=False).get(pk=user.pk) == user
    assert compiled == [User, User, User]


def test_proposal_manager_still_has_its_queryset_methods():
    proposal = ProposalFactory(status="published")
    assert Proposal.objects.public().get(pk=proposal.pk) == proposal
    assert Proposal.objects.get(pk=proposal.pk).status == "published"


# --- sessions ---------------------------------------------------------------------------------------


def _store(key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def test_sessions_are_django_database_sessions_read_once_compiled(client, django_assert_num_queries):
    assert settings.SESSION_ENGINE == "livinglab.sessions"
    user = ResidentFactory()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=key).exists()
    with django_assert_num_queries(1):
        assert _store(key).get("_auth_user_id") == str(user.pk)


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key():
    store = _store()
    store["colour"] = "blue"
    store.save()
    key = store.session_key
    assert _store(key)["colour"] == "blue"
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = _store(key)
    assert expired.load() == {} and expired.session_key is None
    unknown = _store("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_signing_out_ends_the_session(client):
    user = ResidentFactory()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    # The old cookie no longer signs anyone in.
    assert _store(key).load() == {}


def test_the_database_is_asked_each_time(django_assert_num_queries):
    """Nothing is cached but the SQL: a session changed by another process is read as it is now."""
    store = _store()
    store["step"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        session_data=_store().encode({"step": 2}), expire_date=timezone.now() + timedelta(days=1)
    )
    with django_assert_num_queries(1):
        assert _store(store.session_key)["step"] == 2


@pytest.mark.django_db(transaction=True)
def test_each_thread_reads_on_its_own_connection():
    """Django's connections are per thread: the SQL is compiled per connection, and each thread's own converts."""
    proposal = ProposalFactory()
    reader = PreparedGet(Proposal, "pk")
    assert reader.get(proposal.pk).pk == proposal.pk

    def elsewhere():
        try:
            return reader.get(proposal.pk), connections["default"] in reader._compiled, len(reader._compiled)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        read, own_connection_compiled, compiled = pool.submit(elsewhere).result()
    assert read.pk == proposal.pk and read.title == proposal.title
    assert own_connection_compiled and compiled == 2
    assert connections["default"] in reader._compiled


# PreparedInsert: a task's row written with the INSERT compiled once.


def _task_row(**extra) -> DBTaskResult:
    values = {
        "task_path": "livinglab.tests.nothing",
        "args_kwargs": {"args": [1, "둘"], "kwargs": {"x": None}},
        "queue_name": "default",
        "backend_name": "default",
        "run_after": timezone.now() + timedelta(hours=1),
    }
    return DBTaskResult(**{**values, **extra})


def test_an_inserted_row_is_the_row_the_orm_writes(django_assert_num_queries):
    writer = PreparedInsert(DBTaskResult)
    values = {name: value for name, value in _fields(_task_row()).items() if name != "id"}
    with django_assert_num_queries(1):
        written = writer.insert(DBTaskResult(**values))
    by_orm = DBTaskResult.objects.create(**values)
    read, read_orm = DBTaskResult.objects.get(pk=written.pk), DBTaskResult.objects.get(pk=by_orm.pk)
    assert isinstance(written.pk, uuid.UUID)
    assert written._state.adding is False and written._state.db == "default"
    assert _fields(read) == _fields(written)
    # Field by field as the ORM writes the same values; the key, and auto_now_add's enqueued_at, are the row's own.
    differ = {name for name in _fields(read) if _fields(read)[name] != _fields(read_orm)[name]}
    assert differ == {"id", "enqueued_at"}
    assert read.enqueued_at is not None and read.enqueued_at.tzinfo is not None
    assert read.args_kwargs == {"args": [1, "둘"], "kwargs": {"x": None}}


def test_the_insert_is_compiled_once_and_the_orm_compiles_every_time(monkeypatch):
    from django.db.models.sql.compiler import SQLInsertCompiler

    compiled = []
    original = SQLInsertCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", as_sql)
    writer = PreparedInsert(DBTaskResult)
    for _ in range(3):
        writer.insert(_task_row())
    assert compiled == [DBTaskResult]
    assert DBTaskResult.objects.count() == 3
    _task_row().save(force_insert=True)
    _task_row().save(force_insert=True)
    assert compiled == [DBTaskResult] * 3


def test_the_save_signals_are_sent_as_the_orm_sends_them():
    from django.db.models import signals

    seen = []

    def pre(sender, instance, raw, using, update_fields, **kwargs):
        seen.append(("pre", sender, instance._state.adding, raw, using, update_fields))

    def post(sender, instance, created, raw, using, update_fields, **kwargs):
        seen.append(
            ("post", sender, created, raw, using, update_fields, DBTaskResult.objects.filter(pk=instance.pk).exists())
        )

    signals.pre_save.connect(pre, sender=DBTaskResult)
    signals.post_save.connect(post, sender=DBTaskResult)
    try:
        PreparedInsert(DBTaskResult).insert(_task_row())
        with_prepared = list(seen)
        seen.clear()
        _task_row().save(force_insert=True)
    finally:
        signals.pre_save.disconnect(pre, sender=DBTaskResult)
        signals.post_save.disconnect(post, sender=DBTaskResult)
    assert (
        with_prepared
        == seen
        == [
            ("pre", DBTaskResult, True, False, "default", None),
            ("post", DBTaskResult, True, False, "default", None, True),
        ]
    )


def test_a_pre_save_receiver_s_change_is_written():
    """django_tasks_db's own pre_save receiver fills run_after in: what receivers set must reach the row."""
    row = PreparedInsert(DBTaskResult).insert(_task_row(run_after=None))
    assert row.run_after is not None
    assert DBTaskResult.objects.get(pk=row.pk).run_after == row.run_after


def test_an_expression_value_goes_to_the_orm(monkeypatch):
    from django.db.models.functions import Now

    compiled = []
    writer = PreparedInsert(DBTaskResult)
    monkeypatch.setattr(writer, "_compile", lambda *args: compiled.append(args))
    row = writer.insert(_task_row(run_after=Now()))
    assert compiled == []
    assert DBTaskResult.objects.get(pk=row.pk).run_after is not None


def test_another_model_s_instance_is_refused():
    with pytest.raises(TypeError):
        PreparedInsert(DBTaskResult).insert(Session(session_key="x" * 32, session_data="", expire_date=timezone.now()))


def test_models_it_cannot_write_as_one_plain_row_are_refused():
    with pytest.raises(ImproperlyConfigured, match="relations"):
        PreparedInsert(Proposal)  # an author, a category: relation columns
    with pytest.raises(ImproperlyConfigured, match="database fills in"):
        # An auto-increment key would have to be read back: refused at the first insert.
        from django.contrib.auth.models import Group

        PreparedInsert(Group).insert(Group(name="x"))


def test_a_failed_insert_marks_the_transaction_for_rollback_and_writes_nothing():
    from django.db import IntegrityError, transaction

    first = PreparedInsert(DBTaskResult).insert(_task_row())
    with pytest.raises(IntegrityError), transaction.atomic():
        PreparedInsert(DBTaskResult).insert(_task_row(id=first.pk))
    assert DBTaskResult.objects.count() == 1
