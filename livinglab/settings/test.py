"""Tests: fast hashing, locmem e-mail, English as the language assertions read in."""

from .base import *  # noqa: F403
from .env import env_str

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105 - tests only
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1", "http://localhost"]
WEBSOCKET_ALLOWED_ORIGINS = ["http://testserver", "http://127.0.0.1", "http://localhost"]
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
LIVINGLAB_ENVIRONMENT = "test"
if REDIS_URL:  # noqa: F405
    # Keep each run's cache and channel groups apart from a developer's running site.
    CACHES["default"]["KEY_PREFIX"] = env_str("CACHE_KEY_PREFIX", "livinglab-test")  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "livinglab-test"  # noqa: F405
