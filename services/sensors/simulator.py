"""A simulated city gateway for demos: energy meters follow a daily load profile, traffic
counters follow rush hours. It registers itself through the public API like a real installer
would (or, when the city has its simulated gateway from an earlier run, rotates its key and
keeps its sensors), then posts batches of readings stamped with the current time.

Before the live readings it backfills history through the same API (:func:`history`): one
interval reading per sensor and local day for the judged year's complete months and the same
months of the year before, this year's lower by each sensor's stated trend. That is what lets
the demo's Climate City Contract actions be judged (docs/contracts.md): the trends are the
demo's made-up data; the statuses are computed from them by the real pipeline.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from services.sensors.settings import Settings
from shared.auth import issue_token
from shared.observability import configure_logging

log = logging.getLogger("klimaby.simulator")
OSLO_TIME = ZoneInfo("Europe/Oslo")
ZONES = {"oslo": "NO1", "stavanger": "NO2", "trondheim": "NO3", "tromso": "NO4"}


@dataclass
class SimulatedSensor:
    sensor_id: str
    kind: str
    scale: float  # average kW for meters, peak vehicles per hour for counters
    trend: float = 1.0  # this year's activity / last year's, for the backfilled history


def load_profile(hour: float) -> float:
    """Relative electricity demand over a Norwegian winter day (1.0 = daily mean)."""
    morning = math.exp(-((hour - 8.0) ** 2) / 3.0)
    evening = math.exp(-((hour - 18.5) ** 2) / 5.0)
    night = 0.55
    return night + 0.6 * morning + 0.75 * evening


def traffic_profile(hour: float) -> float:
    """Share of peak traffic: rush hours around 07:30 and 16:00, quiet at night."""
    morning = math.exp(-((hour - 7.5) ** 2) / 1.2)
    afternoon = math.exp(-((hour - 16.0) ** 2) / 1.8)
    day = 0.35 if 6 <= hour <= 21 else 0.05
    return min(1.0, day + morning + afternoon)


# (registration, scale, trend): the trend is this year's activity over last year's in the
# backfilled history (the demo's made-up year-on-year change, not a measurement).
SENSOR_SPECS: list[tuple[dict[str, object], float, float]] = [
    (
        {
            "external_id": "feeder-residential",
            "kind": "energy_meter",
            "gpc_reference": "I.1.2",
            "energy_carrier": "electricity",
        },
        18_000.0,
        0.93,
    ),
    (
        {
            "external_id": "feeder-commercial",
            "kind": "energy_meter",
            "gpc_reference": "I.2.2",
            "energy_carrier": "electricity",
        },
        12_000.0,
        0.95,
    ),
    (
        {
            "external_id": "feeder-industry",
            "kind": "energy_meter",
            "gpc_reference": "I.3.2",
            "energy_carrier": "electricity",
        },
        8_000.0,
        0.97,
    ),
    (
        # The municipal buildings' meters: a coverage group, which a MEL indicator of Oslo's
        # demo CCC (IND-BE-2) follows live.
        {
            "external_id": "kommunale-bygg",
            "kind": "energy_meter",
            "gpc_reference": "I.2.2",
            "energy_carrier": "electricity",
            "coverage_group": "kommunale-bygg",
        },
        2_500.0,
        0.94,
    ),
    (
        {
            "external_id": "ring-road-cars",
            "kind": "traffic_counter",
            "gpc_reference": "II.1.1",
            "road_segment_km": 1.8,
            "vehicle_class": "car",
        },
        5_500.0,
        0.95,
    ),
    (
        {
            "external_id": "bus-corridor",
            "kind": "traffic_counter",
            "gpc_reference": "II.1.1",
            "road_segment_km": 2.4,
            "vehicle_class": "bus",
        },
        90.0,
        0.97,
    ),
]


REGISTER_ATTEMPTS = 120


async def register(
    client: httpx.AsyncClient, token: str, city: str
) -> tuple[str, list[SimulatedSensor]]:
    """The city's simulated gateway and sensors: the ones of an earlier run (with a rotated
    key, so its history's deterministic reading ids are answered as duplicates), else new."""
    auth = {"Authorization": f"Bearer {token}"}
    name = f"Simulated gateway {city}"
    gateway_body = {"city": city, "name": name}
    # The sensors service learns cities from the inventory's city.registered events: right
    # after start-up it may not know them yet (404). Wait for it, within a bound.
    for _ in range(REGISTER_ATTEMPTS):
        r = await client.get("/v1/gateways", params={"city": city, "q": name}, headers=auth)
        known = [g for g in r.json() if g["name"] == name] if r.status_code == 200 else []
        if known:
            gateway_id = known[0]["id"]
            r = await client.post(f"/v1/gateways/{gateway_id}/keys", json={}, headers=auth)
            r.raise_for_status()
            api_key = r.json()["api_key"]
            break
        r = await client.post("/v1/gateways", json=gateway_body, headers=auth)
        if r.status_code != 404:
            r.raise_for_status()
            gateway_id, api_key = r.json()["id"], r.json()["api_key"]
            break
        await asyncio.sleep(1)
    r.raise_for_status()
    r = await client.get("/v1/sensors", params={"gateway_id": gateway_id}, headers=auth)
    r.raise_for_status()
    existing = {s["external_id"]: s["id"] for s in r.json()}
    sensors = []
    for spec, scale, trend in SENSOR_SPECS:
        sensor_id = existing.get(str(spec["external_id"]))
        if sensor_id is None:
            body: dict[str, object] = dict(spec)
            if body["kind"] == "energy_meter" and city in ZONES:
                body["bidding_zone"] = ZONES[city]
            r = await client.post(f"/v1/gateways/{gateway_id}/sensors", json=body, headers=auth)
            r.raise_for_status()
            sensor_id = r.json()["id"]
        sensors.append(SimulatedSensor(sensor_id, str(spec["kind"]), scale, trend))
    return api_key, sensors


