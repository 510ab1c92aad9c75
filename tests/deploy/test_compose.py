"""docker-compose.yml and deploy/ checked against what the code expects.

There is no Docker engine here, so these tests read the files: every service of the registry is
wired with env var names its Settings class really reads, points at the compose Kafka and
PostgreSQL, is health-checked on /readyz, starts after its dependencies, and kafka-init creates
exactly the topics of the catalogue. Renaming a setting, a topic or a port breaks them.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices, AliasPath
from sqlalchemy.engine import make_url

from services.registry import SERVICES
from shared.events.catalogue import TOPICS
from shared.settings import DEVELOPMENT_AUTH_SECRET, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
PRESTART = DEPLOY / "prestart.sh"
PRESTART_IN_IMAGE = "klimaby-prestart"

# What an operator would export before `docker compose up` (values for the required variables).
FAKE_HOST_ENV = {
    "KLIMABY_AUTH_SECRET": "compose-test-secret-0123456789abcdef",
    "KLIMABY_POSTGRES_PASSWORD": "compose-test-password",
}

SERVICE_NAMES = list(SERVICES)


# --- helpers -----------------------------------------------------------------------------------


class MissingRequiredVariable(LookupError):
    pass


_INTERPOLATION = re.compile(
    r"\$\$"  # escaped dollar
    r"|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's variable interpolation (``${VAR}``, ``:-``, ``-``, ``:?``, ``?``, ``:+``, ``$$``)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        unset_or_empty = not current
        if op in (":-", "-"):
            use_default = unset_or_empty if op == ":-" else current is None
            return arg if use_default else str(current)
        if op in (":?", "?"):
            missing = unset_or_empty if op == ":?" else current is None
            if missing:
                raise MissingRequiredVariable(f"{name}: {arg}")
            return str(current)
        if op in (":+", "+"):
            present = not unset_or_empty if op == ":+" else current is not None
            return arg if present else ""
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def env_of(service: Mapping[str, Any]) -> dict[str, str]:
    """A compose service's environment (mapping or list form), values as strings, raw."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in raw)
        return {k: v for k, v in pairs}
    return {k: "" if v is None else str(v) for k, v in raw.items()}


