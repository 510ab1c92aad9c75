"""A big batch is answered per item and counted once, however often it is posted."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh, live_readings

GRID_MG_PER_KWH = 15_000  # NVE 2023: 15 g CO2e/kWh, the newest year, applies to this year


async def test_a_thousand_readings_with_three_bad_ones_are_answered_per_item_and_counted_once(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        start = hour_ago() - timedelta(hours=20)
        items = [kwh(meter, start + timedelta(minutes=i), 2.0) for i in range(1000)]
        items[17]["time"] = "2026-01-01T10:00:00"  # naive: no zone
        items[500]["value"] = -3.0
        items[999]["unit"] = "furlong"
        headers = {"X-Api-Key": key, "Idempotency-Key": "batch-0001"}

        first = await sensors.post("/v1/readings", json={"readings": items}, headers=headers)
        assert first.status_code == 207, first.text[:500]
        body = first.json()
        assert (body["accepted"], body["duplicates"], body["rejected"]) == (997, 0, 3)
        assert [r["index"] for r in body["results"]] == list(range(1000))
        rejected = {r["index"]: r["problem"] for r in body["results"] if r["status"] == "rejected"}
        assert sorted(rejected) == [17, 500, 999]
        fields = {i: p["invalid-params"][0]["name"] for i, p in rejected.items()}
        assert fields == {
            17: "/readings/17/time",
            500: "/readings/500/value",
            999: "/readings/999/unit",
        }

        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 997
        )
        assert (totals["readings"], totals["co2e_mg"]) == (997, 997 * 2 * GRID_MG_PER_KWH)

        # The same batch with the same key: the identical answer, nothing published again.
        replay = await sensors.post("/v1/readings", json={"readings": items}, headers=headers)
        assert replay.status_code == 207
        assert replay.content == first.content
        assert replay.headers["idempotent-replayed"] == "true"

        # Without the key: answered from the dedupe record, every good item a duplicate.
        again = await sensors.post(
            "/v1/readings", json={"readings": items}, headers={"X-Api-Key": key}
        )
        assert again.status_code == 207
        again_body = again.json()
        assert (again_body["accepted"], again_body["duplicates"], again_body["rejected"]) == (
            0,
            997,
            3,
        )
        ids = [r.get("reading_id") for r in body["results"]]
        assert [r.get("reading_id") for r in again_body["results"]] == ids

        # A later reading on the same sensor (same partition) is consumed after anything the
        # reposts could have published: once it is counted, the totals are final.
        sentinel = kwh(meter, hour_ago(), 1.0)
        r = await sensors.post(
            "/v1/readings",
            json={"readings": [sentinel]},
            headers=headers | {"Idempotency-Key": "batch-0002"},
        )
        assert r.status_code == 202, r.text
        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 998
        )
        assert (totals["readings"], totals["co2e_mg"]) == (
            998,
            (997 * 2 + 1) * GRID_MG_PER_KWH,
        )


async def test_an_idempotency_key_reused_for_another_batch_is_refused(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        headers = {"X-Api-Key": key, "Idempotency-Key": "k-1"}
        t = hour_ago()
        r = await sensors.post("/v1/readings", json={"readings": [kwh(meter, t)]}, headers=headers)
        assert r.status_code == 202
        other = {"readings": [kwh(meter, t + timedelta(minutes=1))]}
        r = await sensors.post("/v1/readings", json=other, headers=headers)
        assert r.status_code == 422
        assert r.json()["invalid-params"][0]["name"] == "/header/idempotency-key"
        # Keys are scoped per gateway: another gateway may use the same key for its own batch.
        _gw2, key2, (meter2,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER], name="second"
        )
        r = await sensors.post(
            "/v1/readings",
            json={"readings": [kwh(meter2, t)]},
            headers={"X-Api-Key": key2, "Idempotency-Key": "k-1"},
        )
        assert r.status_code == 202


async def test_a_batch_repeating_readings_between_new_first_and_last_ones_counts_the_new_once(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    """A batch whose first and last readings are new but which repeats readings accepted before
    in between: on PostgreSQL its straight insert is refused and the batch recorded the
    conflict-checking way. Each item is answered as it is, and only the new ones are counted."""
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        start = hour_ago() - timedelta(hours=5)
        earlier = [kwh(meter, start + timedelta(minutes=i), 2.0) for i in range(10)]
        headers = {"X-Api-Key": key}
        first = await sensors.post("/v1/readings", json={"readings": earlier}, headers=headers)
        assert first.status_code == 202, first.text[:500]

        mixed = [
            kwh(meter, start + timedelta(minutes=30), 3.0),
            earlier[3],
            earlier[5],
            kwh(meter, start + timedelta(minutes=31), 3.0),
        ]
        second = await sensors.post("/v1/readings", json={"readings": mixed}, headers=headers)
        assert second.status_code == 207, second.text[:500]
        body = second.json()
        assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 2, 0)
        assert [r["status"] for r in body["results"]] == [
            "accepted",
            "duplicate",
            "duplicate",
            "accepted",
        ]
        ids = {r["reading_id"] for r in first.json()["results"]}
        assert {body["results"][i]["reading_id"] for i in (1, 2)} <= ids

        # Recorded once: the same batch again is all duplicates.
        again = await sensors.post("/v1/readings", json={"readings": mixed}, headers=headers)
        assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 4)

        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 12
        )
        assert (totals["readings"], totals["co2e_mg"]) == (
            12,
            (10 * 2 + 2 * 3) * GRID_MG_PER_KWH,
        )
