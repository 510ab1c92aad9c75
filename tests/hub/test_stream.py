"""SSE at /v1/stream over real HTTP (uvicorn): ids from the hub's ordered log, filters by city
and type, and a reconnect with Last-Event-ID gets exactly what it missed, none twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from shared.events.payloads import CityRegistered, PartnerRegistered
from tests.hub.conftest import Publisher, wait_for_city
from tests.hub.test_projection import accounted


@dataclass
class Message:
    id: int
    event: str
    data: dict[str, Any]


class Stream:
    """A real SSE client: reads messages from an open response into a queue."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.messages: asyncio.Queue[Message] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            if line == "":
                if "data" in fields:
                    await self.messages.put(
                        Message(int(fields["id"]), fields.get("event", "message"),
                                json.loads(fields["data"]))
                    )  # fmt: skip
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    async def take(self, n: int, timeout_s: float = 60.0) -> list[Message]:
        return [await asyncio.wait_for(self.messages.get(), timeout_s) for _ in range(n)]


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, params: dict[str, Any], last_event_id: int | None = None
) -> AsyncIterator[Stream]:
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with client.stream("GET", "/v1/stream", params=params, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        try:
            yield stream
        finally:
            stream.task.cancel()


def partner(city: str, name: str) -> PartnerRegistered:
    return PartnerRegistered(partner_id=uuid.uuid4(), city=city, name=name, helix="business")


async def test_a_reconnecting_client_gets_exactly_what_it_missed(
    hub: tuple[FastAPI, httpx.AsyncClient], hub_url: str, publisher: Publisher, city: str
) -> None:
    _, api = hub
    await publisher.publish(CityRegistered(city=city, name="Strømby"), key=city)
    await wait_for_city(api, city, lambda c: c["name"] == "Strømby")
    other = f"{city}-x"
    async with httpx.AsyncClient(base_url=hub_url, timeout=httpx.Timeout(60, read=None)) as client:
        async with open_stream(client, {"city": city}) as stream:
            first = [await publisher.publish(partner(city, f"P{n}"), key=city) for n in range(3)]
            await publisher.publish(partner(other, "not for this stream"), key=other)
            got = await stream.take(3)
        assert [m.data["id"] for m in got] == [e.id for e in first]
        assert [m.event for m in got] == ["no.klimaby.partner.registered"] * 3
        assert got[0].id < got[1].id < got[2].id
        last_seen = got[1].id  # the client saw two and lost the third with the connection

        # While disconnected: more events, for this city and another.
        missed = [await publisher.publish(partner(city, f"Q{n}"), key=city) for n in range(4)]
        await publisher.publish(accounted(other, 5, readings=1), key=other)
        await wait_for_city(api, city, lambda c: c["partners"] == 7)

        async with open_stream(client, {"city": city}, last_event_id=last_seen) as stream:
            again = await stream.take(5)
            tail = await publisher.publish(partner(city, "after"), key=city)
            after = await stream.take(1)
            # Nothing else arrives: no event twice, no other city's event.
            await asyncio.sleep(0)
            assert stream.messages.empty()
        assert [m.data["id"] for m in again] == [first[2].id] + [e.id for e in missed]
        assert after[0].data["id"] == tail.id
        ids = [m.id for m in again + after]
        assert ids == sorted(set(ids))

        # A type filter, and the query parameter replaying from a position.
        async with open_stream(
            client,
            {"city": city, "type": "no.klimaby.city.registered", "last_event_id": 0},
        ) as stream:
            registered = await stream.take(1)
        assert registered[0].data["data"]["name"] == "Strømby"


async def test_the_stream_of_an_unknown_city_is_a_404(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    r = await client.get("/v1/stream", params={"city": f"ingenby-{uuid.uuid4().hex[:8]}"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    bad = await client.get("/v1/stream", headers={"Last-Event-ID": "abc"})
    assert bad.status_code == 422
    assert bad.json()["invalid-params"][0]["name"] == "/header/Last-Event-ID"
