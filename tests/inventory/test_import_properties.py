"""Property: no CSV file, however malformed, makes an import answer 5xx."""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

HEADERS = [
    "gpc_reference,scope,notation_key,included_in,justification,CO2,CH4,N2O,ch4_fossil",
    "År;Sektor;Kilde;Utslipp (tonn CO2-ekvivalenter)",
    "year,sector,source,tCO2e",
]
cells = st.one_of(
    st.sampled_from(["I.1.1", "II.1.1", "V.2", "NO", "IE", "NE", "true", "2020", "Veitrafikk"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.sampled_from(["1e999999", "-0", "²", "NaN", '"', '""', "\x00", "x" * 300]),
    st.text(max_size=12),
)
rows = st.lists(st.lists(cells, max_size=11).map(lambda r: ",".join(r)), max_size=6)
files = st.one_of(
    st.tuples(st.sampled_from(HEADERS), rows).map(lambda t: "\n".join([t[0], *t[1]])),
    st.tuples(st.sampled_from(HEADERS), rows).map(lambda t: ";".join([t[0], *t[1]])),
    st.text(max_size=200),
)


def generate(count: int) -> list[str]:
    drawn: list[str] = []

    @given(text=files)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    def draw(text: str) -> None:
        drawn.append(text)

    draw()
    return drawn


async def test_no_csv_file_gives_a_server_error(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    headers = {"Authorization": f"Bearer {city_token('oslo')}", "content-type": "text/csv"}
    urls = ["/v1/cities/oslo/inventories/2023/import", "/v1/cities/oslo/agency-statistics"]
    count = int(os.environ.get("KLIMABY_PROPERTY_EXAMPLES", "60"))
    async with service_client("inventory", **OFFLINE) as (_app, client):
        for n, text in enumerate(generate(count)):
            r = await client.post(urls[n % 2], content=text.encode(), headers=headers)
            assert r.status_code < 500, (urls[n % 2], text, r.text)
            if r.status_code >= 400:
                assert r.json()["invalid-params"], (text, r.text)
