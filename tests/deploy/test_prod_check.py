"""deploy/prod_check.py (``make prod-check``): the parts that decide what it serves on and how it talks to it.

The served run itself takes a minute or more (migrations, two servers), so the suite does not repeat it:
``.ci/run`` runs ``make prod-check`` on SQLite and on PostgreSQL + Redis. These tests cover, cheaply, which
targets the environment selects, the refusal of a database that already holds tables, and the HTTP client that
must carry the site's Secure cookies over the plain HTTP the TLS proxy speaks (without them the CSRF-checked
login form answers 403).
"""

import importlib.util
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_prod_check():
    spec = importlib.util.spec_from_file_location("prod_check", ROOT / "deploy" / "prod_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prod_check = load_prod_check()


def test_without_services_it_serves_on_sqlite_alone():
    assert [target.name for target in prod_check.targets_from_env({})] == ["sqlite"]
    # A developer's SQLite DATABASE_URL is not used: the check makes a throwaway file of its own.
    sqlite = prod_check.targets_from_env({"DATABASE_URL": "sqlite:///db.sqlite3"})
    assert [(target.name, target.database_url) for target in sqlite] == [("sqlite", "")]


def test_postgresql_and_redis_add_a_second_run_on_them():
    targets = prod_check.targets_from_env(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/check", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    )
    assert [target.name for target in targets] == ["sqlite", "postgresql+redis"]
    services = targets[1]
    assert services.services
    assert services.database_url == "postgres://postgres@127.0.0.1:5432/check"
    assert services.redis_url == "redis://127.0.0.1:6379/15"
    assert not targets[0].services


@pytest.mark.parametrize(
    "environ",
    [
        {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/check"},
        {"REDIS_URL": "redis://127.0.0.1:6379/15"},
        {"DATABASE_URL": "sqlite:///db.sqlite3", "REDIS_URL": "redis://127.0.0.1:6379/15"},
    ],
)
def test_half_a_service_configuration_is_refused(environ):
    with pytest.raises(SystemExit, match="PostgreSQL and Redis together"):
        prod_check.targets_from_env(environ)


def test_the_production_environment_of_each_target():
    directory = Path("/tmp/prod-check-x/postgresql+redis")
    services = prod_check.Target("postgresql+redis", "postgres://postgres@db/check", "redis://cache/15")
    env = prod_check.production_env(directory, services, "prod-check-abc")
    assert env["DATABASE_URL"] == "postgres://postgres@db/check"
    assert env["REDIS_URL"] == "redis://cache/15"
    assert env["CACHE_KEY_PREFIX"] == env["CHANNELS_PREFIX"] == "prod-check-abc"
    # Every target serves the one collected static root.
    assert env["STATIC_ROOT"] == "/tmp/prod-check-x/static"
    embedded = prod_check.production_env(directory.parent / "sqlite", prod_check.Target("sqlite"), "p")
    assert embedded["DATABASE_URL"] == "sqlite:////tmp/prod-check-x/sqlite/prod-check.sqlite3"
    assert embedded["REDIS_URL"] == ""
    assert embedded["STATIC_ROOT"] == env["STATIC_ROOT"]


def test_a_password_in_a_database_url_is_not_printed():
    assert prod_check.redact("postgres://app:s3cret@db:5432/site") == "postgres://app:***@db:5432/site"
    assert prod_check.redact("postgres://postgres@db/site") == "postgres://postgres@db/site"


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_database_with_tables_is_refused_and_an_empty_one_accepted():
    import psycopg
    from django.db import connection

    database = connection.settings_dict
    conninfo = {
        "host": database["HOST"] or "127.0.0.1",
        "port": database["PORT"] or 5432,
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
        "dbname": database["NAME"],
    }
    # The suite's own database holds every table: the check must not migrate, seed and serve it.
    with pytest.raises(SystemExit, match="needs an empty PostgreSQL database"):
        prod_check.require_empty_database(psycopg.conninfo.make_conninfo(**conninfo))
    schema = f"prodcheck_empty_{secrets.token_hex(4)}"
    with psycopg.connect(autocommit=True, **conninfo) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            empty = psycopg.conninfo.make_conninfo(options=f"-c search_path={schema}", **conninfo)
            prod_check.require_empty_database(empty)
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


class CookieSite(BaseHTTPRequestHandler):
    """Sets Secure cookies as the production settings do, and echoes what comes back."""

    def do_GET(self):
        if self.path == "/set":
            self.send_response(302)
            self.send_header("Location", "/elsewhere/")
            self.send_header("Set-Cookie", "csrftoken=token123; Path=/; SameSite=Lax; Secure")
            self.send_header("Set-Cookie", "sessionid=session456; HttpOnly; Path=/; SameSite=Lax; Secure")
            self.end_headers()
            return
        body = f"{self.headers.get('Cookie')}|{self.headers.get('X-Forwarded-Proto')}".encode()
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def cookie_site():
    server = ThreadingHTTPServer((prod_check.HOST, 0), CookieSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_client_sends_secure_cookies_back_over_the_proxys_plain_http(cookie_site):
    client = prod_check.Client(cookie_site)
    status, location, _body = client.request("/set")
    # The redirect is reported, not followed.
    assert (status, location) == (302, "/elsewhere/")
    status, _location, body = client.request("/echo")
    assert status == 403
    assert body == "csrftoken=token123; sessionid=session456|https"


def test_a_fresh_client_sends_no_cookies(cookie_site):
    status, _location, body = prod_check.Client(cookie_site).request("/echo")
    assert (status, body) == (403, "None|https")
