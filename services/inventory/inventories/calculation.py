"""Entry amounts: activity x factor per gas, GWP to CO2e. Pure functions, no I/O.

Each gas amount is rounded once, half-even, to whole milligrams per factor line; CO2e is
rounded once per gas per entry. Every total above an entry is an exact integer sum, so views,
exports and events agree to the milligram whatever order they add in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from services.inventory.gpc.gases import GASES, GwpSet, gwp

MG_PER_TONNE = 1_000_000_000
MG_PER = {"g": Decimal(1_000), "kg": Decimal(1_000_000), "t": Decimal(MG_PER_TONNE)}


def to_mg(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def tonnes_to_mg(tonnes: Decimal) -> int:
    return to_mg(tonnes * MG_PER_TONNE)


def mg_to_tonnes(mg: int) -> Decimal:
    # Exact: a milligram is 1e-9 t, and the result keeps nine decimals.
    return (Decimal(mg) / MG_PER_TONNE).quantize(Decimal("0.000000001"))


def factor_mg(activity_value: Decimal, factor_value: Decimal, mass_unit: str) -> int:
    """Milligrams of gas from an activity amount already in the factor's activity unit."""
    return to_mg(activity_value * factor_value * MG_PER[mass_unit])


def add_gas(totals: dict[str, int], gas: str, mg: int) -> None:
    totals[gas] = totals.get(gas, 0) + mg


def co2e_by_gas(
    gas_mg: Mapping[str, int], gwp_set: GwpSet, ch4_fossil: bool | None
) -> dict[str, int]:
    """Milligrams CO2e of each gas of one entry under ``gwp_set``."""
    return {
        gas: to_mg(Decimal(mg) * gwp(gwp_set, gas, ch4_fossil)) for gas, mg in gas_mg.items() if mg
    }


def co2e_mg(gas_mg: Mapping[str, int], gwp_set: GwpSet, ch4_fossil: bool | None) -> int:
    return sum(co2e_by_gas(gas_mg, gwp_set, ch4_fossil).values())


def ordered_gases(gases: Iterable[str]) -> list[str]:
    present = set(gases)
    return [g for g in GASES if g in present]
