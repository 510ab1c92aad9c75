"""Reading → activity → emissions. Pure functions, tested on their own.

Amounts are computed in Decimal and rounded once, per reading and factor, to whole milligrams
of CO2e (half-even), so that every sum downstream is exact and order-independent.

An interval reading (``time`` to ``interval_end``: an interval meter, or the delta of a
cumulative register) is spread over the UTC clock hours it covers, by duration: each hour gets a
**part**. The activity is split first (9 decimals, the rest to the last part), so the parts'
activity sums to the reading's; the parts that share a factor (one local year, or years that
fall back to the same factor) are weighed together, rounded once, and the milligrams split in
proportion to their activity with the remainder to the last part, so the parts sum exactly to
what the whole would weigh. A recalculation repeats exactly this on the stored parts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from services.inventory.accounting.decoding import AcceptedReading
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.units import UnitError, convert
from services.inventory.gpc.catalogue import scope_of as gpc_scope_of
from services.inventory.gpc.gases import ALREADY_CO2E, gwp
from shared.localtime import DEFAULT_TIME_ZONE, local_year, month_start_of

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


# Activity, Part and Accounted are read-only by convention, not frozen: a frozen dataclass
# sets each field through object.__setattr__, and building the three for every reading of a
# batch cost five times as much as plain slots (docs/performance.md).
@dataclass(slots=True)
class Activity:
    name: str
    value: Decimal
    unit: str


_ZERO = Decimal(0)
ACTIVITY_QUANTUM = Decimal("0.000000001")
"""Activity is stored with 9 decimals (Numeric(24, 9)); parts are split at that precision."""


@dataclass(slots=True)
class Part:
    """The share of a reading that falls in one UTC clock hour."""

    index: int
    hour: datetime
    start: datetime
    end: datetime
    local_year: int = 0
    activity_value: Decimal = Decimal(0)
    factor: EmissionFactor | None = None
    co2e_mg: int | None = None

    @property
    def status(self) -> str:
        return "accounted" if self.co2e_mg is not None else "no_factor"


@dataclass(slots=True)
class Accounted:
    reading: AcceptedReading
    hour: datetime
    scope: int
    activity: Activity | None
    factor: EmissionFactor | None
    co2e_mg: int | None
    bidding_zone: str | None = None
    parts: tuple[Part, ...] = ()

    @property
    def status(self) -> str:
        if self.activity is None:
            return "no_activity"
        if self.factor is None:
            return "no_factor"
        # A loop, not any() over a generator: read once per reading and batch, and nearly
        # every reading has one part.
        for p in self.parts:
            if p.co2e_mg is None:
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


def month_of(hour: datetime, tz: str = DEFAULT_TIME_ZONE) -> datetime:
    """The month a bucket's hour rolls up into: the first instant (UTC) of the city's local
    month that holds the hour (year-to-date and seasonal profiles)."""
    return month_start_of(hour.astimezone(UTC), tz)


def hour_slices(start: datetime, end: datetime | None) -> list[tuple[datetime, datetime]]:
    """The pieces of [start, end) cut at UTC clock hours; a point reading is one piece."""
    start = start.astimezone(UTC)
    if end is None or end.astimezone(UTC) <= start:
        return [(start, start)]
    end = end.astimezone(UTC)
    slices = []
    cursor = start
    while cursor < end:
        following = min(hour_of(cursor) + timedelta(hours=1), end)
        slices.append((cursor, following))
        cursor = following
    return slices


def split_activity(total: Decimal, weights: list[int]) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` at 9 decimals; the rest to the last part,
    so the parts sum exactly to the (9-decimal) total."""
    total = total.quantize(ACTIVITY_QUANTUM, rounding=ROUND_HALF_EVEN)
    whole = sum(weights)
    if len(weights) == 1 or whole <= 0:
        return [Decimal(0)] * (len(weights) - 1) + [total]
    parts = [
        (total * w / whole).quantize(ACTIVITY_QUANTUM, rounding=ROUND_DOWN) for w in weights[:-1]
    ]
    return [*parts, total - sum(parts, Decimal(0))]


