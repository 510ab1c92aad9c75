"""Settings of the inventory service (env prefix `INVENTORY_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: ClassVar[str] = "inventory"
    default_port: ClassVar[int] = 8001
