"""Tonnes of CO2e: one text form in answers and events, and old events still read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from shared.events.payloads import EmissionsAccounted, InventoryPublished
from shared.quantities import format_tco2e, tco2e_from_mg


def test_tonnes_are_a_nine_place_decimal_string_never_exponent_or_float() -> None:
    assert format_tco2e(tco2e_from_mg(0)) == "0.000000000"
    assert format_tco2e(tco2e_from_mg(1)) == "0.000000001"
    assert format_tco2e(tco2e_from_mg(-12_000_000)) == "-0.012000000"
    assert format_tco2e(tco2e_from_mg(1_234_567_000_000_001)) == "1234567.000000001"


def _published(tco2e: object) -> dict[str, object]:
    return {
        "city": "oslo",
        "year": 2024,
        "version": 1,
        "level": "BASIC",
        "gwp_set": "AR5",
        "basic_co2e_mg": 1_500_000_000,
        "basic_plus_co2e_mg": 1_500_000_000,
        "territorial_co2e_mg": 0,
        "tco2e": tco2e,
        "sectors_co2e_mg": {"I": 1_500_000_000},
        "territorial_sectors_co2e_mg": {},
        "published_by": "test",
        "published_at": datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
    }


def test_an_event_written_before_the_one_representation_still_parses() -> None:
    # Old producers wrote a float; new ones write the string. Both read as the same Decimal,
    # and both are written again as the string.
    old = InventoryPublished.model_validate(_published(1.5))
    new = InventoryPublished.model_validate(_published("1.500000000"))
    assert old.tco2e == new.tco2e == Decimal("1.5")
    assert old.model_dump(mode="json")["tco2e"] == "1.500000000"
    accounted = EmissionsAccounted.model_validate(
        {
            "city": "oslo",
            "readings_accounted": 1,
            "co2e_mg": 0,
            "tco2e": 0.0,
            "cells": [],
            "period_start": "2025-01-01T00:00:00+00:00",
            "period_end": "2025-01-01T01:00:00+00:00",
        }
    )
    assert accounted.model_dump(mode="json")["tco2e"] == "0.000000000"