def split_mg(total_mg: int, shares: list[Decimal]) -> list[int]:
    """Whole milligrams split in proportion to ``shares`` (floored); the remainder goes to the
    last part, so the parts sum exactly to ``total_mg``."""
    scaled = [int(s.scaleb(9)) for s in shares]
    whole = sum(scaled)
    if whole <= 0:
        return [0] * (len(shares) - 1) + [total_mg]
    parts = [total_mg * s // whole for s in scaled[:-1]]
    return [*parts, total_mg - sum(parts)]


def weigh_parts(activity: Activity, factor: EmissionFactor, shares: list[Decimal]) -> list[int]:
    """The mg of the parts that share one factor: their activity weighed together (rounded
    once), split in proportion to their activity. UnitError as ``emissions_mg``."""
    whole = Activity(activity.name, sum(shares, Decimal(0)), activity.unit)
    return split_mg(emissions_mg(whole, factor), shares)


def sector_of(gpc_reference: str) -> str:
    """The GPC sector (I … V) of a cell reference such as ``II.1.1``."""
    return gpc_reference.split(".", 1)[0]


def touched_sectors(
    buckets: Iterable[tuple[str, str, int, datetime]],
    now: datetime | None = None,
    time_zones: Mapping[str, str] | None = None,
) -> dict[str, set[str]]:
    """The GPC sectors per city among bucket keys (city, reference, scope, hour), optionally
    only those whose hour falls in the city's current local year at ``now``."""
    touched: dict[str, set[str]] = defaultdict(set)
    zones = time_zones or {}
    for city, ref, _scope, hour in buckets:
        tz = zones.get(city, DEFAULT_TIME_ZONE)
        if now is None or local_year(hour, tz) == local_year(now, tz):
            touched[city].add(sector_of(ref))
    return dict(touched)


def factor_regions(city: str, bidding_zone: str | None) -> list[str]:
    """Where a reading's factor is looked for, most specific first: a factor of the city
    itself (a district-heating plant serving it), its bidding zone, then Norway."""
    return [r for r in (city, bidding_zone, "NO") if r]


def activity_of(reading: AcceptedReading) -> Activity | None:
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
    return _weighed(value, FactorTerms.of(factor))


@dataclass(frozen=True, slots=True)
class FactorTerms:
    """What weighing by a factor reads from it, read once: an ORM attribute is a descriptor
    call, and a batch weighs thousands of readings by the same few factors."""

    value: Decimal
    mass_unit: str
    gwp: Decimal | None
    """The GWP-100 to weigh by; None for CO2 and factors already in CO2e."""
    activity_unit: str
    """The unit the factor is per (an activity in another unit is converted first)."""

    @classmethod
    def of(cls, factor: EmissionFactor) -> FactorTerms:
        potential = None
        if factor.gas not in ALREADY_CO2E and factor.gas != "CO2":
            potential = gwp(
                "AR6" if factor.gwp_set == "AR6" else "AR5", factor.gas, ch4_fossil=True
            )
        return cls(Decimal(factor.value), factor.mass_unit, potential, factor.activity_unit)


def _weighed(value: Decimal, terms: FactorTerms) -> int:
    # The same products in the same order as ever: the rounding sees the same Decimal.
    amount = value * terms.value * MG_PER[terms.mass_unit]
    if terms.gwp is not None:
        amount *= terms.gwp
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def account(
    reading: AcceptedReading,
    factors: FactorBook,
    city_bidding_zone: str | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Accounted:
    """Account one reading, spread over the hours it covers (see ``Accountant.account``)."""
    return Accountant(factors).account(reading, city_bidding_zone, time_zone)


class Accountant:
    """Accounts the readings of one batch against one factor book.

    What readings share is worked out once per batch, not once per reading: the factor of an
    (activity, regions, local year, GPC cell), the scope of a cell,
    the terms of a factor, whether a unit is already the factor's. Every amount is computed
    exactly as ``account`` always did; the caches only skip repeating the same lookups.
    """

    def __init__(self, factors: FactorBook) -> None:
        self.factors = factors
        self._found: dict[tuple[str, tuple[str, ...], int, str], EmissionFactor | None] = {}
        self._scopes: dict[str, int] = {}
        self._regions: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self._terms: dict[int, FactorTerms] = {}
        self._hours: dict[tuple[int, int, int, int, str], tuple[datetime, int]] = {}

    def account(
        self,
        reading: AcceptedReading,
        city_bidding_zone: str | None = None,
        time_zone: str = DEFAULT_TIME_ZONE,
    ) -> Accounted:
        """Account one reading, spread over the hours it covers. Electricity takes the
        location-based factor of the sensor's bidding zone (the city's when the sensor names
        none); each part takes the factor of its own local year (the city's calendar year of
        the part's hour), so a part, its bucket and the year-to-date agree."""
        activity = activity_of(reading)
        zone = reading.accounting.bidding_zone or city_bidding_zone
        regions = self._regions.get((reading.city, zone))
        if regions is None:
            regions = self._regions[(reading.city, zone)] = tuple(
                factor_regions(reading.city, zone)
            )
        start, end = reading.time.astimezone(UTC), reading.interval_end
        if end is None or end.astimezone(UTC) <= start:
            return self._account_point(reading, activity, start, zone, regions, time_zone)
        slices = hour_slices(reading.time, reading.interval_end)
        if activity is None:
            values = [Decimal(0)] * len(slices)
        elif len(slices) == 1:
            values = split_activity(activity.value, [0])
        else:
            values = split_activity(activity.value, [_micros(a, b) for a, b in slices])
        hours = [hour_of(a) for a, _b in slices]
        years = [local_year(h, time_zone) for h in hours]
        found: list[EmissionFactor | None] = [
            None
            if activity is None
            else self._find(activity.name, regions, year, reading.gpc_reference)
            for year in years
        ]
        mgs: list[int | None] = [None] * len(slices)
        if activity is not None:
            groups: dict[tuple[str, int], list[int]] = defaultdict(list)
            for i, factor in enumerate(found):
                if factor is not None:
                    groups[(factor.id, factor.version)].append(i)
            for indices in groups.values():
                factor = found[indices[0]]
                assert factor is not None
                try:
                    weighed = self._weigh_parts(activity, factor, [values[i] for i in indices])
                except UnitError:
                    # A factor per tonne cannot weigh kWh: recorded as waiting for a usable
                    # factor.
                    for i in indices:
                        found[i] = None
                    continue
                for i, mg in zip(indices, weighed, strict=True):
                    mgs[i] = mg
        parts = tuple(
            Part(
                index=i,
                hour=hours[i],
                start=a,
                end=b,
                local_year=years[i],
                activity_value=values[i],
                factor=found[i] if mgs[i] is not None else None,
                co2e_mg=mgs[i],
            )
            for i, (a, b) in enumerate(slices)
        )
        accounted = [mg for mg in mgs if mg is not None]
        whole = (
            None
            if activity is None
            else Activity(activity.name, sum(values, Decimal(0)), activity.unit)
        )
        scope = self._scopes.get(reading.gpc_reference)
        if scope is None:
            scope = self._scopes[reading.gpc_reference] = scope_of(reading.gpc_reference)
        return Accounted(
            reading=reading,
            hour=parts[0].hour,
            scope=scope,
            activity=whole,
            factor=parts[0].factor,
            co2e_mg=sum(accounted) if accounted else None,
            bidding_zone=zone,
            parts=parts,
        )

    def _account_point(
        self,
        reading: AcceptedReading,
        activity: Activity | None,
        start: datetime,
        zone: str | None,
        regions: tuple[str, ...],
        time_zone: str,
    ) -> Accounted:
        """A point reading (or an interval that ends where it starts): one part, in the hour of
        its time; the same figures as the general path gives for one slice, without its lists."""
        # The hour and its local year, once per batch for the readings of one hour: datetime's
        # replace() with keywords costs more than the rest of a point reading's calendar.
        known = self._hours.get(key := (start.year, start.month, start.day, start.hour, time_zone))
        if known is None:
            hour = start.replace(minute=0, second=0, microsecond=0)
            known = self._hours[key] = (hour, local_year(hour, time_zone))
        hour, year = known
        value = _ZERO
        factor: EmissionFactor | None = None
        mg: int | None = None
        if activity is not None:
            # split_activity and _weigh_parts for one share, without their lists and sums.
            value = activity.value.quantize(ACTIVITY_QUANTUM, rounding=ROUND_HALF_EVEN)
            factor = self._find(activity.name, regions, year, reading.gpc_reference)
            if factor is not None:
                try:
                    mg = self._weigh(activity.unit, factor, _ZERO + value)
                except UnitError:
                    factor = None
        if mg is None:
            factor = None
        # Positional arguments, in the fields' order: a slots dataclass built with keywords
        # costs three times as much, and a batch builds two per reading.
        part = Part(0, hour, start, start, year, value, factor, mg)
        scope = self._scopes.get(reading.gpc_reference)
        if scope is None:
            scope = self._scopes[reading.gpc_reference] = scope_of(reading.gpc_reference)
        return Accounted(
            reading,
            hour,
            scope,
            None if activity is None else Activity(activity.name, _ZERO + value, activity.unit),
            factor,
            mg,
            zone,
            (part,),
        )

    def _find(
        self, activity: str, regions: tuple[str, ...], year: int, gpc_reference: str
    ) -> EmissionFactor | None:
        key = (activity, regions, year, gpc_reference)
        if key in self._found:
            return self._found[key]
        factor = self._found[key] = self.factors.find(
            activity, regions, year, gpc_reference=gpc_reference
        )
        return factor

    def _weigh_parts(
        self, activity: Activity, factor: EmissionFactor, shares: list[Decimal]
    ) -> list[int]:
        """``weigh_parts`` with the factor's terms read once per batch."""
        total_mg = self._weigh(activity.unit, factor, sum(shares, Decimal(0)))
        return [total_mg] if len(shares) == 1 else split_mg(total_mg, shares)

    def _weigh(self, unit: str, factor: EmissionFactor, whole: Decimal) -> int:
        """The mg of ``whole`` (in ``unit``) under the factor, rounded once."""
        terms = self._terms.get(id(factor))
        if terms is None:
            terms = self._terms[id(factor)] = FactorTerms.of(factor)
        # A unit that is the factor's own needs no conversion (convert would return it as is).
        value = whole if unit == terms.activity_unit else convert(whole, unit, terms.activity_unit)
        return _weighed(value, terms)


def _micros(start: datetime, end: datetime) -> int:
    return (end - start) // timedelta(microseconds=1)
