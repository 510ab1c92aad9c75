"""The GPC reference catalogue and its mapping to the Norwegian Environment Agency's sectors."""

from __future__ import annotations

from services.inventory.gpc.catalogue import CELLS, CELLS_BY_REFERENCE, required_cells
from services.inventory.gpc.territorial import AGENCY_SECTORS, territorial_sector
from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

TERRITORIAL_ONLY = {"I.4.4", "III.1.3", "III.2.3", "III.3.3", "III.4.3"}


def test_the_catalogue_has_every_cell_of_the_gpc_table_flagged_by_level() -> None:
    assert len(CELLS) == 52
    assert {c.reference for c in CELLS if c.level == "territorial"} == TERRITORIAL_ONLY
    assert len(required_cells("BASIC")) == 32
    assert len(required_cells("BASIC+")) == 47  # BASIC plus scope 3 of I and II, IPPU, AFOLU
    flags = {c.reference: (c.scope, c.level) for c in CELLS}
    assert flags["I.1.3"] == (3, "BASIC+") and flags["I.4.2"] == (2, "BASIC")
    assert flags["I.7.1"] == (1, "BASIC") and "I.7.2" not in flags
    assert "II.5.3" not in flags and flags["II.4.3"] == (3, "BASIC+")
    # Waste numbers lines by where waste is treated: III.x.2 is scope 3 and BASIC.
    assert flags["III.2.2"] == (3, "BASIC") and flags["III.2.3"] == (1, "territorial")
    assert {r for r, (_s, level) in flags.items() if r.startswith(("IV", "V"))} == {
        "IV.1",
        "IV.2",
        "V.1",
        "V.2",
        "V.3",
    }
    assert all(flags[r][1] == "BASIC+" for r in ("IV.1", "IV.2", "V.1", "V.2", "V.3"))


def test_scope_2_and_3_count_zero_territorially_and_every_agency_sector_is_reachable() -> None:
    for cell in CELLS:
        sector = territorial_sector(cell.reference)
        if cell.scope in (2, 3):
            assert sector is None, cell.reference
        elif cell.reference != "V.2":  # land use is reported apart by the agency
            assert sector in AGENCY_SECTORS, cell.reference
    used = {territorial_sector(c.reference) for c in CELLS} - {None}
    assert used == set(AGENCY_SECTORS)
    assert territorial_sector("II.1.1") == "road_traffic"
    assert territorial_sector("I.1.2") is None  # electricity in homes
    assert territorial_sector("not a cell") is None


async def test_the_catalogue_is_served_and_filtered(service_client: ServiceClientFactory) -> None:
    async with service_client("inventory", **OFFLINE) as (_app, client):
        sectors = (await client.get("/v1/gpc/sectors")).json()
        assert [s["reference"] for s in sectors] == ["I", "II", "III", "IV", "V"]
        assert sum(len(s["subsectors"]) for s in sectors) == 22

        basic = (await client.get("/v1/gpc/cells", params={"level": "BASIC"})).json()
        assert len(basic) == 32 and all(c["required_for"] == ["BASIC", "BASIC+"] for c in basic)
        plus = (await client.get("/v1/gpc/cells", params={"required_for": "BASIC+"})).json()
        assert len(plus) == 47
        waste = (
            await client.get("/v1/gpc/cells", params={"level": "territorial", "sector": "III"})
        ).json()
        assert {c["reference"] for c in waste} == TERRITORIAL_ONLY - {"I.4.4"}

        cell = (await client.get("/v1/gpc/cells/I.4.4")).json()
        assert cell["scope"] == 1 and cell["level"] == "territorial"
        assert cell["required_for"] == [] and cell["territorial_sector"] == "energy_supply"
        assert cell["name"] == CELLS_BY_REFERENCE["I.4.4"].name

        r = await client.get("/v1/gpc/cells/I.9.9")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["invalid-params"][0]["name"] == "/path/reference"
        r = await client.get("/v1/gpc/cells", params={"level": "GOLD"})
        assert r.status_code == 422 and r.json()["invalid-params"][0]["name"] == "/query/level"
