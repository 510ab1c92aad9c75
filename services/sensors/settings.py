"""Settings of the sensors service (env prefix `SENSORS_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SENSORS_", extra="ignore")

    service_name: ClassVar[str] = "sensors"
    default_port: ClassVar[int] = 8003

    future_tolerance_s: int = 300
    """A reading stamped further ahead than this is refused (clock skew allowance)."""
    history_horizon_days: int = 400
    """A reading older than this is refused (late readings inside it are welcome)."""
