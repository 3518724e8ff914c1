"""The task queue (livinglab.task_backend) writes the row django_tasks_db's own backend writes, signals and all.

Only the INSERT's compile is done once per connection; what reaches the worker must be the same row.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.compat import task_enqueued
from django_tasks_db.models import DBTaskResult

from livinglab.sms import send_sms_task
from livinglab.task_backend import DatabaseBackend

pytestmark = pytest.mark.django_db

OURS = {"BACKEND": "livinglab.task_backend.DatabaseBackend", "QUEUES": []}
UPSTREAM = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}


@pytest.fixture
def both(settings):
    settings.TASKS = {"default": OURS, "upstream": UPSTREAM}
    assert type(task_backends["default"]) is DatabaseBackend
    return task_backends["default"], task_backends["upstream"]


def _row(result) -> dict:
    row = DBTaskResult.objects.get(pk=result.id)
    return {field.attname: getattr(row, field.attname) for field in DBTaskResult._meta.concrete_fields}


@pytest.mark.parametrize("deferred", [False, True])
def test_the_row_is_the_row_the_upstream_backend_writes(both, deferred):
    ours, upstream = both
    task = send_sms_task.using(priority=7)
    if deferred:
        task = task.using(run_after=timezone.now() + timedelta(hours=2))
    mine = ours.enqueue(task, ("+821012345678",), {"body": "투표 알림"})
    theirs = upstream.enqueue(task, ("+821012345678",), {"body": "투표 알림"})
    mine_row, theirs_row = _row(mine), _row(theirs)
    assert {name for name in mine_row if mine_row[name] != theirs_row[name]} == {"id", "enqueued_at", "backend_name"}
    assert mine_row["backend_name"] == "default" and theirs_row["backend_name"] == "upstream"
    assert mine_row["args_kwargs"] == {"args": ["+821012345678"], "kwargs": {"body": "투표 알림"}}
    assert mine_row["priority"] == 7 and mine_row["status"] == "READY"
    # run_after is the task's own when deferred, and django_tasks_db's pre_save fills it in when not.
    assert mine_row["run_after"] == theirs_row["run_after"] if deferred else mine_row["run_after"] is not None
    assert mine.id == str(mine_row["id"]) and mine.status == theirs.status
    assert ours.get_result(mine.id).args == ["+821012345678"]


def test_task_enqueued_is_sent_once_with_the_result_returned(both):
    ours, _ = both
    sent = []

    def receiver(sender, task_result, **kwargs):
        sent.append((sender, task_result))

    task_enqueued.connect(receiver)
    try:
        result = ours.enqueue(send_sms_task, ("+821012345678", "hi"), {})
    finally:
        task_enqueued.disconnect(receiver)
    assert sent == [(DatabaseBackend, result)]


def test_a_task_for_a_queue_the_backend_does_not_serve_is_refused_and_writes_nothing(settings):
    from django.tasks.exceptions import InvalidTask

    settings.TASKS = {"default": OURS}
    task = send_sms_task.using(queue_name="elsewhere")  # any queue goes while QUEUES is empty
    settings.TASKS = {"default": {**OURS, "QUEUES": ["default"]}}
    with pytest.raises(InvalidTask, match="elsewhere"):
        task_backends["default"].enqueue(task, ("+821012345678", "hi"), {})
    assert not DBTaskResult.objects.exists()
    task_backends["default"].enqueue(send_sms_task, ("+821012345678", "hi"), {})
    assert DBTaskResult.objects.get().queue_name == "default"


def test_a_rolled_back_transaction_takes_its_task_with_it(both):
    ours, _ = both
    with pytest.raises(RuntimeError), transaction.atomic():
        ours.enqueue(send_sms_task, ("+821012345678", "hi"), {})
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the action failed")
    assert not DBTaskResult.objects.exists()
