"""Historical backfill: a CSV file of readings posted through the gateways' own HTTP pipeline.

Nothing is written around the service: every row is validated, deduplicated and published
exactly as a live reading is. The file goes in batches; each batch carries an Idempotency-Key of
this run, so a batch retried after a lost answer gets its first answer back. A 503 or 429 is
retried after its Retry-After. Run the same file twice and the second run answers ``duplicate``.

CSV columns (header row first): ``sensor_id``, then ``time`` or ``from`` and ``to``, ``value``,
``unit``, and optionally ``reading_id``.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

COLUMNS = ("sensor_id", "time", "from", "to", "value", "unit", "reading_id")
RETRIED = (429, 503)


class ImportAborted(Exception):
    """The service refused a request as a whole (bad key, bad file): nothing more is sent."""


@dataclass
class RejectedRow:
    line: int
    field: str
    reason: str


@dataclass
class ImportSummary:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[RejectedRow] = field(default_factory=list)


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return max(sum(1 for _ in csv.reader(f)) - 1, 0)


def read_batches(path: Path, size: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """(file line, reading) pairs, ``size`` at a time."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
        if unknown or "sensor_id" not in (reader.fieldnames or []):
            raise ImportAborted(
                f"the header must name {', '.join(COLUMNS)} (unknown: {', '.join(unknown)})"
            )
        batch: list[tuple[int, dict[str, Any]]] = []
        for row in reader:
            batch.append((reader.line_num, _reading(row)))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


def _reading(row: dict[str, str | None]) -> dict[str, Any]:
    reading: dict[str, Any] = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
    if "value" in reading:
        try:
            reading["value"] = float(reading["value"])
        except ValueError:
            pass  # sent as written: the service names the field
    return reading


async def post_batch(
    client: httpx.AsyncClient,
    api_key: str,
    readings: list[dict[str, Any]],
    idempotency_key: str,
    attempts: int = 30,
    max_wait_s: float = 30.0,
) -> dict[str, Any]:
    headers = {"X-Api-Key": api_key, "Idempotency-Key": idempotency_key}
    for _ in range(attempts):
        try:
            r = await client.post("/v1/readings", json={"readings": readings}, headers=headers)
        except httpx.TransportError:
            await asyncio.sleep(1.0)
            continue
        if r.status_code in RETRIED:
            await asyncio.sleep(min(float(r.headers.get("retry-after", "1")), max_wait_s))
            continue
        body: dict[str, Any] = r.json()
        if "results" not in body:
            raise ImportAborted(f"{r.status_code}: {body.get('detail') or body.get('title')}")
        return body
    raise ImportAborted(f"the service kept answering busy after {attempts} attempts")


async def import_file(
    client: httpx.AsyncClient,
    path: Path,
    api_key: str,
    batch_size: int = 5000,
    on_batch: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Post every row of ``path``; ``on_batch`` is told how many rows each batch carried."""
    run = uuid.uuid4().hex[:12]
    summary = ImportSummary()
    for number, batch in enumerate(read_batches(path, batch_size)):
        body = await post_batch(
            client, api_key, [r for _line, r in batch], f"import-{run}-{number}"
        )
        summary.rows += len(batch)
        summary.accepted += body["accepted"]
        summary.duplicates += body["duplicates"]
        summary.rejected += body["rejected"]
        for result in body["results"]:
            if result["status"] == "rejected":
                param = result["problem"]["invalid-params"][0]
                summary.rejections.append(
                    RejectedRow(
                        line=batch[result["index"]][0],
                        field=param["name"].rsplit("/", 1)[-1],
                        reason=param["reason"],
                    )
                )
        if on_batch:
            on_batch(len(batch))
    return summary


async def run_import(
    url: str,
    path: Path,
    api_key: str,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> ImportSummary:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        return await import_file(client, path, api_key, batch_size, on_batch)
