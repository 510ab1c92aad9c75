"""Reference data every deployment needs: the cities and the Norwegian reference factors
(with their sources and years, from the domain brief). Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.inventory.cities.repository import CityRepository
from services.inventory.cities.schemas import CityCreate
from services.inventory.cities.service import register_city
from services.inventory.db import messaging
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.schemas import FactorCreate
from services.inventory.factors.service import SPEC_FIELDS
from shared.db import Database
from shared.messaging.outbox import Outbox

CITIES = [
    CityCreate(slug="oslo", name="Oslo", bidding_zone="NO1", mission_city=True),
    CityCreate(slug="trondheim", name="Trondheim", bidding_zone="NO3", mission_city=True),
    CityCreate(slug="stavanger", name="Stavanger", bidding_zone="NO2", mission_city=True),
    CityCreate(slug="tromso", name="Tromsø", bidding_zone="NO4", mission_city=False),
]

SCOPE2_ENERGY = [
    "I.1.2",
    "I.2.2",
    "I.3.2",
    "I.4.2",
    "I.5.2",
    "I.6.2",
    "II.1.2",
    "II.2.2",
    "II.3.2",
    "II.4.2",
    "II.5.2",
]
NVE = "NVE, climate declaration for physically delivered electricity"
NVE_REF = "https://www.nve.no/energi/energisystem/energibruk-effektivisering-og-klimatiltak/klimadeklarasjon-for-fysisk-levert-strom/"
MDIR = "Miljødirektoratet, conversion factors for fuels"
SSB = "SSB KOSTRA, emission factors for energy use"


def _factor(
    fid: str,
    name: str,
    activity: str,
    refs: list[str],
    unit: str,
    gas: str,
    value: str,
    mass: str,
    year: int,
    source: str,
    gwp: str | None = None,
    reference: str | None = None,
) -> EmissionFactor:
    return EmissionFactor(
        id=fid,
        version=1,
        name=name,
        activity=activity,
        gpc_references=refs,
        activity_unit=unit,
        gas=gas,
        value=Decimal(value),
        mass_unit=mass,
        gwp_set=gwp,
        region="NO",
        valid_from_year=year,
        valid_to_year=None,
        source=source,
        source_reference=reference,
        is_current=True,
        created_at=datetime.now(UTC),
        created_by="seed",
    )


def reference_factors() -> list[EmissionFactor]:
    """The reference factors; a factor superseded by a newer year's (same activity, region and
    gas) ends the year before it (``valid_to_year``)."""
    factors = _reference_factors()
    for f in factors:
        newer = [
            g.valid_from_year
            for g in factors
            if (g.activity, g.region, g.gas) == (f.activity, f.region, f.gas)
            and g.valid_from_year > f.valid_from_year
        ]
        if newer:
            f.valid_to_year = min(newer) - 1
    return factors


def _reference_factors() -> list[EmissionFactor]:
    grid = [
        _factor(
            f"no-grid-location-{year}",
            f"Norwegian grid electricity, location-based {year}",
            "electricity_grid",
            SCOPE2_ENERGY,
            "kWh",
            "CO2e",
            value,
            "g",
            year,
            NVE,
            "AR5",
            NVE_REF,
        )
        for year, value in ((2019, "17"), (2020, "8"), (2022, "19"), (2023, "15"))
    ]
    return [
        *grid,
        _factor(
            "no-residual-mix-2020",
            "Norwegian residual mix (market-based) 2020",
            "electricity_residual_mix",
            SCOPE2_ENERGY,
            "kWh",
            "CO2",
            "402",
            "g",
            2020,
            NVE,
        ),
        _factor(
            "no-diesel",
            "Diesel, per litre",
            "diesel",
            ["I.1.1", "I.2.1", "I.3.1", "II.1.1", "II.3.1", "II.5.1"],
            "L",
            "CO2",
            "2.66",
            "kg",
            2019,
            MDIR,
        ),
        _factor(
            "no-petrol",
            "Petrol, per litre",
            "petrol",
            ["II.1.1", "II.3.1", "II.5.1"],
            "L",
            "CO2",
            "2.32",
            "kg",
            2019,
            MDIR,
        ),
        _factor(
            "no-heating-oil",
            "Heating oil, per kWh",
            "heating_oil",
            ["I.1.1", "I.2.1", "I.3.1", "I.5.1", "I.6.1"],
            "kWh",
            "CO2",
            "264.5",
            "g",
            2019,
            SSB,
        ),
        _factor(
            "no-natural-gas",
            "Natural gas, per kWh",
            "natural_gas",
            ["I.1.1", "I.2.1", "I.3.1", "I.4.1", "I.5.1", "I.6.1"],
            "kWh",
            "CO2",
            "201.8",
            "g",
            2019,
            SSB,
        ),
        _factor(
            "no-road-car",
            "Passenger car, per vehicle-km (SSB 2019 per passenger-km x occupancy)",
            "road_car",
            ["II.1.1"],
            "vehicle-km",
            "CO2e",
            "112",
            "g",
            2019,
            "Derived from SSB 2019",
            gwp="AR5",
        ),
        _factor(
            "no-road-van",
            "Van, per vehicle-km (derived from SSB 2019)",
            "road_van",
            ["II.1.1"],
            "vehicle-km",
            "CO2e",
            "153",
            "g",
            2019,
            "Derived from SSB 2019",
            gwp="AR5",
        ),
        _factor(
            "no-road-bus",
            "Bus, per vehicle-km (derived from SSB 2019)",
            "road_bus",
            ["II.1.1"],
            "vehicle-km",
            "CO2e",
            "613",
            "g",
            2019,
            "Derived from SSB 2019",
            gwp="AR5",
        ),
    ]


async def seed(db: Database, demo: bool = False) -> None:
    outbox = Outbox(messaging, "inventory")
    async with db.transaction() as session:
        cities = CityRepository(session)
        for city in CITIES:
            if await cities.get(city.slug) is None:
                await register_city(session, outbox, city)
        factors = FactorRepository(session)
        for factor in reference_factors():
            # By id, not (id, version): once revised, a reference factor lives on in its newer
            # versions and must not be seeded again as a second current version 1.
            if not await factors.exists(factor.id):
                # Seeds obey the API's rules: a factor the API would refuse is never seeded.
                FactorCreate.model_validate(
                    {name: getattr(factor, name) for name in ("id", *SPEC_FIELDS)}
                )
                factors.add(factor)
        if demo:
            # Imported here: the demo reads the inventory services, which import the seed's
            # neighbours; reference data alone needs none of them.
            from services.inventory.demo import seed_demo

            await session.flush()
            await seed_demo(session, outbox)