def resolved_env_of(service: Mapping[str, Any]) -> dict[str, str]:
    return {k: interpolate(v, FAKE_HOST_ENV) for k, v in env_of(service).items()}


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def healthcheck_text(service: Mapping[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    assert test, "no healthcheck test"
    return test if isinstance(test, str) else " ".join(str(t) for t in test)


def settings_class(name: str) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = importlib.import_module(f"services.{name}.settings").Settings
    return cls


def accepted_env_names(cls: type[ServiceSettings]) -> set[str]:
    """The environment variables ``cls`` reads: a field's aliases when it has any (pydantic-settings
    then ignores the prefix), else ``env_prefix + field name``; upper-cased (case-insensitive)."""
    prefix = cls.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field_name, info in cls.model_fields.items():
        alias = info.validation_alias or info.alias
        if alias is None:
            names.add(f"{prefix}{field_name}".upper())
            continue
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        for choice in choices:
            if isinstance(choice, AliasPath):
                choice = choice.path[0]
            names.add(str(choice).upper())
    return names


def all_settings_env_names() -> set[str]:
    names: set[str] = set()
    for name in SERVICE_NAMES:
        names |= accepted_env_names(settings_class(name))
    return names


def load_settings(
    name: str, env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    """The service's Settings as the container would build them from exactly ``env``."""
    for var in list(os.environ):
        if var.upper() in all_settings_env_names():
            monkeypatch.delenv(var)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    return settings_class(name)()


def published_ports(service: Mapping[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) of each published port, short or long syntax."""
    result = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            result.append((int(entry["published"]), int(entry["target"])))
            continue
        spec = interpolate(str(entry), FAKE_HOST_ENV).split("/")[0]
        parts = spec.split(":")
        assert len(parts) in (2, 3), f"port {entry!r} is not published to a fixed host port"
        result.append((int(parts[-2]), int(parts[-1])))
    return result


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of deploy/Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, args = stripped.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing at the repository root"
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _only(services: Mapping[str, Any], image_prefix: str) -> str:
    found = [n for n, s in services.items() if str(s.get("image", "")).startswith(image_prefix)]
    found = [n for n in found if n != "kafka-init"]
    assert len(found) == 1, f"expected one {image_prefix} service, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def kafka_name(services: dict[str, dict[str, Any]]) -> str:
    return _only(services, "apache/kafka:")


@pytest.fixture(scope="module")
def postgres_name(services: dict[str, dict[str, Any]]) -> str:
    return _only(services, "postgres:")


# --- the application services ------------------------------------------------------------------


def test_every_registry_service_is_in_compose(services: dict[str, Any]) -> None:
    missing = [name for name in SERVICE_NAMES if name not in services]
    assert not missing, f"services of services/registry.py missing from compose: {missing}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_uses_the_image_built_from_deploy(name: str, services: dict[str, Any]) -> None:
    service = services[name]
    build = service.get("build")
    assert isinstance(build, dict), f"{name}: build must name the context and deploy/Dockerfile"
    context = ROOT / build.get("context", ".")
    assert context.resolve() == ROOT, f"{name}: the build context must be the repository root"
    assert build.get("dockerfile") == "deploy/Dockerfile"
    assert (context / build["dockerfile"]).is_file()
    images = {services[n].get("image") for n in SERVICE_NAMES}
    assert len(images) == 1 and None not in images, f"one image for every service, got {images}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_env_var_is_one_the_settings_read(name: str, services: dict[str, Any]) -> None:
    accepted = accepted_env_names(settings_class(name))
    env = env_of(services[name])
    unknown = sorted(var for var in env if var.upper() not in accepted)
    assert not unknown, f"{name} sets env vars its Settings never read: {unknown}"
    prefix = settings_class(name).model_config["env_prefix"]
    required = {
        "KAFKA_BOOTSTRAP_SERVERS",
        "KLIMABY_ENVIRONMENT",
        "KLIMABY_AUTH_SECRET",
        f"{prefix}PORT",
    }
    assert required <= set(env), f"{name} lacks {sorted(required - set(env))}"
    assert {"KLIMABY_DATABASE_URL", f"{prefix}DATABASE_URL"} & set(env), f"{name}: no DB URL"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_settings_built_from_compose_env(
    name: str, services: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(name, resolved_env_of(services[name]), monkeypatch)
    assert settings.environment == "production"
    assert settings.auth_secret.get_secret_value() == FAKE_HOST_ENV["KLIMABY_AUTH_SECRET"]
    assert settings.effective_port == type(settings).default_port
    assert settings.host == "0.0.0.0"
    assert settings.effective_database_url.startswith("postgresql+asyncpg://")
    assert settings.effective_database_schema == name


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_kafka_bootstrap_points_at_the_kafka_service(
    name: str, services: dict[str, Any], kafka_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(name, resolved_env_of(services[name]), monkeypatch)
    kafka_env = resolved_env_of(services[kafka_name])
    controller_listeners = set(kafka_env.get("KAFKA_CONTROLLER_LISTENER_NAMES", "").split(","))
    advertised = {
        entry.split("://", 1)[1]: entry.split("://", 1)[0]
        for entry in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        assert host == kafka_name, f"{name}: bootstrap {server} is not the {kafka_name} service"
        assert f"{host}:{port}" in advertised, f"{name}: {server} is not an advertised listener"
        assert advertised[f"{host}:{port}"] not in controller_listeners


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_database_url_is_asyncpg_on_the_postgres_service(
    name: str, services: dict[str, Any], postgres_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(name, resolved_env_of(services[name]), monkeypatch)
    url = make_url(settings.effective_database_url)
    pg_env = resolved_env_of(services[postgres_name])
    assert url.drivername == "postgresql+asyncpg"
    assert url.host == postgres_name
    assert url.port in (None, 5432)
    assert url.username == pg_env["POSTGRES_USER"]
    assert url.password == pg_env["POSTGRES_PASSWORD"]
    assert url.database == pg_env["POSTGRES_DB"]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_command_runs_the_service_app_factory(name: str, services: dict[str, Any]) -> None:
    command = command_of(services[name])
    port = settings_class(name).default_port
    assert command[:2] == ["uvicorn", SERVICES[name].app_factory], command
    assert "--factory" in command
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == str(port)
    prefix = settings_class(name).model_config["env_prefix"]
    assert env_of(services[name])[f"{prefix}PORT"] == str(port)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_healthcheck_hits_readyz_on_its_own_port(name: str, services: dict[str, Any]) -> None:
    text = healthcheck_text(services[name])
    ports = re.findall(r"https?://(?:127\.0\.0\.1|localhost):(\d+)/readyz\b", text)
    assert ports == [str(settings_class(name).default_port)], text
    assert services[name]["healthcheck"].get("retries", 0) >= 1


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_published_ports_match_default_port(name: str, services: dict[str, Any]) -> None:
    port = settings_class(name).default_port
    assert published_ports(services[name]) == [(port, port)]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_depends_on_conditions(
    name: str, services: dict[str, Any], kafka_name: str, postgres_name: str
) -> None:
    depends_on = services[name].get("depends_on")
    assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions (mapping form)"
    conditions = {dep: (spec or {}).get("condition") for dep, spec in depends_on.items()}
    expected = {
        kafka_name: "service_healthy",
        postgres_name: "service_healthy",
        "kafka-init": "service_completed_successfully",
        f"{name}-migrate": "service_completed_successfully",
    }
    if name == "sensors":  # its MQTT bridge subscribes at start
        expected["mosquitto"] = "service_healthy"
    assert conditions == expected
    assert all(dep in services for dep in depends_on)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_production_environment_with_required_secret(name: str, services: dict[str, Any]) -> None:
    env = env_of(services[name])
    assert env["KLIMABY_ENVIRONMENT"] == "production"
    assert re.fullmatch(r"\$\{KLIMABY_AUTH_SECRET:?\?[^}]+\}", env["KLIMABY_AUTH_SECRET"]), (
        "KLIMABY_AUTH_SECRET must come from the host with ${KLIMABY_AUTH_SECRET:?message}"
    )
    with pytest.raises(MissingRequiredVariable):
        interpolate(env["KLIMABY_AUTH_SECRET"], {})


def test_no_secret_is_written_in_compose() -> None:
    text = COMPOSE_FILE.read_text()
    assert DEVELOPMENT_AUTH_SECRET not in text
    assert FAKE_HOST_ENV["KLIMABY_AUTH_SECRET"] not in text


# --- migrations --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_migrate_job_migrates_the_services_own_database(
    name: str, services: dict[str, Any], postgres_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = services.get(f"{name}-migrate")
    assert job, f"no {name}-migrate one-shot job"
    assert job.get("image") == services[name]["image"]
    assert job.get("build") == services[name]["build"]
    assert job.get("restart", "no") == "no"
    assert command_of(job) in (
        [PRESTART_IN_IMAGE, name],
        ["sh", "-c", f"klimaby migrate {name} && klimaby seed {name}"],
    ), command_of(job)
    assert (job.get("depends_on") or {}).get(postgres_name, {}).get("condition") == (
        "service_healthy"
    )
    unknown = set(env_of(job)) - accepted_env_names(settings_class(name))
    assert not unknown, f"{name}-migrate sets env vars the settings never read: {unknown}"
    job_settings = load_settings(name, resolved_env_of(job), monkeypatch)
    service_settings = load_settings(name, resolved_env_of(services[name]), monkeypatch)
    assert job_settings.effective_database_url == service_settings.effective_database_url
    assert job_settings.effective_database_schema == service_settings.effective_database_schema


def test_prestart_migrates_then_seeds() -> None:
    assert PRESTART.is_file()
    assert os.access(PRESTART, os.X_OK), "deploy/prestart.sh must be executable"
    lines = [ln.strip() for ln in PRESTART.read_text().splitlines() if not ln.startswith("#")]
    assert "set -eu" in lines or "set -e" in lines
    assert lines.index('klimaby migrate "$@"') < lines.index('klimaby seed "$@"')


# --- Kafka, kafka-init, PostgreSQL -------------------------------------------------------------


def test_kafka_is_a_single_kraft_node_with_healthcheck(
    services: dict[str, Any], kafka_name: str
) -> None:
    kafka = services[kafka_name]
    assert not str(kafka["image"]).endswith(":latest"), "pin the Kafka version"
    env = resolved_env_of(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in var for var in env)
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@{kafka_name}:9093"
    assert "kafka-broker-api-versions.sh" in healthcheck_text(kafka)


def test_kafka_init_creates_every_catalogue_topic(
    services: dict[str, Any], kafka_name: str
) -> None:
    init = services["kafka-init"]
    assert init.get("image") == services[kafka_name]["image"]
    assert init["depends_on"][kafka_name]["condition"] == "service_healthy"
    assert init.get("restart", "no") == "no"
    env = resolved_env_of(init)
    assert set(env["KLIMABY_TOPICS"].split()) == {topic.name for topic in TOPICS}
    script = " ".join(command_of(init))
    assert "kafka-topics.sh" in script and "--create" in script and "--if-not-exists" in script
    assert re.search(r"for \w+ in \$\$\{?KLIMABY_TOPICS\}?", script), script
    assert '--bootstrap-server "$${BOOTSTRAP_SERVERS}"' in script
    # The same listener the services use (checked against the advertised listeners above).
    bootstrap = {resolved_env_of(services[n])["KAFKA_BOOTSTRAP_SERVERS"] for n in SERVICE_NAMES}
    assert bootstrap == {env["BOOTSTRAP_SERVERS"]}


def test_topic_partitions_agree_between_kafka_init_and_services(
    services: dict[str, Any],
) -> None:
    partitions = int(resolved_env_of(services["kafka-init"])["KLIMABY_TOPIC_PARTITIONS"])
    assert partitions >= 1
    assert '--partitions "$${KLIMABY_TOPIC_PARTITIONS}"' in " ".join(
        command_of(services["kafka-init"])
    )
    for name in SERVICE_NAMES:
        env = resolved_env_of(services[name])
        value = env.get("KLIMABY_TOPIC_PARTITIONS")
        expected = settings_class(name).model_fields["kafka_topic_partitions"].default
        assert int(value or expected) == partitions, name


def test_postgres_16_with_healthcheck(services: dict[str, Any], postgres_name: str) -> None:
    postgres = services[postgres_name]
    assert re.fullmatch(r"postgres:16([.-].*)?", postgres["image"])
    assert "pg_isready" in healthcheck_text(postgres)
    env = resolved_env_of(postgres)
    assert env["POSTGRES_PASSWORD"] == FAKE_HOST_ENV["KLIMABY_POSTGRES_PASSWORD"]


# --- the image ---------------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_python_311_slim_image() -> None:
    assert DOCKERFILE.is_file()
    instructions = dockerfile_instructions()
    args = {}
    for keyword, rest in instructions:
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value
    froms = [interpolate(rest.split()[0], args) for kw, rest in instructions if kw == "FROM"]
    assert froms and all(image == "python:3.11-slim" for image in froms), froms
    users = [rest for kw, rest in instructions if kw == "USER"]
    assert users, "the image must switch to an unprivileged user"
    assert users[-1].split(":")[0] not in ("root", "0")
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert re.search(r"pip install (--\S+ )*\.(\s|$)", runs), "the project is pip-installed"


def test_dockerfile_command_is_the_klimaby_cli() -> None:
    instructions = dockerfile_instructions()
    entry = [rest for kw, rest in instructions if kw in ("CMD", "ENTRYPOINT")]
    assert entry, "no CMD/ENTRYPOINT"
    assert any("klimaby" in e or "uvicorn" in e for e in entry), entry
    # Compose passes `uvicorn ...` / `klimaby-prestart ...` as the command: an ENTRYPOINT other
    # than an exec wrapper would be prepended to them.
    assert not [rest for kw, rest in instructions if kw == "ENTRYPOINT"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.get("klimaby") == "services.cli:main"


def test_dockerfile_installs_prestart_and_ignores_local_state() -> None:
    copies = [rest for kw, rest in dockerfile_instructions() if kw == "COPY"]
    assert any("deploy/prestart.sh" in c and c.endswith(f"/{PRESTART_IN_IMAGE}") for c in copies), (
        copies
    )
    assert DOCKERIGNORE.is_file()
    patterns = [ln.strip() for ln in DOCKERIGNORE.read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    assert patterns[0] == "*", "allow-list the build context"
    assert "!.venv" not in patterns and "!var" not in patterns
    assert "!deploy/prestart.sh" in patterns


def test_mosquitto_runs_and_the_sensors_bridge_is_on(services: dict[str, Any]) -> None:
    mqtt = services["mosquitto"]
    assert mqtt["image"].startswith("eclipse-mosquitto:2")
    assert "healthcheck" in mqtt
    config = next(v.split(":")[0] for v in mqtt["volumes"] if "mosquitto.conf" in v)
    assert "listener 1883" in (ROOT / config).read_text()
    env = env_of(services["sensors"])
    assert env["SENSORS_MQTT_ENABLED"] == "true" and env["SENSORS_MQTT_HOST"] == "mosquitto"
    settings = settings_class("sensors")(
        **{
            k.lower().removeprefix("sensors_"): v
            for k, v in env.items()
            if k.startswith("SENSORS_MQTT")
        }
    )
    assert settings.mqtt_enabled is True  # type: ignore[attr-defined]


def test_demo_profile_seeds_demo_data_and_runs_the_simulator(services: dict[str, Any]) -> None:
    seed, simulator = services["demo-seed"], services["simulator"]
    assert seed["profiles"] == ["demo"] and simulator["profiles"] == ["demo"]
    assert seed["command"] == ["klimaby", "seed", "--demo"]
    assert simulator["command"][:2] == ["klimaby", "simulate"]
    assert "http://sensors:8003" in simulator["command"]
    assert simulator["depends_on"]["sensors"]["condition"] == "service_healthy"
    assert all(
        seed["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
        for name in SERVICE_NAMES
    )
