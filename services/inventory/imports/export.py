"""Exporting an inventory version in the GPC table layout: one row per GPC cell, in GPC order,
with amounts per gas (tonnes; HFC, PFC and CO2e in tCO2e), tCO2e, notation key and source.

The CSV can be imported again (its amounts become reported entries; tCO2e is recomputed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from services.inventory.gpc.catalogue import CELLS
from services.inventory.gpc.gases import GASES
from services.inventory.inventories.calculation import mg_to_tonnes
from services.inventory.inventories.models import Inventory, InventoryEntry, InventoryVersion

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


def table_rows(entries: Sequence[InventoryEntry]) -> list[dict[str, Any]]:
    by_reference = {e.gpc_reference: e for e in entries}
    rows = []
    for cell in CELLS:
        entry = by_reference.get(cell.reference)
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row |= {
            "gpc_reference": cell.reference,
            "sector": cell.sector,
            "subsector": cell.subsector,
            "scope": cell.scope,
            "cell_level": cell.level,
        }
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
                row["tCO2e"] = _plain(mg_to_tonnes(entry.co2e_mg))
        rows.append(row)
    return rows


def _method_of(entry: InventoryEntry) -> str | None:
    if not entry.activities:
        return None
    used = sorted(
        {f"{f['id']} v{f['version']}" for line in entry.activities for f in line["factors"]}
    )
    return "activity data x emission factors (" + ", ".join(used) + ")"


def as_csv(entries: Sequence[InventoryEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table_rows(entries):
        writer.writerow(
            {
                k: ("true" if v is True else "false" if v is False else "" if v is None else v)
                for k, v in row.items()
            }
        )
    return out.getvalue()


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
