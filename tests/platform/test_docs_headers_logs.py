"""Platform edges every service shares: offline API docs, security headers, request ids in
answers, logs and events, and one JSON log format with zone-aware times."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import datetime

import pytest

from services.registry import SERVICE_NAMES
from shared.events.envelope import decode_event, new_event
from shared.events.payloads import PartnerRegistered
from shared.observability import configure_logging, log_handler
from shared.requestcontext import request_id_var
from shared.settings import ServiceSettings


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_docs_are_served_without_the_internet(service: str, service_client) -> None:
    async with service_client(service) as (_app, client):
        for page in ("/docs", "/redoc"):
            html = (await client.get(page)).text
            # Every script and stylesheet the page loads comes from this service.
            assets = re.findall(r'(?:src|href)=["\']([^"\']+\.(?:js|css))["\']', html)
            assert assets, page
            for url in assets:
                assert url.startswith("/docs/assets/"), url
                asset = await client.get(url)
                assert asset.status_code == 200 and len(asset.content) > 10_000, url
        landing = await client.get("/developers")
        assert landing.status_code == 200
        for port in (8001, 8002, 8003, 8004):
            assert f":{port}/docs" in landing.text
        asyncapi = await client.get("/asyncapi.yaml")
        assert asyncapi.status_code == 200 and "asyncapi:" in asyncapi.text


async def test_security_headers_and_request_id(service_client, admin_token: str) -> None:
    async with service_client("contracts") as (_app, client):
        read = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert read.headers["X-Request-ID"] == "abc-123"
        assert read.headers["X-Content-Type-Options"] == "nosniff"
        assert read.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in read.headers
        # An id that is not a plain token is replaced, never echoed into logs and events.
        odd = await client.get("/healthz", headers={"X-Request-ID": "a b<script>"})
        assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-ID"])
        write = await client.post(
            "/v1/partners", json={}, headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert write.headers["Cache-Control"] == "no-store"
        tls = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert tls.headers["Strict-Transport-Security"].startswith("max-age=")


def test_events_carry_the_request_id_as_an_extension() -> None:
    payload = PartnerRegistered.model_construct()
    token = request_id_var.set("req-42")
    try:
        event = new_event(payload, source="/klimaby/test")
    finally:
        request_id_var.reset(token)
    assert decode_event(event.model_dump_json().encode()).model_extra == {"requestid": "req-42"}
    assert "requestid" not in (new_event(payload, source="/klimaby/test").model_extra or {})


def test_every_log_line_is_json_with_a_zoned_time() -> None:
    configure_logging("hub", "INFO", json_logs=True)
    stream = io.StringIO()
    handler = log_handler("hub")
    handler.stream = stream  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.handlers[:] = [handler]
    token = request_id_var.set("req-7")
    try:
        logging.getLogger("uvicorn.error").info("Started server process [1]")
        logging.getLogger("shared.test").warning("something", extra={"city": "oslo"})
    finally:
        request_id_var.reset(token)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["uvicorn.error", "shared.test"]
    for line in lines:
        assert datetime.fromisoformat(line["time"]).utcoffset() is not None
        assert line["service"] == "hub" and line["request_id"] == "req-7"
    assert lines[1]["city"] == "oslo"


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        ServiceSettings(environment="production", auth_secret="x")
    ServiceSettings(environment="production", auth_secret="x" * 32)


async def test_a_token_without_expiry_is_refused() -> None:
    import time

    from shared.auth import verify_token
    from shared.problems import ProblemError
    from tests.helpers import signed_by_builtin_issuer

    now = int(time.time())
    forever = signed_by_builtin_issuer({"sub": "x", "roles": ["admin"], "iat": now, "jti": "a"})
    with pytest.raises(ProblemError) as refused:
        await verify_token(forever)
    assert refused.value.status == 401 and "exp" in str(refused.value.detail)
    bounded = signed_by_builtin_issuer(
        {"sub": "x", "roles": ["admin"], "iat": now, "exp": now + 60, "jti": "b"}
    )
    assert (await verify_token(bounded)).role == "admin"


async def test_metrics_can_be_restricted_to_a_scraper_token(service_client) -> None:
    async with service_client("hub", metrics_token="scrape-me") as (_app, client):
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert ok.status_code == 200 and "klimaby_http_requests_total" in ok.text
    async with service_client("hub") as (_app, client):
        assert (await client.get("/metrics")).status_code == 200
