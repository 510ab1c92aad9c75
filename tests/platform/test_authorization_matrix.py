"""The authorization matrix over the four services' OpenAPI documents (issue 11, point 2).

Every operation each service documents must have a row in ``authorization_matrix.MATRIX``
(a new endpoint fails here until someone says who may call it); each row's callers are tried
against the real app (in process, on the session's broker; consumers and outbox relays off)
with path parameters naming real seeded objects, and each answer is held to the row. The whole
matrix runs twice: on SQLite and on PostgreSQL (each service in a schema of its own), the
database a deployment runs, so no query that scopes data to a city or partner behaves
differently there.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.registry import SERVICE_NAMES, SERVICES
from services.sensors.cities.repository import KnownCityRepository
from shared.auth import Role, issue_token
from shared.db import Database
from shared.migrations import upgrade
from tests.contracts.helpers import know_city
from tests.platform.authorization_matrix import (
    ACTION,
    HIDDEN,
    ITEMS_403,
    MATRIX,
    OK,
    Outcome,
    Rule,
    gathering_body,
    resource_body,
)

OWN_CITY = "oslo"
OTHER_CITY = "tromso"  # a seeded city (made known to contracts and sensors), no forum member
METHODS = ("get", "post", "put", "patch", "delete")


def token(
    kind: Role,
    city: str | None = None,
    partner: str | None = None,
    *,
    subject: str | None = None,
    expired: bool = False,
    bad_signature: bool = False,
) -> str:
    """Every bearer token of this test comes from here (one place to change how tokens are
    minted, e.g. by an OpenID Connect issuer)."""
    minted = issue_token(
        subject or f"matrix-{kind}-{city or partner or 'x'}",
        kind,
        city=city,
        partner=partner,
        ttl_s=-3600 if expired else 3600,
    )
    if bad_signature:
        # The issuer's key id and claims, another signature (reversed, so still well-formed).
        head, claims, signature = minted.split(".")
        return f"{head}.{claims}.{signature[::-1]}"
    return minted


def operations(app: FastAPI) -> list[str]:
    """``"<service> <METHOD> <path>"`` of every operation the app's OpenAPI document shows."""
    name = app.state.matrix_service
    return [
        f"{name} {method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in METHODS
    ]


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient
    world: dict[str, Any]

    def headers(self, caller: str) -> dict[str, str]:
        w = self.world
        bearer = {
            "none": None,
            "bad_signature": token("admin", bad_signature=True),
            "expired": token("admin", expired=True),
            "other_city": token("city", OTHER_CITY),
            "other_partner": token("partner", OWN_CITY, w["other_partner_id"]),
            "member": token("member", subject="kdd"),
            "partner": token("partner", OWN_CITY, w["partner_id"]),
            "city": token("city", OWN_CITY),
            "admin": token("admin"),
        }
        keys = {
            "bad_key": "kby_not-a-key",
            "other_gateway": w.get("other_api_key"),
            "gateway": w.get("api_key"),
        }
        if caller in keys:
            return {"X-Api-Key": str(keys[caller])}
        value = bearer[caller]
        return {"Authorization": f"Bearer {value}"} if value else {}


async def _start(
    name: str, broker: str, data_dir: Path, stack: AsyncExitStack, postgres_url: str | None
) -> Running:
    entry = SERVICES[name]
    run = uuid.uuid4().hex[:8]
    settings = entry.settings(
        database_url=postgres_url or f"sqlite+aiosqlite:///{data_dir / name}.db",
        database_schema=f"matrix_{run}_{name}" if postgres_url else None,
        kafka_bootstrap_servers=broker,
        consumer_group=f"matrix-{run}-{name}",
        consumers_enabled=False,
        outbox_relay_enabled=False,
        # The matrix makes hundreds of refused calls from one address on purpose.
        auth_failures_per_minute=0,
    )
    db = Database(settings.effective_database_url, settings.effective_database_schema)
    await upgrade(db, entry.migrations_dir)
    try:
        seed_module = __import__(f"{entry.module}.seed", fromlist=["seed"])
    except ModuleNotFoundError:
        seed_module = None
    if seed_module is not None:
        await seed_module.seed(db, demo=False)
    await db.dispose()
    app: FastAPI = __import__(f"{entry.module}.main", fromlist=["create_app"]).create_app(settings)
    app.state.matrix_service = name
    await stack.enter_async_context(app.router.lifespan_context(app))
    client = await stack.enter_async_context(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    )
    world: dict[str, Any] = {
        "city": OWN_CITY,
        "partner_id": str(uuid.uuid4()),
        "other_partner_id": str(uuid.uuid4()),
    }
    await WORLDS[name](app, client, world)
    return Running(app, client, world)


