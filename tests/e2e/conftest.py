"""The whole system as a user runs it: the four services as real processes (the same supervisor
``klimaby run`` uses) on the real broker and a fresh PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.registry import SERVICE_NAMES
from services.supervisor import System
from shared.broker import free_port
from tests.helpers import prepare_services


@pytest.fixture(scope="module")
def system(
    broker: str, pg_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    run = uuid.uuid4().hex[:8]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker,
        "KLIMABY_DATABASE_URL": pg_database,
        "KLIMABY_LOG_JSON": "true",
        "KLIMABY_ACCESS_LOG": "true",
    }
    for name in SERVICE_NAMES:
        env[f"{name.upper()}_DATABASE_SCHEMA"] = f"e2e_{run}_{name}"
        env[f"{name.upper()}_CONSUMER_GROUP"] = f"e2e-{run}-{name}"
    prepare_services(list(SERVICE_NAMES), dict(env), demo=False)
    log_dir: Path = tmp_path_factory.mktemp("logs")
    sys_ = System(env=env, ports={n: free_port() for n in SERVICE_NAMES}, log_dir=log_dir)
    try:
        sys_.start(timeout_s=90)
        yield sys_
    finally:
        sys_.stop()
        for log in sorted(log_dir.glob("*.log")):
            # Shown with the test report when something failed.
            print(f"--- {log.name} (tail) ---\n" + "\n".join(log.read_text().splitlines()[-30:]))
