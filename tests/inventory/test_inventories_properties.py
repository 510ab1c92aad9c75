"""Property: no entry body, however odd, makes the inventory API answer 5xx; every refusal is a
4xx problem that names a field. Hypothesis generates the bodies; they go to a real draft."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from services.inventory.gpc.catalogue import CELLS
from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

REFERENCES = [c.reference for c in CELLS]
FACTORS = ["no-diesel", "no-grid-location-2023", "no-heating-oil", "no-road-bus", "nope"]
UNITS = ["kWh", "MWh", "GJ", "TJ", "L", "m**3", "t", "kg", "vehicle-km", "km", "kWh/L", "°C"]

numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "1e400", "-0", "", "12,5"]),
    st.text(max_size=8),
)
# NUL included on purpose: PostgreSQL text refuses it, so it must be a 422 before the database.
anything = st.one_of(
    st.none(), st.booleans(), numbers, st.text(max_size=30), st.just("plant \x00 report")
)
amounts = st.decimals(min_value=-100, max_value=10**7, places=3).map(str)
gases = st.sampled_from(["CO2", "CH4", "N2O", "SF6", "NF3", "HFC", "PFC", "CO2e"])
provenance = {
    "data_source": st.sampled_from(["SSB", "operator", "NUL\x00"]),
    "data_quality": st.sampled_from(["reported", "measured", "estimated"]),
    "ch4_fossil": st.booleans(),
}

# Well-formed bodies with plausible values, so that the deep paths (factors, units, amounts,
# GWP) are reached often ...
plausible = st.one_of(
    st.fixed_dictionaries(
        {
            "kind": st.just("activity"),
            "activities": st.lists(
                st.fixed_dictionaries(
                    {
                        "value": amounts,
                        "unit": st.sampled_from(UNITS),
                        "factors": st.lists(
                            st.fixed_dictionaries(
                                {"id": st.sampled_from(FACTORS)},
                                optional={"version": st.integers(1, 2)},
                            ),
                            min_size=1,
                            max_size=2,
                        ),
                    }
                ),
                min_size=1,
                max_size=2,
            ),
            **provenance,
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("reported"),
            "emissions": st.dictionaries(gases, amounts, min_size=1, max_size=3),
            "method": st.just("measured"),
            **provenance,
        }
    ),
    st.fixed_dictionaries(
        {"kind": st.just("notation"), "notation_key": st.sampled_from(["NO", "IE", "NE", "C"])},
        optional={
            "included_in": st.sampled_from(REFERENCES),
            "justification": st.text(max_size=20),
        },
    ),
)
# ... and bodies of any shape and content.
factor_refs = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(st.sampled_from(FACTORS), st.text(max_size=12))},
        optional={"version": st.one_of(st.integers(-3, 3), st.integers(10**6, 10**20))},
    ),
    max_size=3,
)
activities = st.lists(
    st.fixed_dictionaries(
        {
            "value": numbers,
            "unit": st.one_of(st.sampled_from(UNITS), st.text(max_size=10)),
            "factors": factor_refs,
        }
    ),
    max_size=3,
)
chaotic = st.fixed_dictionaries(
    {"kind": st.one_of(st.sampled_from(["activity", "reported", "notation"]), st.text(max_size=8))},
    optional={
        "activities": st.one_of(activities, anything),
        "emissions": st.one_of(
            st.dictionaries(st.one_of(gases, st.text(max_size=4)), numbers, max_size=4),
            anything,
        ),
        "method": anything,
        "notation_key": st.one_of(st.sampled_from(["NO", "IE", "NE", "C"]), anything),
        "included_in": st.one_of(st.sampled_from(REFERENCES), anything),
        "justification": anything,
        "ch4_fossil": anything,
        "data_source": anything,
        "data_quality": st.one_of(st.sampled_from(["reported", "measured", "estimated"]), anything),
    },
)
entries = st.one_of(plausible, chaotic)
# Path segments as a client could send them ("." and "/" would address another route).
paths = st.one_of(
    st.sampled_from(REFERENCES),
    st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and s.strip(".")),
)


def generate(count: int) -> list[tuple[str, dict[str, Any]]]:
    """Hypothesis draws the cases; the test sends them (it cannot await inside ``@given``)."""
    drawn: list[tuple[str, dict[str, Any]]] = []

    @given(reference=paths, body=entries)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    def draw(reference: str, body: dict[str, Any]) -> None:
        drawn.append((reference, body))

    draw()
    return drawn


async def test_no_entry_body_gives_a_server_error(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    auth = {"Authorization": f"Bearer {city_token('oslo')}"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post("/v1/cities/oslo/inventories", json={"year": 2023}, headers=auth)
        assert r.status_code == 201
        statuses: dict[int, int] = {}
        for reference, body in generate(int(os.environ.get("KLIMABY_PROPERTY_EXAMPLES", "150"))):
            url = f"/v1/cities/oslo/inventories/2023/versions/1/entries/{quote(reference, safe='')}"
            r = await client.put(url, json=body, headers=auth)
            assert r.status_code < 500, (reference, body, r.text)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code >= 400 and r.status_code != 404:
                assert r.json()["invalid-params"], (reference, body, r.text)
        assert set(statuses) <= {200, 201, 404, 422}, statuses
