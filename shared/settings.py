"""Settings base: one class per service, each with its own env prefix.

Settings that every service must agree on (the broker, the auth secret, the environment) are
read from un-prefixed names so that one value configures the whole system.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known only to development: any other environment must set its own secret.
DEVELOPMENT_AUTH_SECRET = "klimaby-development-secret-change-me"

# 32 characters: 128 bits as hex, the least an HMAC secret should carry.
MIN_PRODUCTION_SECRET_LENGTH = 32

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """Common settings; subclasses set ``service_name`` and ``model_config['env_prefix']``."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None, populate_by_name=True)

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    environment: Environment = Field(
        "development", validation_alias=AliasChoices("KLIMABY_ENVIRONMENT")
    )
    auth_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_AUTH_SECRET), validation_alias=AliasChoices("KLIMABY_AUTH_SECRET")
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    kafka_topic_partitions: int = Field(
        6, ge=1, validation_alias=AliasChoices("KLIMABY_TOPIC_PARTITIONS")
    )
    consumer_session_timeout_ms: int = Field(
        10_000, ge=1_000, validation_alias=AliasChoices("KLIMABY_CONSUMER_SESSION_TIMEOUT_MS")
    )
    shared_database_url: str | None = Field(
        None, validation_alias=AliasChoices("KLIMABY_DATABASE_URL")
    )
    data_dir: Path = Field(Path("var"), validation_alias=AliasChoices("KLIMABY_DATA_DIR"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("KLIMABY_LOG_LEVEL"))
    log_json: bool = Field(True, validation_alias=AliasChoices("KLIMABY_LOG_JSON"))
    access_log: bool = Field(False, validation_alias=AliasChoices("KLIMABY_ACCESS_LOG"))
    metrics_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("KLIMABY_METRICS_TOKEN")
    )
    """When set, ``/metrics`` answers only ``Authorization: Bearer <this token>`` (scrapers)."""
    """One JSON line per request (method, path, status, duration, request id)."""

    # Prefixed per service (e.g. INVENTORY_DATABASE_URL).
    database_url: str | None = None
    database_schema: str | None = None
    host: str = "127.0.0.1"
    port: int | None = None
    consumer_group: str | None = None
    """Kafka consumer-group prefix; defaults to the service name (replicas share it)."""
    consumers_enabled: bool = True
    max_request_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    """A larger request body is refused with 413 before it is parsed."""
    max_json_depth: int = Field(32, ge=4, le=256)
    """A JSON body nested deeper is refused with 422."""
    auth_failures_per_minute: int = Field(20, ge=0)
    """Failed authentications from one address before it gets 429 for the rest of the
    minute (0: no limit)."""
    outbox_relay_enabled: bool = True

    # Identity (see shared/auth.py and docs/identity.md): un-prefixed, every service agrees.
    oidc_issuer: str | None = Field(None, validation_alias=AliasChoices("KLIMABY_OIDC_ISSUER"))
    """An external OpenID Connect issuer whose access tokens are accepted (its URL, as in the
    tokens' ``iss``); unset: only the built-in issuer's."""
    oidc_discovery_url: str | None = Field(
        None, validation_alias=AliasChoices("KLIMABY_OIDC_DISCOVERY_URL")
    )
    """Where to fetch the issuer's discovery document when the services reach the issuer at
    another address than its public one (compose); default ``<issuer>/.well-known/...``."""
    oidc_insecure_http: bool = Field(
        False, validation_alias=AliasChoices("KLIMABY_OIDC_INSECURE_HTTP")
    )
    """Allow a plain-http external issuer in production (trying Keycloak on one machine)."""
    oidc_audience: str = Field("klimaby", validation_alias=AliasChoices("KLIMABY_OIDC_AUDIENCE"))
    """The ``aud`` the external issuer's tokens must carry (the built-in's always say klimaby)."""
    oidc_roles_claim: str = Field(
        "roles,realm_access.roles", validation_alias=AliasChoices("KLIMABY_OIDC_ROLES_CLAIM")
    )
    oidc_city_claim: str = Field("city", validation_alias=AliasChoices("KLIMABY_OIDC_CITY_CLAIM"))
    oidc_partner_claim: str = Field(
        "partner", validation_alias=AliasChoices("KLIMABY_OIDC_PARTNER_CLAIM")
    )
    oidc_name_claim: str = Field(
        "name,preferred_username", validation_alias=AliasChoices("KLIMABY_OIDC_NAME_CLAIM")
    )
    oidc_token_id_claim: str = Field(
        "jti,uti", validation_alias=AliasChoices("KLIMABY_OIDC_TOKEN_ID_CLAIM")
    )
    oidc_role_prefix: str = Field("", validation_alias=AliasChoices("KLIMABY_OIDC_ROLE_PREFIX"))
    oidc_jwks_cache_s: float = Field(
        300.0, gt=0, validation_alias=AliasChoices("KLIMABY_OIDC_JWKS_CACHE_S")
    )
    oidc_jwks_min_refresh_s: float = Field(
        1.0, ge=0, validation_alias=AliasChoices("KLIMABY_OIDC_JWKS_MIN_REFRESH_S")
    )
    builtin_issuer: str = Field(
        "http://127.0.0.1:8001/oidc", validation_alias=AliasChoices("KLIMABY_BUILTIN_ISSUER")
    )
    """The built-in issuer's identifier (``iss``) and the base of its endpoints (inventory)."""
    builtin_issuer_enabled: bool = Field(
        True, validation_alias=AliasChoices("KLIMABY_BUILTIN_ISSUER_ENABLED")
    )
    builtin_keys_file: Path | None = Field(
        None, validation_alias=AliasChoices("KLIMABY_BUILTIN_KEYS_FILE")
    )
    """The built-in issuer's signing keys; default ``<data dir>/oidc-signing-keys.json``."""
    service_token_ttl_s: int = Field(
        900, ge=60, le=86400, validation_alias=AliasChoices("KLIMABY_SERVICE_TOKEN_TTL_S")
    )
    revocations_url: str | None = Field(
        None, validation_alias=AliasChoices("KLIMABY_REVOCATIONS_URL")
    )
    """Where services read the deny list; default ``<built-in issuer>/revocations``."""
    revocations_poll_s: float = Field(
        0.5, gt=0, le=60, validation_alias=AliasChoices("KLIMABY_REVOCATIONS_POLL_S")
    )

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> ServiceSettings:
        if (
            self.environment != "development"
            and self.auth_secret.get_secret_value() == DEVELOPMENT_AUTH_SECRET
        ):
            raise ValueError(
                "KLIMABY_AUTH_SECRET must be set to a secret of your own outside development"
            )
        if (
            self.environment == "production"
            and len(self.auth_secret.get_secret_value()) < MIN_PRODUCTION_SECRET_LENGTH
        ):
            # HS256 with a short secret can be brute-forced offline from any one token.
            raise ValueError(
                f"KLIMABY_AUTH_SECRET must be at least {MIN_PRODUCTION_SECRET_LENGTH} "
                "characters in production (e.g. `openssl rand -hex 32`)"
            )
        # The issuer's keys come over that URL: without TLS anyone on the path could hand
        # the services keys of their own.
        if (
            self.environment == "production"
            and not self.oidc_insecure_http
            and any(
                url and not url.startswith("https://")
                for url in (self.oidc_issuer, self.oidc_discovery_url)
            )
        ):
            raise ValueError(
                "KLIMABY_OIDC_ISSUER (and KLIMABY_OIDC_DISCOVERY_URL) must be https:// URLs in "
                "production"
            )
        return self

    @property
    def effective_keys_file(self) -> Path:
        return self.builtin_keys_file or self.data_dir / "oidc-signing-keys.json"

    @property
    def effective_revocations_url(self) -> str:
        return self.revocations_url or self.builtin_issuer.rstrip("/") + "/revocations"

    @property
    def effective_database_url(self) -> str:
        """This service's URL, else the system-wide one, else an SQLite file of its own."""
        if self.database_url:
            return self.database_url
        if self.shared_database_url:
            return self.shared_database_url
        return f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.db')}"

    @property
    def effective_database_schema(self) -> str | None:
        """On PostgreSQL each service owns a schema named after it; SQLite files need none."""
        if not self.effective_database_url.startswith("postgresql"):
            return None
        return self.database_schema or self.service_name

    @property
    def effective_port(self) -> int:
        return self.port or self.default_port