def history_days(now: datetime) -> list[datetime]:
    """The local midnights of the days to backfill: the judged year's complete months (all of
    last year during January, as contracts judges) and the same months of the year before."""
    local = now.astimezone(OSLO_TIME)
    year, months = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    days = []
    for y in (year - 1, year):
        day = datetime(y, 1, 1, tzinfo=OSLO_TIME)
        while day.year == y and day.month <= months:
            days.append(day)
            day = (day + timedelta(days=1, hours=3)).replace(hour=0)  # over DST changes too
    return days


def history_readings(
    sensors: list[SimulatedSensor], days: list[datetime], this_year: int
) -> list[dict[str, object]]:
    """One interval reading per sensor and local day: the day's mean by the profiles, winter
    higher for meters; this year's days scaled by each sensor's trend (deterministic)."""
    out: list[dict[str, object]] = []
    meter_day = sum(load_profile(h + 0.5) for h in range(24))
    traffic_day = sum(traffic_profile(h + 0.5) for h in range(24))
    for day in days:
        end = (day + timedelta(days=1, hours=3)).replace(hour=0)
        hours = (end - day).total_seconds() / 3600
        season = 1.0 + 0.35 * math.cos((day.timetuple().tm_yday - 15) / 365 * 2 * math.pi)
        for s in sensors:
            trend = s.trend if day.year == this_year else 1.0
            if s.kind == "energy_meter":
                value: float = round(s.scale * meter_day / 24 * hours * season * trend, 3)
                unit = "kWh"
            else:
                value = round(s.scale * traffic_day / 24 * hours * trend)
                unit = "{vehicle}"
            out.append(
                {
                    "sensor_id": s.sensor_id,
                    "from": day.astimezone(UTC).isoformat(),
                    "to": end.astimezone(UTC).isoformat(),
                    "value": value,
                    "unit": unit,
                }
            )
    return out


async def post_batch(
    client: httpx.AsyncClient, api_key: str, batch: list[dict[str, object]]
) -> dict[str, int]:
    """Post one batch, retried on 5xx; the answer's counts (accepted, duplicates, rejected)."""
    for attempt in range(5):
        try:
            r = await client.post(
                "/v1/readings", json={"readings": batch}, headers={"X-Api-Key": api_key}
            )
            if r.status_code < 500:
                answer = r.json() if r.status_code in (202, 207) else {}
                return {k: int(answer.get(k, 0)) for k in ("accepted", "duplicates", "rejected")}
            retry = float(r.headers.get("Retry-After", "1"))
        except httpx.HTTPError as exc:
            log.warning("post failed: %s", exc)
            retry = 1.0
        # The same readings again: the service answers duplicates for any it took.
        await asyncio.sleep(retry * (attempt + 1))
    return {}


async def history(
    client: httpx.AsyncClient, api_key: str, sensors: list[SimulatedSensor], now: datetime
) -> dict[str, int]:
    """Backfill the history (see the module's docstring); the service's counts summed."""
    days = history_days(now)
    readings = history_readings(sensors, days, days[-1].year if days else now.year)
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    for i in range(0, len(readings), HISTORY_BATCH):
        answer = await post_batch(client, api_key, readings[i : i + HISTORY_BATCH])
        for k, v in answer.items():
            totals[k] += v
    return totals


HISTORY_BATCH = 500


def readings_for(
    sensors: list[SimulatedSensor], now: datetime, interval_s: float, rng: random.Random
) -> list[dict[str, object]]:
    local = now.astimezone(OSLO_TIME)
    hour = local.hour + local.minute / 60
    out: list[dict[str, object]] = []
    for s in sensors:
        if s.kind == "energy_meter":
            kwh = s.scale * load_profile(hour) * interval_s / 3600 * rng.uniform(0.9, 1.1)
            out.append(
                {
                    "sensor_id": s.sensor_id,
                    "time": now.isoformat(),
                    "value": round(kwh, 3),
                    "unit": "kWh",
                }
            )
        else:
            expected = s.scale * traffic_profile(hour) * interval_s / 3600
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            out.append(
                {
                    "sensor_id": s.sensor_id,
                    "time": now.isoformat(),
                    "value": count,
                    "unit": "{vehicle}",
                }
            )
    return out


async def run_simulator(
    sensors_url: str,
    cities: list[str],
    interval_s: float,
    iterations: int | None = None,
    history_cities: list[str] | None = None,
) -> None:
    settings = Settings()
    configure_logging("simulator", settings.log_level, settings.log_json)
    token = issue_token(
        settings.auth_secret.get_secret_value(), "simulated-gateway-installer", "admin"
    )
    rng = random.Random(2030)
    async with httpx.AsyncClient(base_url=sensors_url, timeout=60) as client:
        gateways = {city: await register(client, token, city) for city in cities}
        log.info("registered gateways for %s", ", ".join(cities))
        for city in history_cities or []:
            if city in gateways:
                counts = await history(client, *gateways[city], datetime.now(UTC))
                # Rejected ones are usually older than SENSORS_HISTORY_HORIZON_DAYS.
                log.info(
                    "history of %s: %d accepted, %d duplicates, %d rejected",
                    city,
                    counts["accepted"],
                    counts["duplicates"],
                    counts["rejected"],
                )
        done = 0
        while iterations is None or done < iterations:
            now = datetime.now(UTC)
            for _city, (api_key, sensors) in gateways.items():
                await post_batch(client, api_key, readings_for(sensors, now, interval_s, rng))
            done += 1
            await asyncio.sleep(interval_s)
