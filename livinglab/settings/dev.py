"""Development: the embedded default. SQLite, in-memory channel layer, database search, console e-mail."""

from .base import *  # noqa: F403
from .env import env_list, env_str, served_origins

DEBUG = True
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# The address actually served: `make run` sets SITE_URL from HOST and PORT, so sockets
# and forms work on any port (make run PORT=8200).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", SITE_URL)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", served_origins(SITE_URL))
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS", CSRF_TRUSTED_ORIGINS)
LIVINGLAB_ENVIRONMENT = "development"
