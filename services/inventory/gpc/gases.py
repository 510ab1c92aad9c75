"""Greenhouse gases and the GWP-100 sets an inventory can be reported in.

HFC and PFC are families of gases with very different potentials; like the GPC reporting table,
Klimaby takes their amounts already in CO2e. ``CO2e`` stands for an amount not split by gas
(a factor or a report that gives only CO2e); it counts as it is, whatever the GWP set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

Gas = Literal["CO2", "CH4", "N2O", "SF6", "NF3", "HFC", "PFC", "CO2e"]
GwpSet = Literal["AR5", "AR6"]

GASES: tuple[Gas, ...] = ("CO2", "CH4", "N2O", "HFC", "PFC", "SF6", "NF3", "CO2e")
# Amounts of these are already CO2e: their potential is 1 in every set.
ALREADY_CO2E: frozenset[str] = frozenset({"HFC", "PFC", "CO2e"})

# IPCC AR5 (2014) and AR6 (2021) GWP-100. AR6 distinguishes fossil from non-fossil methane
# (fossil CH4 oxidises to CO2 that adds to the atmosphere); AR5 as used by GPC does not.
_GWP: dict[GwpSet, dict[str, Decimal]] = {
    "AR5": {
        "CO2": Decimal(1),
        "CH4_fossil": Decimal(28),
        "CH4_non_fossil": Decimal(28),
        "N2O": Decimal(265),
        "SF6": Decimal(23_500),
        "NF3": Decimal(16_100),
    },
    "AR6": {
        "CO2": Decimal(1),
        "CH4_fossil": Decimal("29.8"),
        "CH4_non_fossil": Decimal("27.0"),
        "N2O": Decimal(273),
        "SF6": Decimal(25_200),
        "NF3": Decimal(17_400),
    },
}


def gwp(gwp_set: GwpSet, gas: str, ch4_fossil: bool | None = None) -> Decimal:
    """The potential of ``gas`` in ``gwp_set``. For CH4 say whether it is fossil."""
    if gas in ALREADY_CO2E:
        return Decimal(1)
    if gas == "CH4":
        if ch4_fossil is None:
            raise ValueError("CH4 needs ch4_fossil to choose its potential")
        return _GWP[gwp_set]["CH4_fossil" if ch4_fossil else "CH4_non_fossil"]
    return _GWP[gwp_set][gas]
