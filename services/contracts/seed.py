"""Reference data and demo data of contracts (``klimaby seed [--demo]``), Oslo's Climate City
Contract among the demo data.

Every deployment: the four reference cities the inventory registers (Oslo, Trondheim,
Stavanger, Tromsø), so contracts knows them before its consumer of ``city.registered`` has
caught up; the consumer refreshes them (and learns every other city) from the events.

With ``--demo``: partners of the three mission cities, each with an MoU proposed by the city,
its commitments, signed by both sides and active, and yearly climate accounts for some. The
organisations and people are fictional; their organisation numbers pass the MOD11 check but
were made up for the demo. Seeding is idempotent: a partner is known by its city and
organisation number, an MoU by its partner and title, an account by its partner and year, so a
second run adds nothing and stages no event. Events go through the outbox and are published
when the service runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from services.contracts.ccc.seed import seed_demo_ccc
from services.contracts.cities.service import learn_city
from services.contracts.climate_accounts import service as accounts
from services.contracts.climate_accounts.repository import ClimateAccountRepository
from services.contracts.climate_accounts.schemas import ClimateAccountIn, Scope3In
from services.contracts.commitments.schemas import CommitmentCreate, SectorReductionIn
from services.contracts.db import load_models, messaging
from services.contracts.mous import service as mous
from services.contracts.mous.repository import MouRepository
from services.contracts.mous.schemas import MouCreate, MouSign, MouTransitionRequest
from services.contracts.partners import service as partners
from services.contracts.partners.models import Partner
from services.contracts.partners.repository import PartnerRepository
from services.contracts.partners.schemas import Contact, PartnerCreate
from shared.auth import Principal
from shared.db import Database
from shared.events.payloads import CityRegistered, GpcSector, HelixType, MouTier
from shared.messaging.outbox import Outbox

SEEDER = Principal(subject="klimaby-seed", role="admin")

REFERENCE_CITIES = (
    CityRegistered(city="oslo", name="Oslo", bidding_zone="NO1", mission_city=True),
    CityRegistered(city="trondheim", name="Trondheim", bidding_zone="NO3", mission_city=True),
    CityRegistered(city="stavanger", name="Stavanger", bidding_zone="NO2", mission_city=True),
    CityRegistered(city="tromso", name="Tromsø", bidding_zone="NO4", mission_city=False),
)
"""The same cities as the inventory's reference data (services/inventory/seed.py)."""

CITY_SIGNATORIES = {
    "oslo": "Lise Berg, byrådsleder",
    "trondheim": "Kjell Moe, ordfører",
    "stavanger": "Sissel Vik, ordfører",
}


@dataclass(frozen=True)
class DemoCommitment:
    description: str
    due_by: date
    sector: GpcSector
    tco2e: str
    investment_nok: int | None = None


@dataclass(frozen=True)
class DemoAccount:
    year: int
    scope1: str
    scope2_location: str
    scope2_market: str
    scope3: dict[int, str]


@dataclass(frozen=True)
class DemoPartner:
    city: str
    name: str
    organisation_number: str
    helix: HelixType
    mou_title: str
    signatory: str
    signed_on: date
    tier: MouTier = "partner"
    commitments: tuple[DemoCommitment, ...] = ()
    accounts: tuple[DemoAccount, ...] = ()


def _c(
    description: str, due: int, sector: GpcSector, tco2e: str, nok: int | None = None
) -> DemoCommitment:
    return DemoCommitment(description, date(due, 12, 31), sector, tco2e, nok)


DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "oslo", "Bjørvika Varme AS", "965807764", "business",
        "Klimapartnerskap: fossilfri fjernvarme innen 2030", "Kari Nordmann", date(2024, 3, 12),
        commitments=(
            _c("Fase ut fossil spisslast i fjernvarmen", 2027, "I", "12000", 180_000_000),
            _c("Elektrifisere egen bilpark", 2025, "II", "150"),
        ),
        accounts=(
            DemoAccount(2022, "14800", "310", "4100", {1: "2200", 6: "45"}),
            DemoAccount(2023, "13900", "280", "3900", {1: "2100", 6: "40"}),
            DemoAccount(2024, "12100", "265", "3700", {1: "2050", 6: "38"}),
        ),
    ),
    DemoPartner(
        "oslo", "Grønne Gater Oslo", "886236417", "civil_society",
        "Samarbeid om bilfrie nabolag i Gamle Oslo", "Per Aasen", date(2024, 4, 22),
        tier="supporter",
    ),
    DemoPartner(
        "oslo", "Nordre Aker Forskningssenter", "977889456", "academia",
        "Forskningssamarbeid om sanntids klimaregnskap", "Mari Lunde", date(2024, 6, 3),
        commitments=(_c("Halvere flyreiser per ansatt", 2026, "II", "85"),),
        accounts=(
            DemoAccount(2023, "40", "95", "1300", {6: "410", 7: "120"}),
            DemoAccount(2024, "38", "90", "1250", {6: "350", 7: "115"}),
        ),
    ),
    DemoPartner(
        "trondheim", "Nidelv Energi AS", "957833144", "business",
        "Intensjonsavtale om utslippsfri byggeplass", "Ola Nordmann", date(2024, 2, 7),
        commitments=(_c("Utslippsfrie anleggsmaskiner på alle egne byggeplasser", 2028, "II", "2400", 35_000_000),),
    ),
    DemoPartner(
        "trondheim", "Trøndersk senter for klimateknologi", "902233334", "academia",
        "Felles testarena for smarte energimålere", "Sigrid Haugland", date(2024, 5, 15),
        commitments=(_c("Smarte målere i 200 kommunale bygg", 2026, "I", "600"),),
    ),
    DemoPartner(
        "trondheim", "Bymiljøforeningen Bakklandet", "989102117", "civil_society",
        "Innbyggerdialog om klimabudsjettet", "Anders Vik", date(2024, 9, 2),
        tier="supporter",
    ),
    DemoPartner(
        "stavanger", "Vågen Havnelogistikk AS", "908779762", "business",
        "Landstrøm og utslippsfri havnedrift", "Ingeborg Sæle", date(2024, 1, 30),
        commitments=(_c("Landstrøm på alle kaier for hurtigbåt og cruise", 2027, "II", "9500", 240_000_000),),
        accounts=(
            DemoAccount(2023, "21000", "150", "2000", {4: "3100"}),
            DemoAccount(2024, "20400", "160", "2100", {4: "3000"}),
        ),
    ),
    DemoPartner(
        "stavanger", "Rogaland Klimaforum", "909754364", "civil_society",
        "Klimapartnerskap for frivillige organisasjoner", "Tor Egeland", date(2024, 3, 18),
        tier="supporter",
    ),
    DemoPartner(
        "stavanger", "Stavanger Byggdrift KF", "975675513", "public",
        "Energieffektivisering av kommunale bygg", "Hanne Rasmussen", date(2024, 8, 26),
        commitments=(_c("Redusere energibruken i kommunale bygg med 20 %", 2029, "I", "1800", 90_000_000),),
    ),
)  # fmt: skip


