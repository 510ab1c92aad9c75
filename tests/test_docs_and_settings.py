"""Docs that cannot drift from code, and settings that refuse unsafe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from services.registry import SERVICES
from shared.events.asyncapi import asyncapi_document, asyncapi_yaml
from shared.events.catalogue import TOPICS
from shared.settings import DEVELOPMENT_AUTH_SECRET

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_asyncapi_document_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text()
    assert committed == asyncapi_yaml(), "run `make asyncapi` and commit docs/asyncapi.yaml"


def test_asyncapi_lists_every_topic_and_event_type() -> None:
    doc = asyncapi_document()
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {t.name for t in TOPICS}
    titles = {m["title"] for m in doc["components"]["messages"].values()}
    assert titles == {spec.event_type for t in TOPICS for spec in t.events}
    yaml.safe_load(asyncapi_yaml())


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_production_refuses_the_development_secret(name: str) -> None:
    with pytest.raises(ValidationError, match="KLIMABY_AUTH_SECRET"):
        SERVICES[name].settings(environment="production", auth_secret=DEVELOPMENT_AUTH_SECRET)
    ok = SERVICES[name].settings(
        environment="production", auth_secret="a-real-secret-of-ours-32-characters"
    )
    assert ok.environment == "production"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_its_own_database(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLIMABY_DATABASE_URL", raising=False)
    settings = SERVICES[name].settings()
    assert settings.effective_database_url.endswith(f"{name}.db")
    pg = SERVICES[name].settings(shared_database_url="postgresql+asyncpg://u@h/db")
    assert pg.effective_database_schema == name


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, entry in SERVICES.items():
        settings_cls = type(entry.settings())
        prefix = settings_cls.model_config.get("env_prefix", "")
        for field_name, field in settings_cls.model_fields.items():
            alias = field.validation_alias
            env = (alias.choices[0] if hasattr(alias, "choices") else alias) or (
                f"{prefix}{field_name}".upper()
            )
            generic = str(env).replace(prefix.upper(), "<SERVICE>_", 1) if prefix else str(env)
            assert str(env) in readme or generic in readme, (
                f"README's configuration table lacks {env} ({name})"
            )


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_readme_lists_every_endpoint(name: str) -> None:
    import importlib

    readme = (ROOT / "README.md").read_text()
    app = importlib.import_module(f"{SERVICES[name].module}.main").create_app()
    for path, operations in app.openapi()["paths"].items():
        if path in ("/healthz", "/readyz"):
            continue
        for method in operations:
            assert f"| {method.upper()} | `{path}` |" in readme, (
                f"README's API overview lacks {method.upper()} {path} ({name})"
            )


def test_an_embedded_broker_does_not_outlive_a_killed_parent() -> None:
    """``klimaby run`` or a test session killed with SIGKILL leaves no broker behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    code = (
        "from shared.broker import start_broker; b = start_broker(); print(b.pid, flush=True); "
        "import time; time.sleep(60)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert parent.stdout is not None
    broker_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(broker_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(broker_pid, signal.SIGKILL)
    raise AssertionError("the broker outlived its killed parent")
