"""Settings for bench/run's servers and its in-process measurements.

The live-test server settings (DEBUG off, WhiteNoise, fast password hashing), plus the floor views of
``bench.urls`` beside the site's own URLs, and tasks enqueued into the database as in production (the task
worker is not part of what a request costs).
"""

from tests.live.server_settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
TASKS = {"default": {"BACKEND": "livinglab.task_backend.DatabaseBackend", "QUEUES": []}}
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
