"""Database and address settings read from the environment: SQLite for load, the PostgreSQL pool, origins."""

from importlib import reload

import pytest
from django.core.exceptions import ImproperlyConfigured

from livinglab.settings.env import database_from_env, served_origins

POSTGRES = "postgres://lab@127.0.0.1:5432/lab"


def test_sqlite_takes_the_write_lock_at_begin_in_wal_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT", "7.5")
    config = database_from_env(tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "livinglab.db.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] == 7.5
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgresql_gets_a_pool_sized_from_the_environment_and_a_lock_timeout(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "4")
    monkeypatch.setenv("DATABASE_POOL_MIN_SIZE", "9")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "2.5")
    config = database_from_env("unused")
    assert config["OPTIONS"]["pool"] == {"min_size": 4, "max_size": 4, "timeout": 2.5}
    assert config["OPTIONS"]["options"] == "-c lock_timeout=10000 -c jit=off"
    assert config["CONN_MAX_AGE"] == 0


def test_jit_can_be_turned_back_on_or_left_to_the_server(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_JIT", "on")
    assert database_from_env("unused")["OPTIONS"]["options"] == "-c lock_timeout=10000 -c jit=on"
    monkeypatch.setenv("DATABASE_JIT", "")
    assert database_from_env("unused")["OPTIONS"]["options"] == "-c lock_timeout=10000"


def test_persistent_connections_are_refused_beside_the_pool(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    with pytest.raises(ImproperlyConfigured, match="must be 0 with the connection pool"):
        database_from_env("unused")


def test_without_the_pool_persistent_connections_are_allowed_for_an_external_pooler(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "0")
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT_MS", "0")
    monkeypatch.setenv("DATABASE_JIT", "")  # a pooler such as PgBouncer may refuse startup options
    config = database_from_env("unused")
    assert "pool" not in config["OPTIONS"] and "options" not in config["OPTIONS"]
    assert config["CONN_MAX_AGE"] == 60


def test_a_pool_size_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "soon")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOL_TIMEOUT"):
        database_from_env("unused")


def test_served_origins_name_both_loopback_hosts_at_the_served_port():
    assert served_origins("http://127.0.0.1:8200") == ["http://127.0.0.1:8200", "http://localhost:8200"]
    assert served_origins("http://localhost:8200/") == ["http://127.0.0.1:8200", "http://localhost:8200"]
    assert served_origins("https://lab.example.kr") == ["https://lab.example.kr"]


def test_a_site_url_without_a_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        served_origins("127.0.0.1:8200")


def test_development_allows_the_origins_of_the_address_served(monkeypatch):
    from livinglab.settings import dev

    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8200")
    for name in ("CSRF_TRUSTED_ORIGINS", "WEBSOCKET_ALLOWED_ORIGINS", "WAGTAILADMIN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    reloaded = reload(dev)
    assert reloaded.WEBSOCKET_ALLOWED_ORIGINS == ["http://127.0.0.1:8200", "http://localhost:8200"]
    assert reloaded.CSRF_TRUSTED_ORIGINS == reloaded.WEBSOCKET_ALLOWED_ORIGINS
    assert "http://127.0.0.1:8000" not in reloaded.WEBSOCKET_ALLOWED_ORIGINS
    assert reloaded.SITE_URL == reloaded.WAGTAILADMIN_BASE_URL == "http://127.0.0.1:8200"


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    options = database_from_env("unused")["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "0")  # psycopg: prepare on the first run
    assert database_from_env("unused")["OPTIONS"]["prepare_threshold"] == 0


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "off")
    options = database_from_env("unused")["OPTIONS"]
    # Django's backend reads a missing prepare_threshold as psycopg's None: never prepare.
    assert options["server_side_binding"] is True and "prepare_threshold" not in options
    monkeypatch.setenv("DATABASE_SERVER_SIDE_BINDING", "off")
    options = database_from_env("unused")["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options


@pytest.mark.parametrize("value", ["often", "-1"])
def test_a_prepare_threshold_that_is_not_a_count_is_refused(monkeypatch, value):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", value)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_PREPARE_THRESHOLD"):
        database_from_env("unused")


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_sites_connection_prepares_a_statement_after_the_threshold():
    """On the real server: the ORM's statement, run as often as the threshold, is then a prepared statement of
    this connection (pg_prepared_statements), and its parameters arrive bound, not quoted into the text."""
    from django.conf import settings
    from django.db import connection

    from accounts.models import User

    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert connection.features.uses_server_side_binding
    user = User.objects.create_user(email="prepared@example.org", password="x")

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%accounts_user%"])
            return [row[0] for row in cursor.fetchall()]

    assert prepared() == []
    for _ in range(threshold + 1):
        assert User.objects.filter(email="prepared@example.org").values_list("pk", flat=True).get() == user.pk
    statements = prepared()
    assert len(statements) == 1
    assert "$1" in statements[0] and "prepared@example.org" not in statements[0]
