"""Webhooks: a real receiver (its own HTTP server) that is down for a while gets every
matching event exactly once when it comes back, verifies each Standard Webhooks signature,
and can tell a forged or replayed request; a 410 disables the subscription; manual replay."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.hub.webhooks.signing import InvalidSignature, sign, verify
from shared.events.payloads import CityRegistered, PartnerRegistered
from tests.conftest import ServiceClientFactory
from tests.helpers import eventually
from tests.hub.conftest import FAST, Publisher, serving, wait_for_city


@dataclass
class Receiver:
    """What a subscriber's endpoint saw: raw requests, in order."""

    answer: int = 204
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> Callable[..., Any]:
        async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            self.requests.append((headers, body))
            await send({"type": "http.response.start", "status": self.answer, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        return asgi


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def receiving(receiver: Receiver, port: int) -> AsyncIterator[None]:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(receiver.app(), host="127.0.0.1", port=port, lifespan="off",
                       log_level="warning")
    )  # fmt: skip
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


def partner(city: str, name: str) -> PartnerRegistered:
    return PartnerRegistered(partner_id=uuid.uuid4(), city=city, name=name, helix="academia")


async def subscribe(
    client: httpx.AsyncClient, token: str, url: str, **filters: Any
) -> dict[str, Any]:
    r = await client.post(
        "/v1/webhooks", json={"url": url, **filters}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def deliveries(
    client: httpx.AsyncClient, token: str, sub: str, **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(
        f"/v1/webhooks/{sub}/deliveries", params=params,
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_a_receiver_that_was_down_gets_every_matching_event_once(
    hub: tuple[FastAPI, httpx.AsyncClient],
    publisher: Publisher,
    city: str,
    admin_token: str,
) -> None:
    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="Krokby"), key=city)
    await wait_for_city(client, city, lambda c: c["name"] == "Krokby")
    port = free_port()  # nothing listens here yet: the receiver is down
    sub = await subscribe(
        client, admin_token, f"http://127.0.0.1:{port}/hooks",
        cities=[city], event_types=["no.klimaby.partner.*"],
    )  # fmt: skip
    assert sub["secret"].startswith("whsec_")
    assert (
        "secret"
        not in (
            await client.get(
                f"/v1/webhooks/{sub['id']}", headers={"Authorization": f"Bearer {admin_token}"}
            )
        ).json()
    )

    sent = [await publisher.publish(partner(city, f"Partner {n}"), key=city) for n in range(5)]
    # Not matching: another type, and another city.
    await publisher.publish(CityRegistered(city=city, name="Krokby igjen"), key=city)
    await publisher.publish(partner(f"{city}-y", "elsewhere"), key=f"{city}-y")

    # Down: the oldest delivery is retried with a growing delay, each attempt logged; the
    # rest of the subscription's queue waits behind it (the endpoint is down for all of them).
    failing = await eventually(
        lambda: deliveries(client, admin_token, sub["id"]),
        lambda ds: len(ds) == 5 and ds[0]["attempts"] >= 3,
        attempts=600,
    )
    assert len(failing) == 5 and all(d["status"] == "pending" for d in failing)
    log = failing[0]["log"]
    assert log[0]["status_code"] is None and "Connect" in log[0]["error"]
    gaps = [(_t(b["attempted_at"]) - _t(a["attempted_at"])) for a, b in itertools.pairwise(log)]
    assert gaps and min(gaps) >= 0.2  # the first retry waits webhook_first_retry_s

    receiver = Receiver()
    async with receiving(receiver, port):
        done = await eventually(
            lambda: deliveries(client, admin_token, sub["id"]),
            lambda ds: all(d["status"] == "delivered" for d in ds),
            attempts=600,
        )
        assert len(done) == 5
        # A little longer: nothing more may arrive.
        await eventually(lambda: _count(receiver), lambda n: n > 5, attempts=10)
    assert len(receiver.requests) == 5, "every matching event exactly once"
    ids = []
    for headers, body in receiver.requests:
        msg_id = verify(sub["secret"], headers, body)
        ids.append(msg_id)
        event = json.loads(body)
        assert event["id"] == msg_id and event["specversion"] == "1.0"
        assert event["type"] == "no.klimaby.partner.registered"
        assert headers["content-type"].startswith("application/cloudevents+json")
    assert sorted(ids) == sorted(e.id for e in sent)

    # The documented checks catch a forged body, a wrong secret and a replay.
    headers, body = receiver.requests[0]
    with pytest.raises(InvalidSignature):
        verify(sub["secret"], headers, body.replace(b"Partner", b"Forged!"))
    with pytest.raises(InvalidSignature):
        verify("whsec_" + "A" * 32, headers, body)
    with pytest.raises(InvalidSignature):
        verify(sub["secret"], headers, body, now=time.time() + 3600)  # replayed an hour later
    old = int(time.time()) - 3600
    replayed = {**headers, "webhook-timestamp": str(old),
                "webhook-signature": sign(sub["secret"], headers["webhook-id"], old, body)}  # fmt: skip
    with pytest.raises(InvalidSignature):
        verify(sub["secret"], replayed, body)

    # Manual replay of one delivery: sent again, same webhook-id (the receiver can dedupe).
    auth = {"Authorization": f"Bearer {admin_token}"}
    r = await client.post(
        f"/v1/webhooks/{sub['id']}/deliveries/{done[0]['id']}/replay", headers=auth
    )
    assert r.status_code == 202
    async with receiving(receiver, port):
        await eventually(lambda: _count(receiver), lambda n: n == 6, attempts=600)
    assert receiver.requests[-1][0]["webhook-id"] == done[0]["event_id"]
    verify(sub["secret"], *receiver.requests[-1])


def _t(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


async def _count(receiver: Receiver) -> int:
    return len(receiver.requests)


async def test_a_410_disables_the_subscription(
    hub: tuple[FastAPI, httpx.AsyncClient],
    publisher: Publisher,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="Slutby"), key=city)
    await wait_for_city(client, city, lambda c: c["name"] == "Slutby")
    token = city_token(city)
    receiver = Receiver(answer=410)
    port = free_port()
    async with receiving(receiver, port):
        async with serving(FastAPI()):  # unrelated: a second server must not interfere
            pass
        sub = await subscribe(client, token, f"http://127.0.0.1:{port}/gone")
        assert sub["cities"] == [city]  # a city's subscription is its own city's
        await publisher.publish(partner(city, "A"), key=city)
        await publisher.publish(partner(city, "B"), key=city)
        auth = {"Authorization": f"Bearer {token}"}
        state = await eventually(
            lambda: _subscription(client, sub["id"], auth), lambda s: not s["enabled"], attempts=600
        )
    assert "410" in state["disabled_reason"]
    assert len(receiver.requests) == 1  # nothing more was sent after the 410
    pending = await deliveries(client, token, sub["id"], status="pending")
    assert len(pending) == 2

    # Re-enabled against a working receiver, the pending deliveries go out.
    healthy = Receiver()
    async with receiving(healthy, port):
        r = await client.patch(f"/v1/webhooks/{sub['id']}", json={"enabled": True}, headers=auth)
        assert r.status_code == 200 and r.json()["enabled"]
        await eventually(lambda: _count(healthy), lambda n: n == 2, attempts=600)
    assert sorted(json.loads(b)["data"]["name"] for _, b in healthy.requests) == ["A", "B"]

    # Another city's token does not see it; an unknown city cannot be subscribed to.
    other = {"Authorization": f"Bearer {city_token('annenby')}"}
    assert (await client.get(f"/v1/webhooks/{sub['id']}", headers=other)).status_code == 404
    r = await client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "cities": [city]}, headers=other
    )
    assert r.status_code == 403
    r = await client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "cities": [f"ingenby-{uuid.uuid4().hex[:6]}"]},
        headers={"Authorization": f"Bearer {city_token(city)}"},
    )
    assert r.status_code == 403
    assert (await client.post("/v1/webhooks", json={"url": "http://x"})).status_code == 401


