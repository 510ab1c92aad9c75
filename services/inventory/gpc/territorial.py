"""GPC cells → the Norwegian Environment Agency's territorial sectors, in one place.

The agency's municipal statistics ("Klimagassutslipp fra kommuner", Miljødirektoratet) count
only what is emitted inside the municipality: grid electricity and district heating count zero
for the consumer (scope 2), and nothing out of the boundary (scope 3) counts. The live view and
the inventory views both use :func:`territorial_sector`; keep its answers stable.
"""

from __future__ import annotations

from typing import Literal

from services.inventory.gpc.catalogue import CELLS_BY_REFERENCE

AgencySector = Literal[
    "industry_oil_gas",
    "energy_supply",
    "heating",
    "road_traffic",
    "shipping",
    "aviation",
    "other_mobile_combustion",
    "agriculture",
    "waste_wastewater",
]

# Slug → (English name, the agency's Norwegian name), in the agency's order.
AGENCY_SECTORS: dict[AgencySector, tuple[str, str]] = {
    "industry_oil_gas": ("Industry, oil and gas", "Industri, olje og gass"),
    "energy_supply": ("Energy supply", "Energiforsyning"),
    "heating": ("Heating", "Oppvarming"),
    "road_traffic": ("Road traffic", "Veitrafikk"),
    "shipping": ("Shipping", "Sjøfart"),
    "aviation": ("Aviation", "Luftfart"),
    "other_mobile_combustion": ("Other mobile combustion", "Annen mobil forbrenning"),
    "agriculture": ("Agriculture", "Jordbruk"),
    "waste_wastewater": ("Waste and wastewater", "Avfall og avløp"),
}

# Cells that count in the territorial view. Every other cell counts zero there: scope 2 (grid
# electricity, district heating), scope 3 (outside the boundary), and V.2 (land use and forest
# sinks, which the agency reports apart from these sectors).
_TERRITORIAL: dict[str, AgencySector] = {
    # Stationary combustion in buildings and in primary industries is the agency's "heating".
    "I.1.1": "heating",
    "I.2.1": "heating",
    "I.5.1": "heating",
    "I.6.1": "heating",
    "I.3.1": "industry_oil_gas",
    "I.4.1": "energy_supply",
    "I.4.4": "energy_supply",
    "I.7.1": "industry_oil_gas",
    "I.8.1": "industry_oil_gas",
    "II.1.1": "road_traffic",
    # Diesel trains and non-road machinery are "other mobile combustion" for the agency.
    "II.2.1": "other_mobile_combustion",
    "II.3.1": "shipping",
    "II.4.1": "aviation",
    "II.5.1": "other_mobile_combustion",
    "III.1.1": "waste_wastewater",
    "III.2.1": "waste_wastewater",
    "III.3.1": "waste_wastewater",
    "III.4.1": "waste_wastewater",
    "III.1.3": "waste_wastewater",
    "III.2.3": "waste_wastewater",
    "III.3.3": "waste_wastewater",
    "III.4.3": "waste_wastewater",
    # The agency has no product-use sector: process and product-use emissions are industry's.
    "IV.1": "industry_oil_gas",
    "IV.2": "industry_oil_gas",
    "V.1": "agriculture",
    "V.3": "agriculture",
}


def territorial_sector(gpc_reference: str) -> AgencySector | None:
    """The agency sector a GPC cell's emissions count in, or None when they count zero."""
    return _TERRITORIAL.get(gpc_reference)


def excluded_reason(gpc_reference: str) -> str | None:
    """Why a cell counts zero in the territorial view (None when it counts)."""
    if gpc_reference in _TERRITORIAL:
        return None
    found = CELLS_BY_REFERENCE.get(gpc_reference)
    if found is None:
        return "not a GPC cell"
    if found.scope == 2:
        return "grid-supplied energy (electricity, district heating) counts zero for the consumer"
    if found.scope == 3:
        return "emitted outside the city boundary"
    return "land use and forestry are reported apart from the agency's sectors"


def agency_sector_of(text: str) -> AgencySector | None:
    """The sector a label from an agency file names: slug, English or Norwegian, any case."""
    wanted = " ".join(text.strip().lower().replace("_", " ").split())
    for slug, (english, norwegian) in AGENCY_SECTORS.items():
        if wanted in (slug.replace("_", " "), english.lower(), norwegian.lower()):
            return slug
    return None
