"""Cumulative registers become interval deltas; resets and gaps are flagged; the state survives
between batches (it lives in the database, locked by the batch that advances it)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.sensors.readings.meters import MeterLimits, Register, State, advance
from tests.conftest import ServiceClientFactory
from tests.helpers import eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh, live_readings

CUMULATIVE_METER = {
    "kind": "energy_meter",
    "gpc_reference": "I.2.2",
    "energy_carrier": "electricity",
    "value_type": "cumulative",
    "expected_interval_s": 900,
}


def ids(start: datetime, end: datetime) -> str:
    return f"{start.isoformat()}/{end.isoformat()}"


def test_a_reset_gives_the_new_value_as_delta_and_is_flagged() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    at = [t0 + timedelta(minutes=15 * i) for i in range(5)] + [t0 + timedelta(hours=3)]
    values = [1000.0, 1010.5, 1025.0, 3.0, 7.5, 9.5]
    state = State(None, None)
    steps = advance(
        state,
        list(zip(range(6), at, values, strict=True)),
        {},
        MeterLimits(900, None, None, "kWh"),
        ids,
    )
    assert [s.status for s in steps] == ["accepted"] * 6
    assert steps[0].flags == ["baseline"] and steps[0].amount is None
    assert [s.amount for s in steps[1:]] == [10.5, 14.5, 3.0, 4.5, 2.0]
    assert [s.flags for s in steps[1:]] == [[], [], ["reset"], [], ["gap"]]
    assert [(s.start, s.end) for s in steps[1:]] == [(at[i], at[i + 1]) for i in range(5)]
    assert (state.last_observed_at, state.last_value, state.resets, state.gaps) == (
        at[-1],
        9.5,
        1,
        1,
    )


def test_seen_out_of_order_conflicting_and_implausible_registers() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    history = {t0: Register(t0, 100.0, "baseline", flags=["baseline"])}
    state = State(t0 + timedelta(minutes=30), 120.0)
    history[state.last_observed_at] = Register(  # type: ignore[index]
        state.last_observed_at,  # type: ignore[arg-type]
        120.0,
        "delta",
        "rid",
        [],
    )
    steps = advance(
        state,
        [
            (0, t0, 100.0),  # the baseline again
            (1, t0 + timedelta(minutes=30), 121.0),  # same time, other value
            (2, t0 + timedelta(minutes=10), 105.0),  # older than the last, never seen
            (3, t0 + timedelta(minutes=45), 5000.0),  # a jump beyond the plausible maximum
            (4, t0 + timedelta(minutes=60), 5010.0),  # counted from the jump
        ],
        history,
        MeterLimits(900, None, 100.0, "kWh"),
        ids,
    )
    steps.sort(key=lambda s: s.index)  # they are decided in time order
    assert [s.status for s in steps] == [
        "duplicate",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert steps[1].http_status == 409 and steps[1].field == "value"
    assert steps[2].field == "time" and "out of order" in (steps[2].reason or "")
    assert "plausible" in (steps[3].reason or "")
    assert steps[4].amount == 10.0


async def test_a_meter_that_resets_mid_stream_is_accounted_by_its_deltas(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [CUMULATIVE_METER]
        )
        t0 = hour_ago() - timedelta(hours=5)
        at = [t0 + timedelta(minutes=15 * i) for i in range(5)] + [t0 + timedelta(hours=3)]
        values = [1000.0, 1010.5, 1025.0, 3.0, 7.5, 9.5]
        registers = [kwh(meter, t, v) for t, v in zip(at, values, strict=True)]
        headers = {"X-Api-Key": key}

        first = await sensors.post(
            "/v1/readings", json={"readings": registers[:3]}, headers=headers
        )
        assert first.status_code == 202, first.text
        second = await sensors.post(
            "/v1/readings", json={"readings": registers[3:]}, headers=headers
        )
        assert second.status_code == 202, second.text
        results = first.json()["results"] + second.json()["results"]
        assert results[0]["flags"] == ["baseline"] and "reading_id" not in results[0]
        assert [r.get("flags") for r in results[1:]] == [None, None, ["reset"], None, ["gap"]]

        expected_kwh = Decimal("10.5") + Decimal("14.5") + 3 + Decimal("4.5") + 2
        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 5
        )
        assert totals["readings"] == 5
        assert totals["co2e_mg"] == int(expected_kwh * 15_000)
        reset = (await inventory.get(f"/v1/readings/{results[3]['reading_id']}")).json()
        assert Decimal(str(reset["activity_value"])) == 3
        assert reset["observed_at"].startswith(at[2].astimezone(UTC).isoformat()[:19])

        # A retry of the first batch: the same answers as duplicates, nothing new.
        again = await sensors.post(
            "/v1/readings", json={"readings": registers[:3]}, headers=headers
        )
        assert again.status_code == 207
        assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
        assert [r.get("reading_id") for r in again.json()["results"]] == [
            r.get("reading_id") for r in results[:3]
        ]
        # An old register reading never sent before cannot be split into published deltas.
        late = kwh(meter, at[1] + timedelta(minutes=5), 1012.0)
        r = await sensors.post("/v1/readings", json={"readings": [late]}, headers=headers)
        assert r.status_code == 422
        assert r.json()["results"][0]["problem"]["invalid-params"][0]["name"] == "/readings/0/time"

        activity = (await sensors.get(f"/v1/sensors/{meter}/activity")).json()
        assert (activity["accepted"], activity["duplicates"], activity["rejected"]) == (6, 3, 1)


async def test_an_interval_is_not_a_register_reading(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [CUMULATIVE_METER]
        )
        t = hour_ago()
        item = {
            "sensor_id": meter,
            "from": t.isoformat(),
            "to": (t + timedelta(minutes=15)).isoformat(),
            "value": 3,
            "unit": "kWh",
            "reading_id": str(uuid.uuid4()),
        }
        r = await sensors.post(
            "/v1/readings", json={"readings": [item]}, headers={"X-Api-Key": key}
        )
        assert r.status_code == 422
        assert r.json()["results"][0]["problem"]["invalid-params"][0]["name"] == "/readings/0/from"


async def test_two_replicas_advancing_one_meter_at_once_never_count_an_interval_twice(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with (
        service_client("sensors") as (_a, replica_a),
        service_client("sensors") as (_b, replica_b),
        service_client("inventory") as (_i, inventory),
    ):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            replica_a, admin_token, city, [CUMULATIVE_METER]
        )
        headers = {"X-Api-Key": key}
        t0 = hour_ago() - timedelta(hours=2)
        r = await replica_a.post(
            "/v1/readings", json={"readings": [kwh(meter, t0, 100.0)]}, headers=headers
        )
        assert r.status_code == 202
        deltas = 0
        for round_ in range(6):
            # Two consecutive register readings reach two replicas at the same moment.
            first = kwh(meter, t0 + timedelta(minutes=10 * round_ + 5), 105.0 + 10 * round_)
            second = kwh(meter, t0 + timedelta(minutes=10 * round_ + 10), 110.0 + 10 * round_)
            answers = await asyncio.gather(
                replica_a.post("/v1/readings", json={"readings": [first]}, headers=headers),
                replica_b.post("/v1/readings", json={"readings": [second]}, headers=headers),
            )
            statuses = [a.json()["results"][0]["status"] for a in answers]
            # The later reading is always accepted; the earlier one only if it came first
            # (after the later one it is out of order, never a second delta from the same state).
            assert statuses[1] == "accepted", statuses
            deltas += statuses.count("accepted")

        # Each round's deltas tile the register's history: all of them together add up to
        # exactly how far the register moved (100 to 160), whatever the interleaving.
        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= deltas
        )
        assert (totals["readings"], totals["co2e_mg"]) == (deltas, 60 * 15_000)
