"""The ingest path's screen (``_Screen.passes``) lets an item through exactly when ``_check``
and ``_plausible`` accept it, with the same value in the sensor's unit; every other item is
left to them, so its answer is theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.sensors.gateways.models import Gateway
from services.sensors.readings.events import SensorFacts
from services.sensors.readings.formats import Item
from services.sensors.readings.service import (
    Batch,
    IngestLimits,
    _check,
    _plausible,
    _Screen,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIMITS = IngestLimits(timedelta(seconds=300), timedelta(days=400))
GATEWAY = Gateway(id="gw_1", city="oslo", name="one", created_at=NOW)


def facts(**fields: object) -> SensorFacts:
    base: dict[str, object] = {
        "id": "gw_1.m",
        "gateway_id": "gw_1",
        "city": "oslo",
        "kind": "energy_meter",
        "quantity": "energy",
        "unit": "kWh",
        "value_type": "interval",
        "status": "active",
        "plausible_min": None,
        "plausible_max": None,
        "gpc_reference": "I.1.2",
        "energy_carrier": "electricity",
        "bidding_zone": None,
        "road_segment_km": None,
        "vehicle_class": None,
    }
    base.update(fields)
    return SensorFacts(**base)  # type: ignore[arg-type]


SENSORS = st.builds(
    facts,
    gateway_id=st.sampled_from(["gw_1", "gw_2"]),
    unit=st.sampled_from(["kWh", "L", "{vehicle}"]),
    value_type=st.sampled_from(["interval", "interval", "cumulative"]),
    status=st.sampled_from(["active", "active", "inactive"]),
    plausible_min=st.none() | st.floats(0, 10),
    plausible_max=st.none() | st.floats(5, 5000),
)
UNITS = st.sampled_from(["kWh", "Wh", "W.h", "MWh", "kwh", " kWh ", "L", "mL", "furlong", "J"])
OFFSETS = st.integers(-500 * 86400, 3600).map(lambda s: NOW + timedelta(seconds=s))


@st.composite
def items(draw: st.DrawFn) -> Item:
    value = draw(st.floats(0, 1e7, allow_nan=False))
    unit = draw(UNITS)
    if draw(st.booleans()):
        return Item(0, None, "gw_1.m", value, unit, time=draw(OFFSETS), base=("readings", 0))
    start = draw(OFFSETS)
    end = start + timedelta(seconds=draw(st.integers(1, 7200)))
    return Item(0, None, "gw_1.m", value, unit, start=start, end=end, base=("readings", 0))


@given(SENSORS, items())
def test_the_screen_passes_what_check_and_plausible_accept(sensor: SensorFacts, item: Item) -> None:
    screen = _Screen({"gw_1.m": sensor}, GATEWAY, LIMITS, NOW)
    batch = Batch([item])
    checked = _check(batch, item, sensor, GATEWAY, LIMITS, NOW)
    accepted = (
        checked is not None
        and sensor.value_type != "cumulative"
        and _plausible(batch, item, *checked)
    )
    passed = screen.passes(item)
    if accepted:
        assert passed == checked
    else:
        assert passed is None
    assert screen.passes(item) == passed  # the unit's factor, once cached


def test_an_unknown_sensor_is_left_to_check() -> None:
    item = Item(0, None, "nope", 1.0, "kWh", time=NOW, base=("readings", 0))
    assert _Screen({}, GATEWAY, LIMITS, NOW).passes(item) is None
