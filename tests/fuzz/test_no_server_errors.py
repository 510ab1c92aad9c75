"""Schemathesis over each service's OpenAPI document with every check it offers
(``--checks all``, see tests/fuzz/checks.py): no generated input gives a 5xx, and every answer
is one the document declares (status, content type, headers, body), invalid input is refused,
valid input accepted and authentication enforced where the document says so.

The four services run as real processes on the session's broker, once on SQLite and once on
PostgreSQL (the fuzzing run had found 5xx that only one database gives), are migrated and seeded
with demo data, and are called over HTTP with an admin token so that writes reach the code
behind the checks. ``KLIMABY_FUZZ_EXAMPLES`` sets the examples per operation.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import given

from services.supervisor import ServiceProcess
from shared.auth import issue_token
from shared.broker import free_port
from shared.settings import ServiceSettings
from tests.fuzz.checks import Failures, cases, fuzz_settings
from tests.helpers import prepare_services

FUZZED = ("inventory", "contracts", "sensors", "hub")
MAX_EXAMPLES = int(os.environ.get("KLIMABY_FUZZ_EXAMPLES", "5"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def running(
    request: pytest.FixtureRequest, broker: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    run = uuid.uuid4().hex[:8]
    env: dict[str, str | None] = {
        "KAFKA_BOOTSTRAP_SERVERS": broker,
        "KLIMABY_DATA_DIR": str(data_dir),
        "KLIMABY_DATABASE_URL": None,
        # Keys of this run's own: a generated call may rotate and retire the signing keys.
        "KLIMABY_BUILTIN_KEYS_FILE": str(data_dir / "oidc-signing-keys.json"),
    }
    if request.param == "postgres":
        env["KLIMABY_DATABASE_URL"] = request.getfixturevalue("pg_database")
        env.update({f"{n.upper()}_DATABASE_SCHEMA": f"fuzz_{run}_{n}" for n in FUZZED})
    env.update({f"{n.upper()}_CONSUMER_GROUP": f"fuzz-{run}-{n}" for n in FUZZED})
    # ignored_auth sends invalid credentials on purpose, hundreds of them: the 429 that repeated
    # failures earn would hide the 401 it checks (that 429 is tested in test_input_guards).
    env.update({f"{n.upper()}_AUTH_FAILURES_PER_MINUTE": "0" for n in FUZZED})
    prepare_services(list(FUZZED), env, demo=True)
    child_env = {k: v for k, v in os.environ.items() if k != "KLIMABY_DATABASE_URL"}
    child_env.update({k: v for k, v in env.items() if v})
    procs = {
        n: ServiceProcess(
            n, free_port(), {**child_env, f"{n.upper()}_PORT": "0"}, data_dir / f"{n}.log"
        )
        for n in FUZZED
    }
    for proc in procs.values():
        proc.env[f"{proc.name.upper()}_PORT"] = str(proc.port)
        proc.start()
    try:
        for proc in procs.values():
            proc.wait_ready(60)
        yield {
            **{n: p.url for n, p in procs.items()},
            "keys_file": str(env["KLIMABY_BUILTIN_KEYS_FILE"]),
        }
    finally:
        for proc in procs.values():
            proc.stop()


# An event stream answers 200 and never ends: a generated call would wait forever. Its 4xx
# answers are tested in tests/hub/test_stream.py.
NEVER_ENDING = {"/v1/stream"}

FUZZ_SETTINGS = fuzz_settings(MAX_EXAMPLES)


@pytest.mark.parametrize("name", FUZZED)
def test_every_generated_request_passes_every_check(name: str, running: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{running[name]}/openapi.json")
    failures = Failures()
    operations = 0
    minting = ServiceSettings(builtin_keys_file=Path(running["keys_file"]))
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in NEVER_ENDING:
            continue
        operations += 1

        @given(case=cases(operation))
        @FUZZ_SETTINGS
        def call(case: schemathesis.Case) -> None:
            # Minted per call, with the current key: an earlier call may have rotated it.
            token = issue_token("fuzz", "admin", settings=minting)
            failures.call_and_check(case, {"Authorization": f"Bearer {token}"})

        call()
    assert operations > 3
    assert not failures.found, failures.report()
