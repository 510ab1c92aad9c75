"""One log format for every line of every process, request ids, and Prometheus metrics.

Every line is one JSON object with an ISO 8601 time that carries its zone (UTC), the service,
the level, the logger, the message and, inside a request, the request's id. uvicorn's own
loggers are routed through the same handler, so nothing is printed in another format.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.requestcontext import request_id_var

HTTP_REQUESTS = Counter(
    "klimaby_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "klimaby_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it is a plain token: it goes into logs and events verbatim.
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("klimaby.access")
security_logger = logging.getLogger("klimaby.security")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class _ZonedJsonFormatter(JsonFormatter):
    """JSON with ``time`` as ISO 8601 in UTC with its offset, e.g. 2026-12-02T19:35:59.123+00:00."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class _ZonedTextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def log_handler(service: str, json_logs: bool = True) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(
            _ZonedJsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
                static_fields={"service": service},
            )
        )
    else:
        handler.setFormatter(
            _ZonedTextFormatter(f"%(asctime)s {service} %(levelname)s %(name)s %(message)s")
        )
    handler.addFilter(_RequestIdFilter())
    return handler


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LEVEL_WORDS = (("ERROR", "ERROR"), ("WARN", "WARNING"), ("INFO", "INFO"), ("DEBUG", "DEBUG"))


def pump_as_json_lines(source: IO[bytes], target: Path, service: str, logger: str) -> None:
    """Copy the plain-text log of a child process that is not ours (the Tansu broker) into
    ``target`` as our JSON lines, in a daemon thread, so that every log line of a run has the
    same format. The level is read from the line when it names one."""

    def pump() -> None:
        with target.open("a", encoding="utf-8") as out:
            for raw in iter(source.readline, b""):
                text = _ANSI.sub("", raw.decode("utf-8", "replace")).rstrip()
                if not text:
                    continue
                head = text[:40].upper()
                level = next((lvl for word, lvl in _LEVEL_WORDS if word in head), "INFO")
                line = {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "level": level,
                    "logger": logger,
                    "message": text,
                    "service": service,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                out.flush()

    threading.Thread(target=pump, name=f"log-pump-{service}", daemon=True).start()


def configure_logging(service: str, level: str = "INFO", json_logs: bool = True) -> None:
    root = logging.getLogger()
    root.handlers[:] = [log_handler(service, json_logs)]
    root.setLevel(level.upper())
    # uvicorn installs handlers of its own (plain text); route its lines through ours.
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.disabled = False  # an earlier dictConfig (uvicorn's own) may have disabled it
        logger.setLevel(logging.NOTSET)  # KLIMABY_LOG_LEVEL governs every logger
    # aiokafka logs every rebalance step at INFO; keep those for DEBUG runs.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # httpx logs every request at INFO: the deny-list poll alone would be two lines a second.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))


def install_request_ids(app: FastAPI, *, access_log_enabled: bool = False) -> None:
    """Each request gets an id (the caller's ``X-Request-ID`` when it is a plain token, else a
    new one), returned in the answer, put on every log line and into the events it causes."""
    app.add_middleware(RequestIds, access_log_enabled=access_log_enabled)


class RequestIds:
    """``install_request_ids`` as plain ASGI middleware. Starlette's ``BaseHTTPMiddleware``
    runs the rest of the app in a task of its own and passes the body through memory streams:
    its three layers (this one, the metrics, the security headers) took ~2 ms of CPU per
    request, a tenth of a 500-reading POST's (docs/performance.md)."""

    def __init__(self, app: ASGIApp, access_log_enabled: bool = False) -> None:
        self.app = app
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER)
        rid = given if given and _REQUEST_ID_PATTERN.match(given) else uuid.uuid4().hex
        started = time.perf_counter()
        status: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        token = request_id_var.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
            if self.access_log_enabled and status:
                client = scope.get("client")
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": URL(scope=scope).path,
                        "status": status[0],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )
        finally:
            request_id_var.reset(token)


