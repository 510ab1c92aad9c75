"""Demo partners and signed MoUs for the three Norwegian mission cities, and Oslo's Climate
City Contract (``klimaby seed --demo``).

The organisations and people are fictional; their organisation numbers pass the MOD11 check
but were made up for the demo. Seeding is idempotent: a partner is known by its city and
organisation number, an MoU by its partner and title, so a second run adds nothing and stages
no event. Events go through the outbox and are published when the service runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.contracts.ccc.seed import seed_demo_ccc
from services.contracts.db import load_models, messaging
from services.contracts.mous import service as mous
from services.contracts.mous.repository import MouRepository
from services.contracts.mous.schemas import MouCreate, MouSign
from services.contracts.partners import service as partners
from services.contracts.partners.repository import PartnerRepository
from services.contracts.partners.schemas import PartnerCreate
from shared.auth import Principal
from shared.db import Database
from shared.events.payloads import HelixType
from shared.messaging.outbox import Outbox

SEEDER = Principal(subject="klimaby-seed", role="admin")


@dataclass(frozen=True)
class DemoPartner:
    city: str
    name: str
    organisation_number: str
    helix: HelixType
    mou_title: str
    signatory: str
    signed_on: date


DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "oslo", "Bjørvika Varme AS", "965807764", "business",
        "Klimapartnerskap: fossilfri fjernvarme innen 2030", "Kari Nordmann", date(2024, 3, 12),
    ),
    DemoPartner(
        "oslo", "Grønne Gater Oslo", "886236417", "civil_society",
        "Samarbeid om bilfrie nabolag i Gamle Oslo", "Per Aasen", date(2024, 4, 22),
    ),
    DemoPartner(
        "oslo", "Nordre Aker Forskningssenter", "977889456", "academia",
        "Forskningssamarbeid om sanntids klimaregnskap", "Mari Lunde", date(2024, 6, 3),
    ),
    DemoPartner(
        "trondheim", "Nidelv Energi AS", "957833144", "business",
        "Intensjonsavtale om utslippsfri byggeplass", "Ola Nordmann", date(2024, 2, 7),
    ),
    DemoPartner(
        "trondheim", "Trøndersk senter for klimateknologi", "902233334", "academia",
        "Felles testarena for smarte energimålere", "Sigrid Haugland", date(2024, 5, 15),
    ),
    DemoPartner(
        "trondheim", "Bymiljøforeningen Bakklandet", "989102117", "civil_society",
        "Innbyggerdialog om klimabudsjettet", "Anders Vik", date(2024, 9, 2),
    ),
    DemoPartner(
        "stavanger", "Vågen Havnelogistikk AS", "908779762", "business",
        "Landstrøm og utslippsfri havnedrift", "Ingeborg Sæle", date(2024, 1, 30),
    ),
    DemoPartner(
        "stavanger", "Rogaland Klimaforum", "909754364", "civil_society",
        "Klimapartnerskap for frivillige organisasjoner", "Tor Egeland", date(2024, 3, 18),
    ),
    DemoPartner(
        "stavanger", "Stavanger Byggdrift KF", "975675513", "public",
        "Energieffektivisering av kommunale bygg", "Hanne Rasmussen", date(2024, 8, 26),
    ),
)  # fmt: skip


async def seed(db: Database, demo: bool) -> None:
    """Contracts has no reference data; with ``demo`` it adds the partners and MoUs above."""
    if not demo:
        return
    load_models()
    outbox = Outbox(messaging, "contracts")
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
                    ),
                )
            mou = await mou_repo.get_by_title(partner.id, demo_partner.mou_title)
            if mou is None:
                mou = await mous.draft_mou(
                    session,
                    outbox,
                    SEEDER,
                    MouCreate(partner_id=partner.id, title=demo_partner.mou_title),
                )
            if mou.status == "drafted":
                await mous.sign_mou(
                    session,
                    outbox,
                    SEEDER,
                    mou.id,
                    MouSign(signatory=demo_partner.signatory, signed_on=demo_partner.signed_on),
                )
        # Oslo's Climate City Contract, with the partners above (services/contracts/ccc/seed.py).
        await seed_demo_ccc(session, outbox)
