"""Population per city and year, shipped with the hub as data (for per-capita figures).

Source: Statistics Norway (SSB), table 07459 (residents on 1 January), municipalities 0301 Oslo,
5001 Trondheim, 1103 Stavanger and 5401/5501 Tromsø. ``population.csv`` says for every figure
whether it was verified against a copy of SSB's figures, and which copy (see its header). Only
verified figures are used: a year without one uses the newest earlier verified year (the first one
for a year before the data starts) and says so (``Population.year``); a city with no verified
figure has no per-capita figure. An unverified figure is never presented as SSB's.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SOURCE = "SSB, tabell 07459 (folkemengde 1. januar)"
DATA = Path(__file__).with_name("population.csv")


@dataclass(frozen=True)
class PopulationRow:
    city: str
    municipality: str
    year: int
    count: int
    verified: bool
    checked_against: str


@dataclass(frozen=True)
class Population:
    city: str
    year: int
    count: int
    source: str = SOURCE


def rows() -> list[PopulationRow]:
    """Every row of the data file, verified or not (comment lines start with ``#``)."""
    with DATA.open(newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [
        PopulationRow(
            city=row["city"],
            municipality=row["municipality"],
            year=int(row["year"]),
            count=int(row["population"]),
            verified={"yes": True, "no": False}[row["verified"]],
            checked_against=row["checked_against"],
        )
        for row in csv.DictReader(lines)
    ]


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[int, int]]:
    table: dict[str, dict[int, int]] = {}
    for row in rows():
        if row.verified:
            table.setdefault(row.city, {})[row.year] = row.count
    return table


def population(city: str, year: int) -> Population | None:
    """SSB's verified population of ``city`` in ``year``, or of the nearest earlier verified year
    (the first one for a year before the data starts); ``None`` for a city without one."""
    years = _table().get(city)
    if not years:
        return None
    earlier = [y for y in years if y <= year]
    chosen = max(earlier) if earlier else min(years)
    return Population(city, chosen, years[chosen])
