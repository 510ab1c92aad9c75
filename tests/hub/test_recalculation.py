"""The hub keeps a city's total exact when the inventory recalculates after a factor revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from shared.events.payloads import (
    AccountedCell,
    EmissionsAccounted,
    EmissionsRecalculated,
    RecalculatedCell,
)
from tests.hub.conftest import Publisher, wait_for_city

HOUR = datetime(2026, 3, 2, 8, tzinfo=UTC)


async def test_a_recalculation_adds_its_exact_difference_and_no_readings(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    accounted = 15_000_123
    await publisher.publish(
        EmissionsAccounted(
            city=city,
            readings_accounted=3,
            co2e_mg=accounted,
            tco2e=accounted / 1e9,
            cells=[AccountedCell(gpc_reference="I.1.2", scope=2, readings=3, co2e_mg=accounted)],
            period_start=HOUR,
            period_end=HOUR + timedelta(minutes=30),
        ),
        key=city,
    )
    # The grid factor went down: the difference is negative.
    difference = -4_000_041
    await publisher.publish(
        EmissionsRecalculated(
            city=city,
            reason="factor_revised",
            factor_id="no-grid-location-2023",
            factor_version=2,
            previous_version=1,
            readings_recalculated=3,
            co2e_mg_delta=difference,
            tco2e_delta=difference / 1e9,
            cells=[
                RecalculatedCell(
                    gpc_reference="I.1.2", scope=2, readings=3, co2e_mg_delta=difference
                )
            ],
            period_start=HOUR,
            period_end=HOUR + timedelta(hours=1),
        ),
        key=city,
    )
    progress = await wait_for_city(client, city, lambda c: c["co2e_mg"] != accounted)
    assert progress["co2e_mg"] == accounted + difference
    assert progress["readings_accounted"] == 3  # recomputed readings are not new readings
