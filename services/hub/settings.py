"""Settings of the hub service (env prefix `HUB_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    service_name: ClassVar[str] = "hub"
    default_port: ClassVar[int] = 8004

    stream_poll_interval_s: float = Field(
        0.5, gt=0, description="How often an open SSE stream looks for new events in the log"
    )
    webhook_poll_interval_s: float = Field(
        1.0, gt=0, description="How often the webhook sender looks for deliveries that are due"
    )
    webhook_first_retry_s: float = Field(
        5.0, gt=0, description="Delay before the first retry; each next one doubles"
    )
    webhook_max_retry_s: float = Field(
        21600.0, gt=0, description="Longest delay between two attempts (6 h)"
    )
    webhook_max_attempts: int = Field(
        16,
        ge=1,
        description="Attempts of one delivery (about a day with the defaults) before it fails "
        "and its subscription is disabled",
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="Timeout of one delivery attempt")
