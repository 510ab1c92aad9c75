"""Settings of the hub service (env prefix `HUB_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    service_name: ClassVar[str] = "hub"
    default_port: ClassVar[int] = 8004
