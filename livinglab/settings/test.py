"""Tests: fast hashing, locmem e-mail, English as the language assertions read in."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .env import env_str

DEBUG = False
if DATABASES["default"]["ENGINE"] == "livinglab.db.sqlite3":  # noqa: F405
    # A file, not memory. For an in-memory database Django's live server shares one connection among all
    # its request threads, so a browser's overlapping requests (a vote while a fragment loads) interleave
    # on it and lose each other's work (a session vanished mid-test). A file gives every thread its own
    # connection, as the served site has. One name per run, so parallel runs on one machine never meet.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"livinglab-test-{os.getpid()}.sqlite3")
    }
SECRET_KEY = "test-only-insecure-key"  # noqa: S105 - tests only
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SITE_URL = "http://testserver"
CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1", "http://localhost"]
WEBSOCKET_ALLOWED_ORIGINS = ["http://testserver", "http://127.0.0.1", "http://localhost"]
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SMS_BACKEND = "livinglab.sms.LocmemBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "livinglab.storage.LocationFreeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Tasks run inside the request that enqueues them; tests/live/test_task_worker.py runs the real worker.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
LIVINGLAB_ENVIRONMENT = "test"
# Dataset rebuilds are tested where they are meant to happen; elsewhere a save must not build files.
OPENDATA_REFRESH_ON_CHANGE = False
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under pytest -n
if REDIS_URL and XDIST_WORKER:  # noqa: F405
    # Parallel workers each get a Redis database of their own: the suite clears the cache around every test
    # (FLUSHDB), which must not wipe another worker's rate limits mid-test. Servers and scripts the tests
    # start inherit the same database through the environment.
    _redis = urlsplit(REDIS_URL)  # noqa: F405
    _base = int(_redis.path.strip("/") or 0)
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_base + 1 + int(XDIST_WORKER.removeprefix('gw'))}"))
    os.environ["REDIS_URL"] = REDIS_URL
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [REDIS_URL]  # noqa: F405
if REDIS_URL:  # noqa: F405
    # Keep each run's cache and channel groups apart from a developer's running site (and, through the
    # prefix, pub/sub channels apart between parallel workers: Redis shares them across databases).
    CACHES["default"]["KEY_PREFIX"] = env_str("CACHE_KEY_PREFIX", "livinglab-test")  # noqa: F405
    # Pub/sub channels are shared by every Redis database: the prefix names the database this run and worker
    # use, so two suites on one machine (with different REDIS_URL databases) never hear each other's pushes.
    _database = urlsplit(REDIS_URL).path.strip("/") or "0"  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"livinglab-test-r{_database}{XDIST_WORKER}"  # noqa: F405
# Browser journeys fill Wagtail's create forms step by step; with autosave on, a slow machine stored a draft
# between two steps and raced the journey's own "Save draft". The journeys run without it;
# tests/browser/test_pilot_autosave.py turns autosave back on (Wagtail's 500 ms) to test what it stores.
WAGTAIL_AUTOSAVE_INTERVAL = 0
# Sensor pulls retry at once in tests: the behaviour is checked, not the waiting.
SENSORS_PULL_BACKOFF_SECONDS = 0.0
