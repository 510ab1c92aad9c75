"""Reading → activity → emissions. Pure functions, tested on their own.

Amounts are computed in Decimal and rounded once, per reading, to whole milligrams of CO2e
(half-even), so that every sum downstream is exact and order-independent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.units import UnitError, convert
from services.inventory.gpc.catalogue import scope_of as gpc_scope_of
from services.inventory.gpc.gases import ALREADY_CO2E, gwp
from shared.events.payloads import ReadingAccepted

if TYPE_CHECKING:
    # Only a type here: the factor library imports the recalculation, which imports this.
    from services.inventory.factors.service import FactorBook

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
    bidding_zone: str | None = None

    @property
    def status(self) -> str:
        if self.activity is None:
            return "no_activity"
        if self.factor is None:
            return "no_factor"
        return "accounted"


def scope_of(gpc_reference: str) -> int:
    known = gpc_scope_of(gpc_reference)
    if known is not None:
        return known
    last = gpc_reference.rsplit(".", 1)[-1]
    return SCOPE_OF_LAST.get(last, 1)


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def month_of(hour: datetime) -> datetime:
    """The UTC month a bucket's hour rolls up into (year-to-date and seasonal profiles)."""
    return hour.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def sector_of(gpc_reference: str) -> str:
    """The GPC sector (I … V) of a cell reference such as ``II.1.1``."""
    return gpc_reference.split(".", 1)[0]


def touched_sectors(
    buckets: Iterable[tuple[str, str, int, datetime]], year: int | None = None
) -> dict[str, set[str]]:
    """The GPC sectors per city among bucket keys (city, reference, scope, hour), optionally
    only those whose hour falls in ``year``."""
    touched: dict[str, set[str]] = defaultdict(set)
    for city, ref, _scope, hour in buckets:
        if year is None or hour.year == year:
            touched[city].add(sector_of(ref))
    return dict(touched)


def factor_regions(city: str, bidding_zone: str | None) -> list[str]:
    """Where a reading's factor is looked for, most specific first: a factor of the city
    itself (a district-heating plant serving it), its bidding zone, then Norway."""
    return [r for r in (city, bidding_zone, "NO") if r]


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
    """CO2e of ``activity`` under ``factor``, in whole milligrams (one half-even rounding).

    The activity is converted to the factor's unit first (a factor may be per MWh while meters
    count kWh); UnitError when the two measure different things. A factor of a single gas other
    than CO2 is weighted by the GWP-100 of its set (AR5 when it names none); methane counts as
    fossil, since live readings measure fuel and energy use.
    """
    value = convert(activity.value, activity.unit, factor.activity_unit)
    amount = value * Decimal(factor.value) * MG_PER[factor.mass_unit]
    if factor.gas not in ALREADY_CO2E and factor.gas != "CO2":
        amount *= gwp("AR6" if factor.gwp_set == "AR6" else "AR5", factor.gas, ch4_fossil=True)
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def account(
    reading: ReadingAccepted, factors: FactorBook, city_bidding_zone: str | None = None
) -> Accounted:
    """Account one reading. Electricity takes the location-based factor of the sensor's bidding
    zone (the city's when the sensor names none) and of the reading's year; the year is the UTC
    year of the reading's hour, so a reading, its bucket and the year-to-date agree."""
    activity = activity_of(reading)
    hour = hour_of(reading.time)
    zone = reading.accounting.bidding_zone or city_bidding_zone
    factor = None
    mg = None
    if activity is not None:
        factor = factors.find(
            activity.name,
            factor_regions(reading.city, zone),
            hour.year,
            gpc_reference=reading.gpc_reference,
        )
        if factor is not None:
            try:
                mg = emissions_mg(activity, factor)
            except UnitError:
                # A factor per tonne cannot weigh kWh: recorded as waiting for a usable factor.
                factor = None
    return Accounted(
        reading=reading,
        hour=hour,
        scope=scope_of(reading.gpc_reference),
        activity=activity,
        factor=factor,
        co2e_mg=mg,
        bidding_zone=zone,
    )
