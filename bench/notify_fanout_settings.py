"""Settings for bench/notify_fanout.py: the test settings, on the database task backend the worker reads."""

from livinglab.settings.test import *  # noqa: F403

if "django_tasks_db" not in INSTALLED_APPS:  # noqa: F405 - the runtime settings add it; older trees do not
    INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]  # noqa: F405
TASKS = {"default": {"BACKEND": "livinglab.task_backend.DatabaseBackend", "QUEUES": []}}
