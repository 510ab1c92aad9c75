"""Exporting an inventory version in the GPC table layout: one row per GPC cell, in GPC order,
with amounts per gas (tonnes; HFC, PFC and CO2e in tCO2e), tCO2e, notation key and source.

The CSV can be imported again (its amounts become reported entries; tCO2e is recomputed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from services.inventory.accounting.schemas import YearToDate
from services.inventory.gpc.catalogue import CELLS
from services.inventory.gpc.gases import GASES
from services.inventory.inventories.calculation import mg_to_tonnes
from services.inventory.inventories.models import Inventory, InventoryEntry, InventoryVersion
from shared.quantities import format_tco2e, tco2e_from_mg

COLUMNS: tuple[str, ...] = (
    "gpc_reference",
    "sector",
    "subsector",
    "scope",
    "cell_level",
    "notation_key",
    "included_in",
    "justification",
    *GASES,
    "tCO2e",
    "ch4_fossil",
    "kind",
    "method",
    "data_source",
    "data_quality",
    "comment",
)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _blank_rows() -> list[dict[str, Any]]:
    """Every GPC cell in GPC order, with the columns that describe the cell filled in."""
    rows = []
    for cell in CELLS:
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row |= {
            "gpc_reference": cell.reference,
            "sector": cell.sector,
            "subsector": cell.subsector,
            "scope": cell.scope,
            "cell_level": cell.level,
        }
        rows.append(row)
    return rows


def table_rows(entries: Sequence[InventoryEntry]) -> list[dict[str, Any]]:
    by_reference = {e.gpc_reference: e for e in entries}
    rows = _blank_rows()
    for row in rows:
        entry = by_reference.get(row["gpc_reference"])
        if entry is not None:
            row |= {
                "notation_key": entry.notation_key,
                "included_in": entry.included_in,
                "justification": entry.justification,
                "ch4_fossil": entry.ch4_fossil,
                "kind": entry.kind,
                "method": entry.method or _method_of(entry),
                "data_source": entry.data_source,
                "data_quality": entry.data_quality,
                "comment": entry.comment,
            }
            for gas, mg in entry.gas_mg.items():
                row[gas] = _plain(mg_to_tonnes(mg))
            if entry.kind != "notation":
                row["tCO2e"] = format_tco2e(tco2e_from_mg(entry.co2e_mg))
    return rows


def live_rows(ytd: YearToDate) -> list[dict[str, Any]]:
    """The live year-to-date in the same layout: measured CO2e per cell (the live side keeps
    CO2e, not gases), cells without readings left empty rather than given a notation key."""
    by_reference = {c.gpc_reference: c for c in ytd.cells}
    rows = _blank_rows()
    for row in rows:
        cell = by_reference.get(row["gpc_reference"])
        if cell is None:
            continue
        tonnes = format_tco2e(tco2e_from_mg(cell.co2e_mg))
        row |= {
            "CO2e": tonnes,
            "tCO2e": tonnes,
            "kind": "measured",
            "method": f"{cell.readings} sensor readings x emission factors (see live lineage)",
            "data_source": f"Klimaby live accounting, {ytd.year} ({ytd.time_zone}) up to "
            f"{ytd.as_of.isoformat()}",
            "data_quality": "measured",
        }
    return rows


def rows_as_csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: ("true" if v is True else "false" if v is False else "" if v is None else v)
                for k, v in row.items()
            }
        )
    return out.getvalue()


def live_as_json(ytd: YearToDate) -> dict[str, Any]:
    return {
        "city": ytd.city,
        "year": ytd.year,
        "time_zone": ytd.time_zone,
        "as_of": ytd.as_of.isoformat(),
        "status": "live",
        "readings": ytd.readings,
        "units": {"CO2e": "tonnes CO2e", "tCO2e": "tonnes CO2e"},
        "columns": list(COLUMNS),
        "rows": live_rows(ytd),
    }


def _method_of(entry: InventoryEntry) -> str | None:
    if not entry.activities:
        return None
    used = sorted(
        {f"{f['id']} v{f['version']}" for line in entry.activities for f in line["factors"]}
    )
    return "activity data x emission factors (" + ", ".join(used) + ")"


def as_csv(entries: Sequence[InventoryEntry]) -> str:
    return rows_as_csv(table_rows(entries))


def as_json(
    inventory: Inventory, version: InventoryVersion, entries: Sequence[InventoryEntry]
) -> dict[str, Any]:
    return {
        "city": inventory.city,
        "year": inventory.year,
        "version": version.version,
        "status": version.status,
        "level": version.level,
        "gwp_set": version.gwp_set,
        "units": {
            "gases": "tonnes of each gas; HFC, PFC and CO2e (not split by gas) in tonnes CO2e",
            "tCO2e": f"tonnes CO2e under {version.gwp_set}",
        },
        "columns": list(COLUMNS),
        "rows": table_rows(entries),
    }