async def _made(client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> Any:
    """The world's objects are made by an admin unless ``headers`` say who."""
    admin = {"Authorization": f"Bearer {token('admin')}"}
    r = await client.request(method, url, headers={**admin, **kw.pop("headers", {})}, **kw)
    assert r.status_code in (200, 201, 207), f"{method} {url}: {r.status_code} {r.text}"
    return r.json()


async def _inventory_world(app: FastAPI, c: httpx.AsyncClient, w: dict[str, Any]) -> None:
    city = w["city"]
    w.update(
        year=2023,
        version=1,
        draft_status="draft",
        gpc_reference="I.1.2",
        reference="I.1.2",
        group="g1",
        factor_id="no-grid-location-2023",
        reading_id="matrix-no-such-reading",
    )
    await _made(c, "POST", f"/v1/cities/{city}/inventories", json={"year": w["year"]})
    base = f"/v1/cities/{city}/inventories/{w['year']}/versions/1"
    await _made(
        c,
        "PUT",
        f"{base}/entries/I.1.2",
        json={"kind": "notation", "notation_key": "NO", "justification": "None"},
    )
    report = await _made(
        c,
        "POST",
        f"/v1/cities/{city}/inventories/{w['year']}/import",
        content="gpc_reference,notation_key\nI.1.1,NO\nX.9.9,NO\n",
        headers={"content-type": "text/csv"},
    )
    w["import_id"] = report["import_id"]
    await _made(
        c,
        "POST",
        f"/v1/cities/{city}/targets",
        json={
            "baseline": {"source": "stated", "year": 2019, "sectors": {"I": "100", "II": "50"}},
            "target_year": 2030,
            "reduction_percent": "95",
            "removals_tco2e": "10",
        },
    )
    budget = f"/v1/cities/{city}/budget/{w['year']}"
    measure = await _made(
        c,
        "POST",
        f"{budget}/measures",
        json={"name": "Tiltak", "sector": "II", "expected_reduction_tco2e": "1"},
    )
    w["measure_id"] = measure["id"]
    await _made(c, "PUT", f"/v1/cities/{city}/coverage/I.1.2", json={"share": "0.5"})
    await _made(c, "PUT", f"/v1/cities/{city}/coverage/I.1.2/groups/g1", json={"share": "0.2"})
    account = await _made(
        c,
        "POST",
        "/v1/identity/service-accounts",
        json={"name": "Oslo energy app", "role": "city_editor", "city": city},
    )
    w["client_id"] = account["client_id"]
    w["secrets"] = [account["client_secret"]]


async def _contracts_world(app: FastAPI, c: httpx.AsyncClient, w: dict[str, Any]) -> None:
    for slug in (OWN_CITY, OTHER_CITY):
        await know_city(app, slug)
    w["contact_email"] = "kari@fjordbyen.no"
    partner = await _made(
        c,
        "POST",
        "/v1/partners",
        json={
            "city": w["city"],
            "name": "Fjordbyen Energi AS",
            "helix": "business",
            "contact": {"name": "Kari Nordmann", "email": w["contact_email"]},
        },
    )
    other = await _made(
        c, "POST", "/v1/partners", json={"city": w["city"], "name": "Elvebyen", "helix": "academia"}
    )
    w["partner_id"], w["other_partner_id"] = partner["id"], other["id"]
    invitation = await _made(c, "POST", f"/v1/partners/{partner['id']}/invitations", json={})
    w["invitation_id"] = invitation["id"]
    w["secrets"] = [w["contact_email"], invitation["code"]]
    mou = await _made(
        c,
        "POST",
        "/v1/mous",
        json={
            "partner_id": partner["id"],
            "title": "Klimapartnerskap",
            "period_start": "2025-01-01",
            "period_end": "2027-12-31",
            "commitments": [{"kind": "action", "description": "Biler", "due_by": "2027-12-31"}],
        },
    )
    w["mou_id"], w["commitment_id"] = mou["id"], mou["commitments"][0]["id"]
    w["year"] = 2024
    await _made(
        c,
        "PUT",
        f"/v1/partners/{partner['id']}/climate-accounts/2024",
        json={
            "scope1_tco2e": "1",
            "scope2_location_tco2e": "1",
            "gases": ["CO2"],
            "method": "GHG Protocol",
            "published": False,
        },
    )
    ccc = await _made(c, "POST", f"/v1/cities/{w['city']}/ccc", json={})
    w["version"] = ccc.get("version", 1)
    w["action_id"], w["indicator_id"] = "A-1", "I-1"
    await _made(
        c, "PUT", f"/v1/cities/{w['city']}/ccc/versions/{w['version']}/actions/A-1", json=ACTION
    )


async def _sensors_world(app: FastAPI, c: httpx.AsyncClient, w: dict[str, Any]) -> None:
    async with app.state.db.transaction() as session:
        now = datetime.now(UTC)
        await KnownCityRepository(session).add_all(
            [(OWN_CITY, "Oslo", now), (OTHER_CITY, "Tromsø", now)]
        )
    gateway = await _made(c, "POST", "/v1/gateways", json={"city": OWN_CITY, "name": "Måler"})
    other = await _made(c, "POST", "/v1/gateways", json={"city": OTHER_CITY, "name": "Tromsø"})
    w["gateway_id"], w["api_key"], w["other_api_key"] = (
        gateway["id"],
        gateway["api_key"],
        other["api_key"],
    )
    w["secrets"] = [gateway["api_key"], other["api_key"]]
    keys = await _made(c, "GET", f"/v1/gateways/{gateway['id']}/keys")
    w["key_id"] = keys[0]["id"]
    sensor = await _made(
        c,
        "POST",
        f"/v1/gateways/{gateway['id']}/sensors",
        json={
            "kind": "energy_meter",
            "gpc_reference": "I.1.2",
            "energy_carrier": "electricity",
            "external_id": "meter-1",
        },
    )
    w["sensor_id"] = sensor["id"]


async def _hub_world(app: FastAPI, c: httpx.AsyncClient, w: dict[str, Any]) -> None:
    own = {"Authorization": f"Bearer {token('city', OWN_CITY)}"}
    sub = await _made(c, "POST", "/v1/webhooks", json={"url": "https://example.org/h"}, headers=own)
    w.update(
        id=sub["id"],
        delivery_id=999_999_999,
        network="osloregionen",
        language="en",
    )
    w["resource"] = (await _made(c, "POST", "/v1/resources", json=resource_body(w)))["slug"]
    w["gathering"] = (await _made(c, "POST", "/v1/gatherings", json=gathering_body(w)))["slug"]
    registration = await _made(
        c,
        "POST",
        f"/v1/gatherings/{w['gathering']}/registrations",
        json={"name": "Ola", "email": "ola.deltaker@example.org"},
    )
    w["registration_id"] = registration["id"]
    members_only = "Kun for medlemmer " + uuid.uuid4().hex
    thread = await _made(
        c,
        "POST",
        "/v1/forum/threads",
        headers=own,
        json={"title": members_only, "body": members_only, "visibility": "members"},
    )
    w["thread_id"] = thread["id"]
    w["secrets"] = [
        sub["secret"],
        "ola.deltaker@example.org",
        registration["cancellation_token"],
        members_only,
    ]


WORLDS = {
    "inventory": _inventory_world,
    "contracts": _contracts_world,
    "sensors": _sensors_world,
    "hub": _hub_world,
}


class Services:
    """The four services, each started on first use and kept for the module."""

    def __init__(
        self, broker: str, data_dir: Path, stack: AsyncExitStack, postgres_url: str | None
    ) -> None:
        self.broker, self.data_dir, self.stack = broker, data_dir, stack
        self.postgres_url = postgres_url
        self.running: dict[str, Running] = {}

    async def get(self, name: str) -> Running:
        if name not in self.running:
            self.running[name] = await _start(
                name, self.broker, self.data_dir, self.stack, self.postgres_url
            )
        return self.running[name]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def matrix_postgres(request: pytest.FixtureRequest) -> str | None:
    """The session's PostgreSQL database for the matrix's second run, None for SQLite (a plain
    fixture: the session's database is made outside any event loop)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture(scope="module")
async def services(
    broker: str, tmp_path_factory: pytest.TempPathFactory, matrix_postgres: str | None
) -> AsyncIterator[Services]:
    postgres_url = matrix_postgres
    async with AsyncExitStack() as stack:
        yield Services(broker, tmp_path_factory.mktemp("matrix"), stack, postgres_url)


def _order(key: str) -> tuple[int, bool, bool, int]:
    """Service by service; deletes after the other rows, the deepest path first, so that
    deleting a gateway (say) cannot take away the key another row is tried on; the rows that
    freeze their object (``last``) at the very end."""
    service, method, path = key.split(" ", 2)
    deleting = method == "DELETE"
    depth = -path.count("/") if deleting else 0
    return (SERVICE_NAMES.index(service), MATRIX[key].last, deleting, depth)


ROWS = sorted(MATRIX, key=_order)


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_operation_has_a_row_and_every_row_an_operation(
    service: str, services: Services
) -> None:
    documented = set(operations((await services.get(service)).app))
    rows = {key for key in MATRIX if key.split(" ", 1)[0] == service}
    assert documented - rows == set(), "operations without a row in authorization_matrix.py"
    assert rows - documented == set(), "rows of authorization_matrix.py for no operation"


def _url(key: str, rule: Rule, world: dict[str, Any]) -> str:
    path = key.split(" ", 2)[2]

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(world[rule.path.get(name, name)])

    return re.sub(r"\{([^}]+)\}", fill, path)


def _judge(
    expected: Outcome, response: httpx.Response, rule: Rule, world: dict[str, Any]
) -> str | None:
    """None when the answer is the expected one, else what was wrong."""
    status = response.status_code
    if status >= 500:
        return f"a server error {status}"
    if isinstance(expected, int):
        return None if status == expected else f"expected {expected}, got {status}"
    if expected == ITEMS_403:
        # The batch's own status follows its items (403 when every item is refused).
        results = response.json().get("results") or [{}]
        statuses = [(r.get("problem") or {}).get("status") for r in results]
        return None if set(statuses) == {403} else f"items answered {statuses}, not all 403"
    if status in (401, 403, 429):
        return f"expected {expected}, refused with {status}"
    if rule.private is None:
        return None
    shows = status == 200 and rule.private(world, response.json())
    if expected == OK and not shows:
        return f"allowed, but the private object is not in the {status} answer"
    if expected == HIDDEN and shows:
        return f"the private object is shown ({status})"
    return None


@pytest.mark.parametrize("key", ROWS)
async def test_authorization(key: str, services: Services) -> None:
    rule = MATRIX[key]
    service, method, _path = key.split(" ", 2)
    running = await services.get(service)
    if rule.not_called:
        assert set(rule.expect) == {"none"}, "only a public operation may go uncalled"
        return
    url = _url(key, rule, running.world)
    wrong: list[str] = []
    for case in (rule, *rule.also):
        wrong += await _try(running, method, url, case)
    assert not wrong, f"{key} ({url}):\n" + "\n".join(wrong)


async def _try(running: Running, method: str, url: str, rule: Rule) -> list[str]:
    """Each caller of ``rule`` once; what was wrong with their answers."""
    # Refused callers first: an allowed write may change the object the others are tried on.
    callers = sorted(rule.expect, key=lambda c: rule.expect[c] == OK)
    wrong = []
    for caller in callers:
        kw: dict[str, Any] = {"params": dict(rule.query), "headers": running.headers(caller)}
        if rule.content is not None:
            kw["content"] = rule.content(running.world)
            kw["headers"]["content-type"] = rule.content_type
        elif rule.body is not None:
            kw["json"] = rule.body(running.world)
        response = await running.client.request(method, url, **kw)
        problem = _judge(rule.expect[caller], response, rule, running.world)
        if rule.expect[caller] != OK or caller == "none":
            # A refused or public answer shows no secret of the world (a key, a code, a
            # contact person, a participant's e-mail, a members-only thread).
            shown = [s for s in running.world.get("secrets", ()) if s in response.text]
            problem = problem or (f"shows {shown}" if shown else None)
        if problem:
            wrong.append(f"{caller}: {problem}: {response.text[:200]}")
    return wrong
