"""A large CSV upload never holds the event loop, and its answer stays small: the counts and
the first problems, with every problem downloadable from the import run."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from collections.abc import Callable
from typing import Any

import pytest

from services.inventory.imports import service as imports_service
from tests.conftest import ServiceClientFactory

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}
BAD_ROWS = 150_000  # ~2 MB: every row names a cell that does not exist


def large_bad_table() -> bytes:
    lines = ["gpc_reference,CO2,comment"]
    lines += [f"I.9.{i % 9},1,row {i}" for i in range(BAD_ROWS)]
    lines.append("I.1.1,2,the one good row")
    return ("\n".join(lines) + "\n").encode()


async def test_the_event_loop_serves_requests_while_an_upload_is_parsed(
    service_client: ServiceClientFactory,
    city_token: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parse is held open until /healthz has answered: were it run on the event loop, the
    loop would be blocked and /healthz could only answer after the upload."""
    started, proceed = threading.Event(), threading.Event()
    released_by_the_test: list[bool] = []
    parse = imports_service._parse_inventory

    def held_parse(*args: Any) -> Any:
        started.set()
        # On the event loop this would wait in vain: the test could not run to release it.
        released_by_the_test.append(proceed.wait(timeout=10))
        return parse(*args)

    monkeypatch.setattr(imports_service, "_parse_inventory", held_parse)
    auth = {"Authorization": f"Bearer {city_token('oslo')}", "content-type": "text/csv"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        upload = asyncio.create_task(
            client.post(
                "/v1/cities/oslo/inventories/2022/import",
                content=b"gpc_reference,CO2\nI.1.1,2\n",
                headers=auth,
            )
        )
        for _ in range(3000):
            if started.is_set():
                break
            await asyncio.sleep(0.01)
        assert started.is_set()
        assert (await client.get("/healthz")).status_code == 200
        assert not upload.done()
        proceed.set()
        assert (await upload).status_code == 200
        assert released_by_the_test == [True]


async def test_a_large_upload_answers_with_counts_and_the_first_problems(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    auth = {"Authorization": f"Bearer {city_token('oslo')}", "content-type": "text/csv"}
    body = large_bad_table()
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post("/v1/cities/oslo/inventories/2022/import", content=body, headers=auth)
        assert r.status_code == 207, r.text[:500]
        report = r.json()
        assert (report["rows"], report["imported"], report["rejected"]) == (
            BAD_ROWS + 1,
            1,
            BAD_ROWS,
        )
        assert len(report["problems"]) == 100 and report["problems_truncated"] is True
        assert [p["line"] for p in report["problems"]] == list(range(2, 102))
        assert len(r.content) < 50_000

        problems = await client.get(report["problems_url"], headers=auth)
        assert problems.status_code == 200
        rows = list(csv.DictReader(io.StringIO(problems.text)))
        assert len(rows) == BAD_ROWS and rows[-1]["line"] == str(BAD_ROWS + 1)
        assert rows[0]["column"] == "gpc_reference"
        # Another city's token cannot read Oslo's import.
        other = {"Authorization": f"Bearer {city_token('bergen')}"}
        assert (await client.get(report["problems_url"], headers=other)).status_code == 403


async def test_an_import_of_nothing_writes_nothing_but_keeps_its_problems(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    auth = {"Authorization": f"Bearer {city_token('oslo')}", "content-type": "text/csv"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post(
            "/v1/cities/oslo/inventories/2021/import",
            content=b"gpc_reference,CO2\nI.9.9,1\nI.9.8,2\n",
            headers=auth,
        )
        assert r.status_code == 422
        problem = r.json()
        assert [p["name"] for p in problem["invalid-params"]] == [
            "/body/lines/2/gpc_reference",
            "/body/lines/3/gpc_reference",
        ]
        # No draft was started by the failed import …
        assert (
            await client.get("/v1/cities/oslo/inventories/2021", headers=auth)
        ).status_code == 404
        # … but its problems can be downloaded.
        listed = await client.get(problem["problems_url"], params={"format": "json"}, headers=auth)
        assert [p["line"] for p in listed.json()] == [2, 3]
