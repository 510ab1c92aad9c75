"""Population per city and year, shipped with the hub as data (for per-capita figures).

Source: Statistics Norway (SSB), table 07459 "Befolkning, etter region, kjønn, alder og år",
residents on 1 January of the year, municipalities 0301 Oslo, 5001 Trondheim, 1103 Stavanger
and 5501 (earlier 5401/1902) Tromsø. A year after the newest one in the file uses the newest
figure, and says so (``population_year``); a city not in the file has no per-capita figure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SOURCE = "SSB, tabell 07459 (folkemengde 1. januar)"
DATA = Path(__file__).with_name("population.csv")


@dataclass(frozen=True)
class Population:
    city: str
    year: int
    count: int
    source: str = SOURCE


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[int, int]]:
    table: dict[str, dict[int, int]] = {}
    with DATA.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(row["city"], {})[int(row["year"])] = int(row["population"])
    return table


def population(city: str, year: int) -> Population | None:
    """The population of ``city`` in ``year``, or of the nearest earlier year in the data (the
    first one for a year before the data starts)."""
    years = _table().get(city)
    if not years:
        return None
    earlier = [y for y in years if y <= year]
    chosen = max(earlier) if earlier else min(years)
    return Population(city, chosen, years[chosen])
