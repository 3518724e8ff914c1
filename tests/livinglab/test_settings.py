"""Production settings: refuse to start unsafely, and pass ``check --deploy`` when configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "x7Qp9#Lm2$Vb8&Nc4!Zr6*Wd1^Ht5@Jf0%Sg" * 2


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({"DJANGO_SETTINGS_MODULE": "livinglab.settings.production", "DATABASE_URL": "", "REDIS_URL": ""})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="lab.example.kr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "lab.example.kr"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "lab.example.kr"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": GOOD_KEY}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        # A web process with no thread for requests would take connections and answer none.
        ({"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "lab.example.kr", "WEB_THREADS": "0"}, "WEB_THREADS"),
        (
            {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "lab.example.kr", "WEB_THREADS": "two"},
            "WEB_THREADS",
        ),
    ],
    ids=["no-key", "short-key", "no-hosts", "wildcard-host", "no-request-threads", "threads-not-a-number"],
)
def test_production_refuses_to_start_unsafely(env, message):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_one_request_thread_per_process_is_allowed():
    result = _manage("check", DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_ALLOWED_HOSTS="lab.example.kr", WEB_THREADS="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_demo_accounts():
    result = _manage(
        "load_demo_data",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="lab.example.kr",
        DATABASE_URL="sqlite://:memory:",
    )
    assert result.returncode != 0
    assert "production" in result.stderr


def test_environment_picks_the_services(monkeypatch):
    from importlib import reload

    from livinglab.settings import base

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/lab")
    reloaded = reload(base)
    assert reloaded.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert reloaded.CACHES["default"]["BACKEND"] == "livinglab.cache.FallbackRedisCache"
    assert reloaded.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

    monkeypatch.delenv("REDIS_URL")
    monkeypatch.delenv("DATABASE_URL")
    reloaded = reload(base)
    assert reloaded.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert reloaded.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert reloaded.DATABASES["default"]["ENGINE"] == "livinglab.db.sqlite3"
