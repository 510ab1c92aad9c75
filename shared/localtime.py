"""A city's calendar: years and months in the city's own time zone, instants stored in UTC.

A Norwegian municipality's accounting year is its local calendar year (Europe/Oslo): a reading
at 00:30 on 1 January, local time, belongs to the new year even though it is still 31 December
in UTC. Hourly buckets stay UTC hours (unambiguous, also across daylight-saving changes); every
year and month a person reads is computed here, from the city's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIME_ZONE = "Europe/Oslo"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone by name (cached: ZoneInfo construction reads tzdata)."""
    return ZoneInfo(name)


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is a known IANA time zone (for validating a city's zone)."""
    # The list first: ZoneInfo("Europe") is an IsADirectoryError and a very long name an
    # OSError, not the ValueError one would expect.
    if name not in _known_zones():
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def time_zone_names() -> list[str]:
    """Every zone ``is_time_zone`` accepts, sorted: the ``enum`` of a time zone field in the
    OpenAPI documents, so that a client sees which names exist."""
    return sorted(name for name in _known_zones() if _loads(name))


def time_zone_schema() -> dict[str, Any]:
    """The JSON schema extra of a time zone field: its ``enum``."""
    return {"enum": time_zone_names()}


def _loads(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# Every UTC offset is under a day, so an instant's local date is within a day of its UTC
# date: an instant in UTC away from the ends of its UTC month (or year) is in the same local
# month (or year), and needs no conversion. The live accounting asks this for every reading.


def local_year(instant: datetime, tz: str) -> int:
    """The city's calendar year of an aware instant."""
    if instant.tzinfo is UTC and not (
        (instant.month == 12 and instant.day == 31) or (instant.month == 1 and instant.day == 1)
    ):
        return instant.year
    return instant.astimezone(zone(tz)).year


def local_month(instant: datetime, tz: str) -> tuple[int, int]:
    """The city's calendar (year, month) of an aware instant."""
    if instant.tzinfo is UTC and 2 <= instant.day <= 27:
        return instant.year, instant.month
    local = instant.astimezone(zone(tz))
    return local.year, local.month


@lru_cache(maxsize=4096)
def month_start(year: int, month: int, tz: str) -> datetime:
    """The first instant (in UTC) of a local calendar month; ``month`` may run past 12."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=zone(tz)).astimezone(UTC)


def year_start(year: int, tz: str) -> datetime:
    """The first instant (in UTC) of a local calendar year."""
    return month_start(year, 1, tz)


def month_start_of(instant: datetime, tz: str) -> datetime:
    """The first instant (in UTC) of the local month that holds ``instant``."""
    return month_start(*local_month(instant, tz), tz)