class _Actor(Protocol):
    """Who acted: a principal of shared.auth (read-only attributes)."""

    @property
    def subject(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def city(self) -> str | None: ...


# Names of details that would carry a secret: a security line never has one, whatever the caller
# passes (an API key is shown once to its gateway, a token only to its holder).
_SECRET_NAMES = re.compile(r"(secret|token|password|api_key|apikey|authorization|plaintext)", re.I)


def security_log(
    action: str,
    *,
    actor: _Actor | None = None,
    subject: str | None = None,
    role: str | None = None,
    city: str | None = None,
    outcome: str = "success",
    level: int = logging.INFO,
    **details: Any,
) -> None:
    """One JSON line on ``klimaby.security`` for a security-relevant action: ``action`` (a
    dotted name, e.g. ``gateway.key_revoked``), who (``actor``, a principal, or ``subject`` and
    ``role``), which city, the ``outcome`` and what it was about. Never a secret: a detail whose
    name says it would hold one is refused (ValueError), so a mistake fails in the tests instead
    of leaking in production."""
    leaking = sorted(name for name in details if _SECRET_NAMES.search(name))
    if leaking:
        raise ValueError(f"a security log line never carries a secret: {', '.join(leaking)}")
    if actor is not None:
        subject, role, city = actor.subject, actor.role, city or actor.city
    security_logger.log(
        level,
        action,
        extra={
            "security_action": action,
            "outcome": outcome,
            "subject": subject,
            "role": role,
            "city": city,
            **details,
        },
    )


def _claimed_caller(request: Request) -> dict[str, str | None]:
    """Who the bearer token says the caller is (its claims read without verifying them: on a
    401 they are what the caller claimed, on a 403 the token was verified already). Only the
    claims, never the token; each shortened, since a refused caller may send anything."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return {"subject": None, "role": None, "caller_city": None}
    try:
        import jwt

        claims = jwt.decode(token.strip(), options={"verify_signature": False})
    except jwt.PyJWTError:  # a malformed token names no one
        claims = {}

    def claim(name: str) -> str | None:
        value = claims.get(name) if isinstance(claims, dict) else None
        return str(value)[:128] if value is not None else None

    return {"subject": claim("sub"), "role": claim("role"), "caller_city": claim("city")}


def log_refused_request(request: Request, status: int, reason: str | None) -> None:
    """A security line for a refused request: 401 (authentication failed: no, a bad, an expired
    or a revoked token or API key) or 403 (authenticated, but not allowed here)."""
    caller = _claimed_caller(request)
    city = request.path_params.get("city") if hasattr(request, "path_params") else None
    security_log(
        "authentication.failed" if status == 401 else "authorization.refused",
        subject=caller["subject"],
        role=caller["role"],
        city=city if isinstance(city, str) else None,
        outcome="refused",
        level=logging.WARNING,
        status=status,
        reason=(reason or "")[:300],
        caller_city=caller["caller_city"],
        method=request.method,
        path=request.url.path,
        client=request.client.host if request.client else None,
        credential=_credential_kind(request),
    )


def _credential_kind(request: Request) -> str:
    """Which kind of credential came (never its value)."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return "bearer"
    if request.headers.get("x-api-key"):
        return "api_key"
    return "none"


def install_metrics(app: FastAPI, service: str, token: str | None = None) -> None:
    """Request counts and latencies per route; ``/metrics`` for Prometheus, restricted to
    scrapers that present ``token`` when one is configured."""

    app.add_middleware(RequestMetrics, service=service)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                log_refused_request(request, 401, "metrics needs the scrape token")
                return Response(
                    status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'}
                )
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """Counts and latency per route, as plain ASGI (see ``RequestIds``). A request is counted
    when its answer starts (a stream is counted as it opens), with the route it was routed to."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_measured(message: Message) -> None:
            if message["type"] == "http.response.start":
                path = getattr(scope.get("route"), "path", "unmatched")
                method = scope["method"]
                HTTP_REQUESTS.labels(self.service, method, path, str(message["status"])).inc()
                HTTP_LATENCY.labels(self.service, method, path).observe(
                    time.perf_counter() - started
                )
            await send(message)

        await self.app(scope, receive, send_measured)
