"""Read settings from the environment, with the embedded defaults spelled out once."""

import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_number(name: str, default, *, parse, kind: str):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return parse(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be {kind}, got {value!r}") from exc


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    number = _env_number(name, default, parse=int, kind="an integer")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default or [])


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def served_origins(site_url: str) -> list[str]:
    """The origin of ``site_url``, and its twin under the other loopback name (127.0.0.1 or localhost):
    the origins a browser on this machine sends when it opens the development server at that port."""
    parts = urlsplit(site_url)
    if not parts.scheme or not parts.hostname:
        raise ImproperlyConfigured(f"SITE_URL must be an absolute URL such as http://127.0.0.1:8000, got {site_url!r}")
    port = f":{parts.port}" if parts.port else ""
    hosts = LOOPBACK_NAMES if parts.hostname in LOOPBACK_NAMES else (parts.hostname,)
    return [f"{parts.scheme}://{host}{port}" for host in hosts]


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, parse=float, kind="a number")


def database_from_env(default_sqlite_path) -> dict:
    url = env_str("DATABASE_URL") or f"sqlite:///{default_sqlite_path}"
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's backend, with one process's writers queued fairly (livinglab/db/sqlite3/base.py).
        config["ENGINE"] = "livinglab.db.sqlite3"
        config.setdefault("OPTIONS", {}).update(sqlite_options())
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {}).update(postgresql_options())
        if "pool" in config["OPTIONS"] and config["CONN_MAX_AGE"]:
            raise ImproperlyConfigured(
                "DATABASE_CONN_MAX_AGE must be 0 with the connection pool (DATABASE_POOL_MAX_SIZE > 0): "
                "the pool keeps the connections; a persistent connection per thread would bypass it."
            )
    return config


def sqlite_options() -> dict:
    """SQLite for many threads of one server plus the task worker.

    Every transaction takes the write lock when it begins (IMMEDIATE): a transaction that read first and
    then wrote would otherwise fail at once with "database is locked" whenever another write committed in
    between, because the busy timeout cannot help a stale snapshot. WAL lets readers go on while one
    writer writes; synchronous=NORMAL is safe with WAL and spares an fsync per commit.
    """
    return {
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for the lock before "database is locked" (answered with a 503).
        "timeout": env_float("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def postgresql_options() -> dict:
    """psycopg's connection pool per process, prepared statements, a lock timeout and JIT off, from the environment.

    Under ASGI each request runs in a thread with its own connection: one of the process's ``WEB_THREADS`` kept
    threads for HTTP, and other threads for the WebSocket consumers' database calls; without a pool (or with
    persistent connections) their number follows those threads, not a limit PostgreSQL can plan for.
    The pool caps each process at DATABASE_POOL_MAX_SIZE; a request that waits longer than
    DATABASE_POOL_TIMEOUT for one, or for a row lock longer than DATABASE_LOCK_TIMEOUT_MS, gets a 503.
    """
    options = {}
    settings = []
    lock_timeout = env_int("DATABASE_LOCK_TIMEOUT_MS", 10_000)
    if lock_timeout:
        settings.append(f"-c lock_timeout={lock_timeout}")
    # PostgreSQL compiles a statement it estimates as costly (JIT), which pays off for analytic queries running
    # seconds: one search statement tried over 15,000 matches took 255 ms with it and 72 ms without (docs/benchmarks.md).
    jit = env_str("DATABASE_JIT", "off")
    if jit:
        settings.append(f"-c jit={jit}")
    if settings:
        options["options"] = " ".join(settings)
    # Parameters travel beside the statement (server-side binding) rather than quoted into its text, so a
    # statement a connection runs DATABASE_PREPARE_THRESHOLD times is prepared: PostgreSQL parses and plans it
    # once per pooled connection instead of on every request. A vote's statements cost PostgreSQL about a third
    # less CPU this way (docs/benchmarks.md). Behind a transaction-mode pooler that cannot keep prepared
    # statements (PgBouncer before 1.21, or without max_prepared_statements), set DATABASE_PREPARE_THRESHOLD=off.
    if env_bool("DATABASE_SERVER_SIDE_BINDING", True):
        options["server_side_binding"] = True
        threshold = env_str("DATABASE_PREPARE_THRESHOLD", "5").lower()
        if threshold not in {"off", "none"}:
            options["prepare_threshold"] = env_int("DATABASE_PREPARE_THRESHOLD", 5, minimum=0)
    max_size = env_int("DATABASE_POOL_MAX_SIZE", 10)
    if max_size:
        options["pool"] = {
            "min_size": min(env_int("DATABASE_POOL_MIN_SIZE", 2), max_size),
            "max_size": max_size,
            "timeout": env_float("DATABASE_POOL_TIMEOUT", 30),
        }
    return options
