"""The GPC reference catalogue: every sector, subsector and scope cell, as data.

The catalogue follows the GHG Protocol for Cities' reporting table. Each cell is flagged by the
lowest reporting level that requires it: BASIC, BASIC+ (which also requires every BASIC cell),
or territorial (I.4.4 and III.x.3: emissions inside the boundary that GPC reports but keeps out
of the BASIC and BASIC+ totals, so that they are not counted twice across cities).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["BASIC", "BASIC+"]
CellLevel = Literal["BASIC", "BASIC+", "territorial"]
Scope = Literal[1, 2, 3]

LEVELS: tuple[Level, ...] = ("BASIC", "BASIC+")
# Which cell flags each reporting level requires.
REQUIRED_FLAGS: dict[Level, frozenset[CellLevel]] = {
    "BASIC": frozenset({"BASIC"}),
    "BASIC+": frozenset({"BASIC", "BASIC+"}),
}


@dataclass(frozen=True)
class Sector:
    reference: str
    name: str


@dataclass(frozen=True)
class Subsector:
    reference: str
    sector: str
    name: str


@dataclass(frozen=True)
class Cell:
    """One line of the GPC table: a subsector at one scope."""

    reference: str
    sector: str
    subsector: str
    scope: Scope
    level: CellLevel
    name: str

    def required_for(self, level: Level) -> bool:
        return self.level in REQUIRED_FLAGS[level]

    @property
    def in_totals(self) -> bool:
        """Whether the cell counts in the BASIC/BASIC+ totals (territorial-only cells do not)."""
        return self.level != "territorial"


SECTORS: tuple[Sector, ...] = (
    Sector("I", "Stationary energy"),
    Sector("II", "Transportation"),
    Sector("III", "Waste"),
    Sector("IV", "Industrial processes and product use (IPPU)"),
    Sector("V", "Agriculture, forestry and other land use (AFOLU)"),
)

SUBSECTORS: tuple[Subsector, ...] = (
    Subsector("I.1", "I", "Residential buildings"),
    Subsector("I.2", "I", "Commercial and institutional buildings and facilities"),
    Subsector("I.3", "I", "Manufacturing industries and construction"),
    Subsector("I.4", "I", "Energy industries"),
    Subsector("I.5", "I", "Agriculture, forestry and fishing activities"),
    Subsector("I.6", "I", "Non-specified sources"),
    Subsector(
        "I.7", "I", "Fugitive emissions from mining, processing, storage and transport of coal"
    ),
    Subsector("I.8", "I", "Fugitive emissions from oil and natural gas systems"),
    Subsector("II.1", "II", "On-road transportation"),
    Subsector("II.2", "II", "Railways"),
    Subsector("II.3", "II", "Waterborne navigation"),
    Subsector("II.4", "II", "Aviation"),
    Subsector("II.5", "II", "Off-road transportation"),
    Subsector("III.1", "III", "Solid waste disposal (landfill)"),
    Subsector("III.2", "III", "Biological treatment of waste"),
    Subsector("III.3", "III", "Incineration and open burning"),
    Subsector("III.4", "III", "Wastewater treatment and discharge"),
    Subsector("IV.1", "IV", "Industrial processes"),
    Subsector("IV.2", "IV", "Product use"),
    Subsector("V.1", "V", "Livestock"),
    Subsector("V.2", "V", "Land"),
    Subsector("V.3", "V", "Aggregate sources and non-CO2 emission sources on land"),
)

_ENERGY = {
    1: "fuel combustion and fugitive emissions within the city boundary",
    2: "grid-supplied energy consumed within the city boundary",
    3: "transmission and distribution losses of grid-supplied energy",
}
_TRANSPORT = {
    1: "fuel combustion for transport within the city boundary",
    2: "grid-supplied energy used for transport within the city boundary",
    3: "the part of transboundary journeys outside the city, and transmission losses",
}
_WASTE = {
    "1": "waste generated and treated within the city",
    "2": "waste generated within the city and treated outside it",
    "3": "waste generated outside the city and treated within it",
}


def _cell(subsector: Subsector, suffix: str, scope: Scope, level: CellLevel, what: str) -> Cell:
    return Cell(
        reference=f"{subsector.reference}.{suffix}" if suffix else subsector.reference,
        sector=subsector.sector,
        subsector=subsector.reference,
        scope=scope,
        level=level,
        name=f"{subsector.name}: {what}",
    )


def _build_cells() -> tuple[Cell, ...]:
    cells: list[Cell] = []
    for sub in SUBSECTORS:
        ref = sub.reference
        if sub.sector == "I" and ref in ("I.7", "I.8"):
            cells.append(_cell(sub, "1", 1, "BASIC", "fugitive emissions within the city"))
        elif sub.sector == "I":
            cells.append(_cell(sub, "1", 1, "BASIC", _ENERGY[1]))
            cells.append(_cell(sub, "2", 2, "BASIC", _ENERGY[2]))
            cells.append(_cell(sub, "3", 3, "BASIC+", _ENERGY[3]))
            if ref == "I.4":
                cells.append(
                    _cell(sub, "4", 1, "territorial", "generation of energy supplied to the grid")
                )
        elif sub.sector == "II":
            cells.append(_cell(sub, "1", 1, "BASIC", _TRANSPORT[1]))
            cells.append(_cell(sub, "2", 2, "BASIC", _TRANSPORT[2]))
            if ref != "II.5":  # off-road has no scope 3 line in GPC
                cells.append(_cell(sub, "3", 3, "BASIC+", _TRANSPORT[3]))
        elif sub.sector == "III":
            # Waste numbers its lines by where the waste is treated, not by scope: III.x.2 is
            # scope 3 (treated outside), III.x.3 is scope 1 but territorial only.
            cells.append(_cell(sub, "1", 1, "BASIC", _WASTE["1"]))
            cells.append(_cell(sub, "2", 3, "BASIC", _WASTE["2"]))
            cells.append(_cell(sub, "3", 1, "territorial", _WASTE["3"]))
        else:  # IPPU and AFOLU: one scope-1 line per subsector, referenced without a suffix
            cells.append(_cell(sub, "", 1, "BASIC+", "emissions within the city boundary"))
    return tuple(cells)


CELLS: tuple[Cell, ...] = _build_cells()
CELLS_BY_REFERENCE: dict[str, Cell] = {c.reference: c for c in CELLS}
CELL_REFERENCES: list[str] = [c.reference for c in CELLS]
"""Every GPC cell, for the OpenAPI document (``enum``): a client sees which references exist
and the service's own check answers an unknown one with a 422 that says where to look."""
SECTORS_BY_REFERENCE: dict[str, Sector] = {s.reference: s for s in SECTORS}
SUBSECTORS_BY_REFERENCE: dict[str, Subsector] = {s.reference: s for s in SUBSECTORS}


def cell(reference: str) -> Cell | None:
    return CELLS_BY_REFERENCE.get(reference)


def is_cell(reference: str) -> bool:
    return reference in CELLS_BY_REFERENCE


def required_cells(level: Level) -> tuple[Cell, ...]:
    return tuple(c for c in CELLS if c.required_for(level))


def scope_of(reference: str) -> Scope | None:
    """The GPC scope of a cell (waste's III.x.2 is scope 3; I.4.4 and III.x.3 are scope 1)."""
    found = CELLS_BY_REFERENCE.get(reference)
    return found.scope if found else None
