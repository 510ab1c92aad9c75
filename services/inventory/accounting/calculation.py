"""Reading → activity → emissions. Pure functions, tested on their own.

Amounts are computed in Decimal and rounded once, per reading, to whole milligrams of CO2e
(half-even), so that every sum downstream is exact and order-independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.service import FactorBook
from shared.events.payloads import ReadingAccepted

MG_PER = {"g": Decimal(1_000), "kg": Decimal(1_000_000), "t": Decimal(1_000_000_000)}
CARRIER_ACTIVITY = {
    "electricity": "electricity_grid",
    "district_heating": "district_heating",
    "diesel": "diesel",
    "petrol": "petrol",
    "heating_oil": "heating_oil",
    "natural_gas": "natural_gas",
}
# GPC: the last number of an energy or transport reference is its scope; x.4 is scope 1
# (I.4.4, energy generation supplied to the grid).
SCOPE_OF_LAST = {"1": 1, "2": 2, "3": 3, "4": 1}


@dataclass(frozen=True)
class Activity:
    name: str
    value: Decimal
    unit: str


@dataclass(frozen=True)
class Accounted:
    reading: ReadingAccepted
    hour: datetime
    scope: int
    activity: Activity | None
    factor: EmissionFactor | None
    co2e_mg: int | None

    @property
    def status(self) -> str:
        if self.activity is None:
            return "no_activity"
        if self.factor is None:
            return "no_factor"
        return "accounted"


def scope_of(gpc_reference: str) -> int:
    last = gpc_reference.rsplit(".", 1)[-1]
    return SCOPE_OF_LAST.get(last, 1)


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def activity_of(reading: ReadingAccepted) -> Activity | None:
    """The activity data a reading measures, or None when its sensor lacks what is needed."""
    value = Decimal(str(reading.value))
    if reading.kind == "energy_meter":
        carrier = reading.accounting.energy_carrier or "electricity"
        unit = "L" if reading.quantity == "fuel_volume" else "kWh"
        return Activity(CARRIER_ACTIVITY[carrier], value, unit)
    if reading.kind == "traffic_counter":
        km = reading.accounting.road_segment_km
        if km is None:
            return None
        vehicle_class = reading.accounting.vehicle_class or "car"
        return Activity(f"road_{vehicle_class}", value * Decimal(str(km)), "vehicle-km")
    return None


def emissions_mg(activity: Activity, factor: EmissionFactor) -> int:
    amount = activity.value * Decimal(factor.value) * MG_PER[factor.mass_unit]
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def account(reading: ReadingAccepted, factors: FactorBook) -> Accounted:
    activity = activity_of(reading)
    factor = None
    mg = None
    if activity is not None:
        regions = [reading.city, reading.accounting.bidding_zone or "", "NO"]
        factor = factors.find(activity.name, [r for r in regions if r], reading.time.year)
        if factor is not None:
            mg = emissions_mg(activity, factor)
    return Accounted(
        reading=reading,
        hour=hour_of(reading.time),
        scope=scope_of(reading.gpc_reference),
        activity=activity,
        factor=factor,
        co2e_mg=mg,
    )