def partner_principal(partner: Partner) -> Principal:
    """The partner's own credential: only it signs the partner's side."""
    return Principal(
        subject=f"klimaby-seed:partner:{partner.id}",
        role="partner",
        city=partner.city,
        partner=str(partner.id),
    )


def _commitment(c: DemoCommitment) -> CommitmentCreate:
    return CommitmentCreate(
        kind="investment" if c.investment_nok else "action",
        description=c.description,
        due_by=c.due_by,
        investment_nok=c.investment_nok,
        expected_reductions=[SectorReductionIn(sector=c.sector, tco2e=Decimal(c.tco2e))],
    )


async def seed(db: Database, demo: bool) -> None:
    load_models()
    outbox = Outbox(messaging, "contracts")
    async with db.transaction() as session:
        now = datetime.now(UTC)
        for city in REFERENCE_CITIES:
            await learn_city(session, city, now)
    if not demo:
        return
    async with db.transaction() as session:
        partner_repo = PartnerRepository(session)
        mou_repo = MouRepository(session)
        for demo_partner in DEMO_PARTNERS:
            partner = await partner_repo.get_by_organisation_number(
                demo_partner.city, demo_partner.organisation_number
            )
            if partner is None:
                partner = await partners.register_partner(
                    session,
                    outbox,
                    PartnerCreate(
                        city=demo_partner.city,
                        name=demo_partner.name,
                        organisation_number=demo_partner.organisation_number,
                        helix=demo_partner.helix,
                        contact=Contact(
                            name=demo_partner.signatory,
                            email=f"klima@{demo_partner.organisation_number}.example.no",
                        ),
                    ),
                )
            mou = await mou_repo.get_by_title(partner.id, demo_partner.mou_title)
            if mou is None:
                start = demo_partner.signed_on
                mou = await mous.draft_mou(
                    session,
                    outbox,
                    SEEDER,
                    MouCreate(
                        partner_id=partner.id,
                        title=demo_partner.mou_title,
                        tier=demo_partner.tier,
                        period_start=start,
                        period_end=date(2030, 12, 31),
                        text=f"{demo_partner.name} og {demo_partner.city.title()} kommune "
                        "samarbeider om å nå målet om klimanøytralitet innen 2030.",
                        commitments=[_commitment(c) for c in demo_partner.commitments],
                    ),
                )
            signed_sides = {s.side for s in await mou_repo.signatures([mou.id])}
            if mou.status == "proposed" and "partner" not in signed_sides:
                await mous.sign_mou(
                    session,
                    outbox,
                    partner_principal(partner),
                    mou.id,
                    MouSign(signatory=demo_partner.signatory, signed_on=demo_partner.signed_on),
                )
            if mou.status == "proposed" and "city" not in signed_sides:
                await mous.sign_mou(
                    session,
                    outbox,
                    SEEDER,
                    mou.id,
                    MouSign(
                        signatory=CITY_SIGNATORIES[demo_partner.city],
                        signed_on=demo_partner.signed_on,
                    ),
                )
            if mou.status == "signed":
                await mous.transition(
                    session,
                    outbox,
                    SEEDER,
                    mou.id,
                    MouTransitionRequest(status="active", note="i kraft fra signering"),
                )
            for account in demo_partner.accounts:
                if await ClimateAccountRepository(session).get(partner.id, account.year):
                    continue
                await accounts.report(
                    session,
                    outbox,
                    partner_principal(partner),
                    partner.id,
                    account.year,
                    ClimateAccountIn(
                        scope1_tco2e=Decimal(account.scope1),
                        scope2_location_tco2e=Decimal(account.scope2_location),
                        scope2_market_tco2e=Decimal(account.scope2_market),
                        scope3=[
                            Scope3In(category=c, tco2e=Decimal(t))
                            for c, t in account.scope3.items()
                        ],
                        gases=["CO2", "CH4", "N2O"],
                        method="GHG Protocol Corporate Standard",
                        tool="Klimakost",
                        verification="self_declared",
                        published=True,
                    ),
                )
        # Oslo's Climate City Contract, with the partners above (services/contracts/ccc/seed.py).
        await seed_demo_ccc(session, outbox)