async def _subscription(
    client: httpx.AsyncClient, sub: str, auth: dict[str, str]
) -> dict[str, Any]:
    return dict((await client.get(f"/v1/webhooks/{sub}", headers=auth)).json())


async def test_an_admin_subscription_to_an_unknown_city_is_a_404(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = hub
    r = await client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "cities": [f"ingenby-{uuid.uuid4().hex[:6]}"]},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert r.status_code == 404
    assert r.json()["invalid-params"][0]["name"] == "/body/cities/0"


def test_the_documented_receiver_check_accepts_ours_and_refuses_forgeries() -> None:
    """The verification example in docs/hub.md, run as written, against our signing."""
    from pathlib import Path

    from services.hub.webhooks import signing

    doc = (Path(__file__).parents[2] / "docs" / "hub.md").read_text()
    code = doc.split("### Verifying a request (receiver)")[1].split("```python\n")[1]
    code = code.split("```")[0]
    secret = signing.new_secret()
    scope: dict[str, Any] = {}
    exec(code.replace('"whsec_…"', repr(secret)), scope)
    body = b'{"specversion":"1.0","id":"e1"}'
    headers = signing.headers(secret, "e1", body)
    assert scope["verify"](headers, body) == "e1"
    assert scope["verify"](headers, body) is None  # the same webhook-id again: ignored
    with pytest.raises(ValueError, match="forged"):
        scope["verify"](signing.headers(secret, "e2", body), body + b" ")
    with pytest.raises(ValueError, match="replay"):
        scope["verify"](signing.headers(secret, "e3", body, int(time.time()) - 600), body)


async def test_a_delivery_that_keeps_failing_disables_its_subscription(
    service_client: ServiceClientFactory, broker: str, city: str, admin_token: str
) -> None:
    from aiokafka import AIOKafkaProducer

    async with service_client("hub", **{**FAST, "webhook_max_attempts": 3}) as (_, client):
        producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all")
        await producer.start()
        try:
            publisher = Publisher(producer)
            await publisher.publish(CityRegistered(city=city, name="Tomby"), key=city)
            await wait_for_city(client, city, lambda c: c["name"] == "Tomby")
            sub = await subscribe(
                client, admin_token, f"http://127.0.0.1:{free_port()}/down", cities=[city]
            )
            await publisher.publish(partner(city, "A"), key=city)
            auth = {"Authorization": f"Bearer {admin_token}"}
            state = await eventually(
                lambda: _subscription(client, sub["id"], auth),
                lambda s: not s["enabled"],
                attempts=600,
            )
        finally:
            await producer.stop()
        assert "failed 3 times" in state["disabled_reason"]
        [failed] = await deliveries(client, admin_token, sub["id"], status="failed")
        assert failed["attempts"] == 3 and len(failed["log"]) == 3
        # Replaying the failed deliveries puts them back in the queue.
        r = await client.post(f"/v1/webhooks/{sub['id']}/replay", json={}, headers=auth)
        assert (r.status_code, r.json()) == (202, {"replayed": 1})
        assert len(await deliveries(client, admin_token, sub["id"], status="pending")) == 1
