"""Settings of the sensors service (env prefix `SENSORS_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SENSORS_", extra="ignore")

    service_name: ClassVar[str] = "sensors"
    default_port: ClassVar[int] = 8003
