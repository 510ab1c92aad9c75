"""Demo data of the inventory (``klimaby seed --demo``, and so ``make run``): Oslo's published
2022 inventory and its target, so that the live figures, the budget pace and the hub have the
context a climate officer would see. The figures are rounded illustrations in the magnitude of
Oslo's reported emissions, not Oslo's official inventory; cells without a figure say NE with the
reason. Idempotent: nothing is added when Oslo already has a 2022 inventory."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.gpc.catalogue import CELLS
from services.inventory.imports.service import import_inventory
from services.inventory.inventories import service as inventories
from services.inventory.inventories.repository import InventoryRepository
from services.inventory.targets.schemas import InventoryBaseline, TargetCreate
from services.inventory.targets.service import current_target, set_target
from shared.auth import Principal
from shared.messaging.outbox import Outbox

SEEDER = Principal(subject="klimaby-seed", role="admin")
DEMO_CITY = "oslo"
DEMO_YEAR = 2022
SOURCE = "Klimaby demo data (illustrative figures, not an official inventory)"

# tCO2 per BASIC cell; every other BASIC cell is NE (not estimated in the demo).
DEMO_TONNES: dict[str, str] = {
    "I.1.1": "12000",  # residential heating oil and gas
    "I.1.2": "52000",  # residential grid electricity and district heat
    "I.2.1": "9000",
    "I.2.2": "61000",  # commercial and institutional buildings
    "I.3.1": "48000",
    "I.3.2": "18000",
    "I.4.1": "21000",
    "II.1.1": "452000",  # road traffic
    "II.1.2": "2500",  # charging of buses and cars
    "II.2.2": "1200",  # trams and metro
    "II.3.1": "61000",  # ferries and port
    "II.5.1": "98000",  # construction machinery
    "III.1.1": "14000",  # landfill
    "III.3.1": "185000",  # waste incineration
    "III.4.1": "6000",  # wastewater
}


def demo_table() -> str:
    """The demo inventory as a GPC-table CSV: it goes in as any city's file would."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ("gpc_reference", "CO2", "notation_key", "justification", "data_source", "method")
    )
    for cell in CELLS:
        if not cell.required_for("BASIC"):
            continue
        tonnes = DEMO_TONNES.get(cell.reference)
        if tonnes is not None:
            writer.writerow((cell.reference, tonnes, "", "", SOURCE, "reported in the demo data"))
        else:
            writer.writerow((cell.reference, "", "NE", "not estimated in the demo data", "", ""))
    return out.getvalue()


async def seed_demo(session: AsyncSession, outbox: Outbox) -> None:
    if await InventoryRepository(session).get(DEMO_CITY, DEMO_YEAR) is None:
        report = await import_inventory(
            session, SEEDER, DEMO_CITY, DEMO_YEAR, demo_table(), level="BASIC", gwp_set="AR5"
        )
        assert not report.problems, report.problems
        assert report.version is not None
        await inventories.publish(session, outbox, SEEDER, DEMO_CITY, DEMO_YEAR, report.version)
    if await current_target(session, DEMO_CITY) is None:
        await set_target(
            session,
            SEEDER,
            DEMO_CITY,
            TargetCreate(
                baseline=InventoryBaseline(source="inventory", year=DEMO_YEAR),
                target_year=2030,
                reduction_percent=Decimal(95),
                # Oslo plans carbon capture at the Klemetsrud incineration plant.
                removals_tco2e=Decimal(60000),
                description="Demo: 95 % cut of gross emissions by 2030 from the 2022 inventory, "
                "the rest removed by carbon capture",
            ),
        )
