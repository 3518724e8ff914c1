"""Settings for the ASGI servers the multi-process tests start: the test settings, plus what each run varies.

The servers share a database file (or PostgreSQL database) that the test prepared, and a Redis whose
channel-layer prefix is unique to the run, so parallel runs and a developer's site never hear each other.
"""

from livinglab.settings.env import env_list, env_str
from livinglab.settings.test import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS", WEBSOCKET_ALLOWED_ORIGINS)  # noqa: F405
CSRF_TRUSTED_ORIGINS = WEBSOCKET_ALLOWED_ORIGINS
if REDIS_URL:  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = env_str("CHANNELS_PREFIX", "livinglab-test")  # noqa: F405
# DEBUG is off, as in production; WhiteNoise serves the static files (htmx, its ws extension) from the apps.
WHITENOISE_USE_FINDERS = True
# The benchmark compares channels-redis's two layers; the project's settings choose the pub/sub one.
if REDIS_URL and env_str("LIVE_CHANNEL_LAYER") == "core":  # noqa: F405
    CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.core.RedisChannelLayer"  # noqa: F405
# The worker test enqueues into the database as production does; other live tests run tasks in-request.
if env_str("LIVE_TASKS") == "database":
    TASKS = {"default": {"BACKEND": "livinglab.task_backend.DatabaseBackend", "QUEUES": []}}
