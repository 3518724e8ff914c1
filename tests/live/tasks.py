"""A task for the worker test: it reports which process ran it."""

import os

from django.tasks import task


@task()
def report_worker(note: str) -> dict:
    return {"note": note, "pid": os.getpid()}
