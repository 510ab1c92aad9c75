"""Settings of the sensors service (env prefix `SENSORS_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
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

    # --- back-pressure -------------------------------------------------------------------
    max_request_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    """A larger request body is refused with 413 before it is parsed."""
    publish_timeout_s: float = Field(10.0, gt=0)
    """How long a batch waits for the broker's acknowledgements before it is answered 503."""
    broker_retry_after_s: int = Field(5, ge=1)
    """``Retry-After`` of a 503 while the broker is unreachable."""
    rate_limit_requests_per_minute: int = Field(600, ge=0)
    """Requests per gateway and minute on the readings endpoint (0: no limit)."""
    rate_limit_readings_per_minute: int = Field(600_000, ge=0)
    """Readings per gateway and minute (0: no limit)."""
    idempotency_ttl_s: int = Field(86_400, ge=60)
    """How long the answer to a batch with an ``Idempotency-Key`` is kept for its retries."""

    # --- operations ----------------------------------------------------------------------
    stale_check_interval_s: float = Field(30.0, gt=0)
    """How often sensors are checked for silence (``sensor.stale``)."""

    # --- MQTT bridge ---------------------------------------------------------------------
    mqtt_enabled: bool = False
    """Run the MQTT bridge in this replica (``klimaby run`` turns it on)."""
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str | None = None
    """The bridge's own login to the MQTT broker, if it needs one."""
    mqtt_password: SecretStr | None = None
    mqtt_topic_prefix: str = Field("klimaby", pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_/-]*$")
    """Gateways publish on ``<prefix>/<city>/<gateway id>/readings``."""
