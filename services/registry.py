"""Every service by name: its settings, its app factory and its migrations (used by the CLI,
the process supervisor and the tests)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.settings import ServiceSettings

SERVICES_DIR = Path(__file__).parent
SERVICE_NAMES = ("inventory", "contracts", "sensors", "hub")


@dataclass(frozen=True)
class ServiceEntry:
    name: str

    @property
    def module(self) -> str:
        return f"services.{self.name}"

    @property
    def app_factory(self) -> str:
        return f"{self.module}.main:create_app"

    @property
    def migrations_dir(self) -> Path:
        return SERVICES_DIR / self.name / "migrations"

    def settings(self, **overrides: Any) -> ServiceSettings:
        module = importlib.import_module(f"{self.module}.settings")
        cls: type[ServiceSettings] = module.Settings
        return cls(**overrides)


SERVICES = {name: ServiceEntry(name) for name in SERVICE_NAMES}
