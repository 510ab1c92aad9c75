"""The authorization matrix: for every operation of the four services, who may call it.

One row per operation (``"<service> <METHOD> <path template>"``), read by
``test_authorization_matrix.py``, which fails for an operation of an OpenAPI document that has
no row here (a new endpoint cannot slip past) and for a row whose operation is gone.

The callers, tried in this order (those expected to pass authorization last, so that an allowed
write cannot take away the object a refused caller is tried on):

- ``none``: no credentials at all;
- ``bad_signature``: an admin token signed with another secret;
- ``expired``: an admin token that expired an hour ago;
- ``other_city``: a token of another city (Tromsø) than the one that owns the object (Oslo);
- ``other_partner``: the token of another partner of Oslo than the one that owns the object;
- ``member``: a member token (KDD, a state member of the hub's forum; writes no city's data);
- ``partner``: the token of Oslo's partner that owns the object (for an object of Oslo itself:
  a partner of the city, which may not write its city's data);
- ``city``: Oslo's own token;
- ``admin``: an admin token;
- sensor ingestion only: ``bad_key`` (an API key no gateway has), ``other_gateway`` (the key of
  Tromsø's gateway, posting for Oslo's sensor) and ``gateway`` (the sensor's own gateway's key).

The expected answers:

- ``OK``: passed authorization: any answer but 401, 403, 429 and 5xx (a 404, 409 or 422 after
  the check is the handler's); on a private read (``private=`` given) a 200 that shows the
  private object;
- ``401`` / ``403``: exactly that status;
- ``404``: refused by not finding the object (its existence is not told to a stranger);
- ``HIDDEN``: a read answered without the private object (a 404, or a 2xx that leaves it out);
- ``ITEMS_403``: a batch answered per item (readings), every item refused with 403.

Public reads (``public()``) are tried without credentials only: they show the same to everybody
(they have no credential dependency at all). The two writes open to anyone, a gathering's
registration and accepting an invitation by its one-time code, are tried with every caller.
Reads that show private data (drafts, contact persons, unpublished climate accounts, API keys,
participant lists, members-only threads, webhook subscriptions) are rows like the writes, with
a ``private`` check of the answer. Every refused answer and every anonymous one must also show
none of the world's secrets (API keys, an invitation code, a webhook secret, a contact person,
a participant's e-mail and cancellation token, a members-only thread).

Authorization and validation: a missing or invalid token is refused (401) before the body is
validated (the token is a dependency, solved first); the checks that compare the caller with
the object (403) run in the handler, after validation. So every write here has a valid body:
a refused caller must get its 403 and not a 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

OK = "ok"
HIDDEN = "hidden"
ITEMS_403 = "items 403"
Outcome = int | str  # 401, 403, 404, OK, HIDDEN or ITEMS_403

TOKEN_CALLERS = (
    "none",
    "bad_signature",
    "expired",
    "other_city",
    "other_partner",
    "member",
    "partner",
    "city",
    "admin",
)
UNAUTHENTICATED = ("none", "bad_signature", "expired")

World = Mapping[str, Any]
Body = Callable[[World], Any]


@dataclass(frozen=True)
class Rule:
    """Who gets which answer (``expect``, caller → outcome) and how the operation is called."""

    expect: Mapping[str, Outcome]
    body: Body | None = None
    # A text body (CSV) instead of JSON, with its media type.
    content: Callable[[World], str] | None = None
    content_type: str = "text/csv"
    query: Mapping[str, Any] = field(default_factory=dict)
    # Path parameters by name → the world's key, when the parameter's own name is not it.
    path: Mapping[str, str] = field(default_factory=dict)
    # On a private read: does the answer show the private object?
    private: Callable[[World, Any], bool] | None = None
    # Why a public operation is not called at all.
    not_called: str | None = None
    # A transition that freezes the object (signing an MoU, submitting a CCC) runs after the
    # service's other rows, so that their allowed callers find it still editable.
    last: bool = False
    # The same operation called again, after this row, with another body that needs another
    # role (the reviewer's steps of a CCC's lifecycle are the admin's, the city's are its own).
    also: tuple[Rule, ...] = ()


def public(not_called: str | None = None, path: Mapping[str, str] | None = None) -> Rule:
    """A public read (or a write any visitor may make): no credentials needed."""
    return Rule(expect={"none": OK}, not_called=not_called, path=path or {})


def writes(*allowed: str, **overrides: Outcome) -> dict[str, Outcome]:
    """Credentials needed: 401 without valid ones, ``allowed`` pass, other tokens get 403."""
    expect: dict[str, Outcome] = {c: 401 if c in UNAUTHENTICATED else 403 for c in TOKEN_CALLERS}
    expect.update(dict.fromkeys(allowed, OK))
    expect.update(overrides)
    return expect


def reads(*allowed: str, **overrides: Outcome) -> dict[str, Outcome]:
    """A read open to all that shows its private object only to ``allowed``: an invalid token
    is still a 401 (never silently anonymous)."""
    expect: dict[str, Outcome] = {c: HIDDEN for c in TOKEN_CALLERS}
    expect.update({"bad_signature": 401, "expired": 401})
    expect.update(dict.fromkeys(allowed, OK))
    expect.update(overrides)
    return expect


def rule(expect: Mapping[str, Outcome], body: Body | None = None, **kw: Any) -> Rule:
    return Rule(expect=expect, body=body, **kw)


NOT_THE_REGISTRANT: dict[str, Outcome] = dict.fromkeys(
    ("other_city", "other_partner", "member", "partner"), 401
)
CITY = ("city", "admin")  # the city's own token, or an admin
ADMIN = ("admin",)


def _has(key: str, value: Any) -> Callable[[World, Any], bool]:
    """A private check: some object of the answer (or the answer) has ``key`` == world[value]."""

    def check(world: World, answer: Any) -> bool:
        items = answer if isinstance(answer, list) else [answer]
        return any(isinstance(i, dict) and i.get(key) == world[value] for i in items)

    return check


def _contact_shown(world: World, answer: Any) -> bool:
    items = answer if isinstance(answer, list) else [answer]
    return any(
        isinstance(i, dict) and (i.get("contact") or {}).get("email") == world["contact_email"]
        for i in items
    )


def _in_future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


NOTATION = {"kind": "notation", "notation_key": "NO", "justification": "No such activity"}
ACCOUNT = {
    "scope1_tco2e": "10",
    "scope2_location_tco2e": "5",
    "gases": ["CO2"],
    "method": "GHG Protocol",
    "published": False,
}
ACTION = {
    "id": "A-1",
    "name": "Elektriske ferjer",
    "type": "investment",
    "field_of_action": "land_use_and_transport",
    "systemic_lever": "technology_and_infrastructure",
    "timeline": {"start": "2025-01-01", "end": "2030-12-31"},
}


def gathering_body(world: World) -> dict[str, Any]:
    return {
        "slug": _unique("samling"),
        "title": "Klimasamling",
        "venue": "Rådhuset",
        "organiser": "Oslo kommune",
        "organiser_city": world["city"],
        "starts_at": _in_future(60),
        "ends_at": _in_future(61),
        "registration_deadline": _in_future(30),
    }


def resource_body(world: World) -> dict[str, Any]:
    return {
        "slug": _unique("veileder"),
        "kind": "guide",
        "origin": "Oslo kommune",
        "language": "nb",
        "publisher_city": world["city"],
        "text": {"title": "Veileder"},
    }


MATRIX: dict[str, Rule] = {
    # --- every service: operations ------------------------------------------------------------
    **{f"{s} GET /healthz": public() for s in ("inventory", "contracts", "sensors", "hub")},
    **{f"{s} GET /readyz": public() for s in ("inventory", "contracts", "sensors", "hub")},
    # --- inventory: cities, catalogue, factors --------------------------------------------------
    "inventory GET /v1/cities": public(),
    "inventory POST /v1/cities": rule(
        writes(*ADMIN), lambda w: {"slug": _unique("testby"), "name": "Testby"}
    ),
    "inventory GET /v1/cities/{city}": public(),
    "inventory GET /v1/gpc/sectors": public(),
    "inventory GET /v1/gpc/cells": public(),
    "inventory GET /v1/gpc/cells/{reference}": public(),
    "inventory GET /v1/factors": public(),
    "inventory POST /v1/factors": rule(
        writes(*ADMIN),
        lambda w: {
            "id": _unique("test-factor"),
            "name": "Test factor",
            "activity": "electricity_grid",
            "gpc_references": ["I.1.2"],
            "activity_unit": "kWh",
            "gas": "CO2e",
            "gwp_set": "AR5",
            "value": "10",
            "mass_unit": "g",
            "region": "NO",
            "valid_from_year": 2024,
            "source": "Test",
        },
    ),
    "inventory POST /v1/factors/{factor_id}/revisions": rule(
        writes(*ADMIN), lambda w: {"reason": "Corrected value", "value": "16"}
    ),
    "inventory GET /v1/factors/{factor_id}": public(),
    "inventory GET /v1/factors/{factor_id}/versions": public(),
    "inventory GET /v1/factors/{factor_id}/versions/{version}": public(),
    # --- inventory: yearly inventories (the world has Oslo's draft of its year) ----------------
    "inventory GET /v1/cities/{city}/inventories": rule(reads(*CITY), private=_has("year", "year")),
    "inventory POST /v1/cities/{city}/inventories": rule(writes(*CITY), lambda w: {"year": 2019}),
    "inventory GET /v1/cities/{city}/inventories/{year}": rule(
        reads(*CITY), private=_has("status", "draft_status")
    ),
    "inventory GET /v1/cities/{city}/inventories/{year}/versions": rule(
        reads(*CITY), private=_has("status", "draft_status")
    ),
    "inventory POST /v1/cities/{city}/inventories/{year}/versions": rule(
        writes(*CITY), lambda w: {}
    ),
    **{
        f"inventory GET /v1/cities/{{city}}/inventories/{{year}}/versions/{{version}}{tail}": rule(
            writes(*CITY, none=401)
        )
        for tail in (
            "",
            "/entries",
            "/entries/{gpc_reference}",
            "/completeness",
            "/views/gpc",
            "/views/territorial",
            "/audit",
            "/export",
        )
    },
    "inventory POST /v1/cities/{city}/inventories/{year}/versions/{version}/publish": rule(
        writes(*CITY)
    ),
    "inventory PUT /v1/cities/{city}/inventories/{year}/versions/{version}/entries/{gpc_reference}": (
        rule(writes(*CITY), lambda w: NOTATION)
    ),
    "inventory DELETE /v1/cities/{city}/inventories/{year}/versions/{version}/entries/{gpc_reference}": (
        rule(writes(*CITY))
    ),
    "inventory POST /v1/cities/{city}/inventories/{year}/import": rule(
        writes(*CITY), content=lambda w: "gpc_reference,notation_key\nI.1.1,NO\n"
    ),
    "inventory GET /v1/cities/{city}/live/year-to-date/export": public(),
    "inventory POST /v1/cities/{city}/agency-statistics": rule(
        writes(*CITY),
        content=lambda w: "year,sector,source,tco2e\n2022,Veitrafikk,Personbiler,100\n",
    ),
    "inventory GET /v1/cities/{city}/agency-statistics": public(),
    "inventory GET /v1/cities/{city}/imports/{import_id}/problems": rule(writes(*CITY)),
    # --- inventory: live accounting (public) ----------------------------------------------------
    "inventory GET /v1/cities/{city}/live": public(),
    "inventory GET /v1/cities/{city}/live/year-to-date": public(),
    "inventory GET /v1/cities/{city}/live/views/gpc": public(),
    "inventory GET /v1/cities/{city}/live/views/territorial": public(),
    "inventory GET /v1/cities/{city}/live/hourly": public(),
    "inventory GET /v1/cities/{city}/live/lineage": public(),
    "inventory GET /v1/cities/{city}/live/lineage/factors": public(),
    "inventory GET /v1/readings/{reading_id}": public(),
    # --- inventory: targets, budget, coverage ---------------------------------------------------
    "inventory POST /v1/cities/{city}/targets": rule(
        writes(*CITY),
        lambda w: {
            "baseline": {"source": "stated", "year": 2019, "sectors": {"I": "100", "II": "50"}},
            "target_year": 2030,
            "reduction_percent": "95",
            "removals_tco2e": "10",
        },
    ),
    "inventory GET /v1/cities/{city}/targets": public(),
    "inventory GET /v1/cities/{city}/targets/versions": public(),
    "inventory GET /v1/cities/{city}/targets/trajectory": public(),
    "inventory GET /v1/cities/{city}/budget/{year}": public(),
    "inventory PUT /v1/cities/{city}/budget/{year}/projection": rule(
        writes(*CITY), lambda w: {"sectors": {"I": "90", "II": "40"}}
    ),
    "inventory POST /v1/cities/{city}/budget/{year}/measures": rule(
        writes(*CITY),
        lambda w: {"name": "Ladestasjoner", "sector": "II", "expected_reduction_tco2e": "5"},
    ),
    "inventory GET /v1/cities/{city}/budget/{year}/measures": public(),
    "inventory DELETE /v1/cities/{city}/budget/{year}/measures/{measure_id}": rule(writes(*CITY)),
    "inventory GET /v1/cities/{city}/budget/{year}/pace": public(),
    "inventory GET /v1/cities/{city}/coverage": public(),
    "inventory GET /v1/cities/{city}/coverage/{gpc_reference}": public(),
    "inventory PUT /v1/cities/{city}/coverage/{gpc_reference}": rule(
        writes(*CITY), lambda w: {"share": "0.5"}
    ),
    "inventory DELETE /v1/cities/{city}/coverage/{gpc_reference}": rule(writes(*CITY)),
    "inventory PUT /v1/cities/{city}/coverage/{gpc_reference}/groups/{group}": rule(
        writes(*CITY), lambda w: {"share": "0.25"}
    ),
    "inventory DELETE /v1/cities/{city}/coverage/{gpc_reference}/groups/{group}": rule(
        writes(*CITY)
    ),
    # --- contracts: partners and their credentials (the world's partner belongs to Oslo) -------
    "contracts POST /v1/partners": rule(
        writes(*CITY), lambda w: {"city": w["city"], "name": "Fjordbyen AS", "helix": "business"}
    ),
    "contracts GET /v1/partners": rule(
        reads("partner", *CITY), query={"city": "oslo"}, private=_contact_shown
    ),
    "contracts GET /v1/partners/{partner_id}": rule(
        reads("partner", *CITY), private=_contact_shown
    ),
    "contracts PATCH /v1/partners/{partner_id}": rule(
        writes("partner", *CITY), lambda w: {"name": "Elvebyen Universitet"}
    ),
    "contracts POST /v1/partners/{partner_id}/invitations": rule(writes(*CITY), lambda w: {}),
    "contracts GET /v1/partners/{partner_id}/invitations": rule(writes(*CITY)),
    "contracts DELETE /v1/partners/{partner_id}/invitations/{invitation_id}": rule(writes(*CITY)),
    # The one-time code is the credential: any caller with it (tried with a wrong code).
    "contracts POST /v1/invitations/accept": rule(
        dict.fromkeys(TOKEN_CALLERS, 404), lambda w: {"code": "not-the-code-" + uuid.uuid4().hex}
    ),
    # --- contracts: MoUs and commitments --------------------------------------------------------
    # The city proposes an MoU to its partner; the partner then signs, moves and commits.
    "contracts POST /v1/mous": rule(
        writes(*CITY),
        lambda w: {
            "partner_id": w["partner_id"],
            "title": "Klimapartnerskap",
            "period_start": "2025-01-01",
            "period_end": "2027-12-31",
        },
    ),
    "contracts GET /v1/mous": public(),
    "contracts POST /v1/mous/{mou_id}/sign": rule(
        writes("partner", *CITY),
        lambda w: {"signatory": "Kari Nordmann", "signed_on": "2025-03-14"},
        last=True,
    ),
    "contracts POST /v1/mous/{mou_id}/transitions": rule(
        writes("partner", *CITY), lambda w: {"status": "active"}, last=True
    ),
    "contracts GET /v1/mous/{mou_id}": public(),
    "contracts POST /v1/mous/{mou_id}/commitments": rule(
        writes("partner", *CITY),
        lambda w: {"kind": "action", "description": "Varebiler", "due_by": "2027-12-31"},
    ),
    "contracts GET /v1/mous/{mou_id}/commitments": public(),
    "contracts PUT /v1/mous/{mou_id}/commitments/{commitment_id}": rule(
        writes("partner", *CITY),
        lambda w: {"kind": "action", "description": "Alle varebiler", "due_by": "2027-12-31"},
    ),
    "contracts DELETE /v1/mous/{mou_id}/commitments/{commitment_id}": rule(
        writes("partner", *CITY)
    ),
    # --- contracts: partners' climate accounts (the world's is unpublished) ---------------------
    "contracts GET /v1/partners/{partner_id}/climate-accounts": rule(
        reads("partner", *CITY), private=_has("year", "year")
    ),
    "contracts GET /v1/partners/{partner_id}/climate-accounts/trend": rule(
        reads("partner", *CITY), private=lambda w, a: a.get("includes_unpublished") is True
    ),
    "contracts GET /v1/partners/{partner_id}/climate-accounts/{year}": rule(
        reads("partner", *CITY), private=_has("year", "year")
    ),
    "contracts PUT /v1/partners/{partner_id}/climate-accounts/{year}": rule(
        writes("partner", *CITY), lambda w: ACCOUNT
    ),
    # --- contracts: the Climate City Contract (public reads) ------------------------------------
    "contracts POST /v1/cities/{city}/ccc": rule(writes(*CITY), lambda w: {}),
    "contracts GET /v1/cities/{city}/ccc": public(),
    "contracts POST /v1/cities/{city}/ccc/versions": rule(writes(*CITY)),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}": public(),
    "contracts PATCH /v1/cities/{city}/ccc/versions/{version}": rule(
        writes(*CITY), lambda w: {"title": "Oslos klimabykontrakt"}
    ),
    # The city submits; the review is the admin's alone: a city cannot award itself the label.
    "contracts POST /v1/cities/{city}/ccc/versions/{version}/transitions": rule(
        writes(*CITY),
        lambda w: {"transition": "submit"},
        last=True,
        also=(
            rule(writes(*ADMIN), lambda w: {"transition": "start_review"}),
            rule(writes(*ADMIN), lambda w: {"transition": "award"}),
        ),
    ),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}/history": public(),
    "contracts GET /v1/cities/{city}/ccc/diff": public(),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}/actions": public(),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}/actions/{action_id}": public(),
    "contracts PUT /v1/cities/{city}/ccc/versions/{version}/actions/{action_id}": rule(
        writes(*CITY), lambda w: {**ACTION, "id": w["action_id"]}
    ),
    "contracts DELETE /v1/cities/{city}/ccc/versions/{version}/actions/{action_id}": rule(
        writes(*CITY)
    ),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}/funding-gap": public(),
    "contracts PUT /v1/cities/{city}/ccc/versions/{version}/actions/{action_id}/investment": rule(
        writes(*CITY), lambda w: {"action_id": w["action_id"]}
    ),
    "contracts GET /v1/cities/{city}/ccc/tracking/actions": public(),
    "contracts GET /v1/cities/{city}/ccc/tracking/actions/{action_id}": public(),
    "contracts GET /v1/cities/{city}/ccc/tracking/indicators/{indicator_id}": public(),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}/export": public(),
    "contracts GET /v1/cities/{city}/ccc/versions/{version}/report": public(),
    "contracts GET /v1/ccc/export-schema": public(),
    # --- sensors: gateways, their keys, sensors (the world's gateway is Oslo's) -----------------
    "sensors POST /v1/gateways": rule(
        writes(*CITY), lambda w: {"city": w["city"], "name": _unique("gateway")}
    ),
    "sensors GET /v1/gateways": public(),
    "sensors GET /v1/gateways/{gateway_id}": public(),
    "sensors PATCH /v1/gateways/{gateway_id}": rule(
        writes(*CITY), lambda w: {"name": "Hovedmåler"}
    ),
    "sensors DELETE /v1/gateways/{gateway_id}": rule(writes(*CITY)),
    "sensors GET /v1/gateways/{gateway_id}/keys": rule(writes(*CITY), private=_has("id", "key_id")),
    "sensors POST /v1/gateways/{gateway_id}/keys": rule(writes(*CITY), lambda w: {}),
    "sensors DELETE /v1/gateways/{gateway_id}/keys/{key_id}": rule(writes(*CITY)),
    "sensors POST /v1/gateways/{gateway_id}/sensors": rule(
        writes(*CITY),
        lambda w: {
            "kind": "energy_meter",
            "gpc_reference": "I.1.2",
            "energy_carrier": "electricity",
            "external_id": _unique("meter"),
        },
    ),
    "sensors POST /v1/gateways/{gateway_id}/sensors/bulk": rule(
        writes(*CITY),
        content=lambda w: (
            "external_id,kind,gpc_reference,energy_carrier\n"
            f"{_unique('meter')},energy_meter,I.1.2,electricity\n"
        ),
    ),
    "sensors GET /v1/sensors": public(),
    "sensors GET /v1/sensors/{sensor_id}": public(),
    "sensors PATCH /v1/sensors/{sensor_id}": rule(writes(*CITY), lambda w: {"latitude": 59.91}),
    "sensors DELETE /v1/sensors/{sensor_id}": rule(writes(*CITY)),
    "sensors GET /v1/sensors/{sensor_id}/activity": public(),
    "sensors GET /v1/gateways/{gateway_id}/activity": public(),
    # Gateways post with their API key; a bearer token, even an admin's, is no gateway.
    "sensors POST /v1/readings": rule(
        {"none": 401, "bad_key": 401, "admin": 401, "other_gateway": ITEMS_403, "gateway": OK},
        lambda w: {
            "readings": [
                {
                    "sensor_id": w["sensor_id"],
                    "time": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                    "value": 1.5,
                    "unit": "kWh",
                }
            ]
        },
    ),
    # --- hub: progress (public) -----------------------------------------------------------------
    "hub GET /v1/cities": public(),
    "hub GET /v1/cities/{city}": public(),
    "hub GET /v1/cities/{city}/progress": public(),
    "hub GET /v1/national": public(),
    "hub GET /v1/stream": public(not_called="an event stream never ends (tests/hub/test_stream)"),
    "hub GET /": public(),
    "hub GET /cities/{city}": public(),
    "hub GET /directory": public(),
    "hub GET /gatherings/{slug}": public(path={"slug": "gathering"}),
    # --- hub: webhooks (the world's subscription is Oslo's) -------------------------------------
    # Another city sees its own subscriptions only; a partner or member token manages none.
    "hub GET /v1/webhooks": rule(writes(*CITY, other_city=HIDDEN), private=_has("id", "id")),
    # Subscribing to Oslo's events: another city is refused before the hub looks the city up
    # (this hub has no event about Oslo, so the allowed callers get a 404 after the check).
    "hub POST /v1/webhooks": rule(
        writes(*CITY),
        lambda w: {"url": "https://example.org/hook", "cities": [w["city"]]},
    ),
    **{
        f"hub {method} /v1/webhooks/{{id}}{tail}": rule(
            writes(*CITY, other_city=404), (lambda w: {}) if method in ("PATCH", "POST") else None
        )
        for method, tail in (
            ("GET", ""),
            ("PATCH", ""),
            ("DELETE", ""),
            ("GET", "/deliveries"),
            ("POST", "/deliveries/{delivery_id}/replay"),
            ("POST", "/replay"),
        )
    },
    # --- hub: the network directory -------------------------------------------------------------
    "hub GET /v1/directory/networks": public(),
    "hub GET /v1/directory/networks/{network}": public(),
    "hub GET /v1/directory/networks/{network}/members": public(),
    "hub PUT /v1/directory/networks/{network}/members/cities/{city}": rule(writes(*CITY)),
    "hub DELETE /v1/directory/networks/{network}/members/cities/{city}": rule(writes(*CITY)),
    "hub PUT /v1/directory/networks/{network}/members/partners/{partner_id}": rule(
        writes(*CITY), lambda w: {"city": w["city"], "name": "Fjordbyen AS"}
    ),
    "hub DELETE /v1/directory/networks/{network}/members/partners/{partner_id}": rule(
        writes(*CITY)
    ),
    "hub GET /v1/directory/cities/{city}/networks": public(),
    # --- hub: knowledge resources (the world's is published by Oslo) ----------------------------
    "hub GET /v1/resources": public(),
    "hub POST /v1/resources": rule(writes(*CITY), resource_body),
    "hub GET /v1/resources/{slug}": public(path={"slug": "resource"}),
    "hub PUT /v1/resources/{slug}/texts/{language}": rule(
        writes(*CITY),
        lambda w: {"title": "Guide", "status": "human_reviewed"},
        path={"slug": "resource"},
    ),
    # --- hub: gatherings (the world's is organised by Oslo, with one registration) --------------
    "hub GET /v1/gatherings": public(),
    "hub POST /v1/gatherings": rule(writes(*CITY), gathering_body),
    "hub GET /v1/gatherings/calendar.ics": public(),
    "hub GET /v1/gatherings/{slug}": public(path={"slug": "gathering"}),
    "hub PATCH /v1/gatherings/{slug}": rule(
        writes(*CITY), lambda w: {"capacity": 100}, path={"slug": "gathering"}
    ),
    "hub GET /v1/gatherings/{slug}/programme.ics": public(path={"slug": "gathering"}),
    # Anyone registers (a token is not asked for, and not looked at: a bad one is ignored).
    "hub POST /v1/gatherings/{slug}/registrations": rule(
        dict.fromkeys(TOKEN_CALLERS, OK),
        lambda w: {"name": "Kari", "email": f"{_unique('kari')}@example.org"},
        path={"slug": "gathering"},
    ),
    "hub GET /v1/gatherings/{slug}/registrations": rule(
        writes(*CITY), path={"slug": "gathering"}, private=_has("id", "registration_id")
    ),
    # One registration: its organiser's token, or the registration's own token (the
    # cancellation token, X-Registration-Token); any other bearer lacks that credential: 401.
    "hub GET /v1/gatherings/{slug}/registrations/{registration_id}": rule(
        writes(*CITY, **NOT_THE_REGISTRANT),
        path={"slug": "gathering"},
        private=_has("id", "registration_id"),
    ),
    "hub DELETE /v1/gatherings/{slug}/registrations/{registration_id}": rule(
        writes(*CITY, **NOT_THE_REGISTRANT), path={"slug": "gathering"}
    ),
    # --- hub: the collaboration forum (members: Oslo, Trondheim, Stavanger, KDD, KLD) -----------
    "hub GET /v1/forum/members": public(),
    "hub POST /v1/forum/members": rule(
        writes(*ADMIN),
        lambda w: {
            "organisation": "Testdirektoratet",
            "kind": "state",
            "subject": _unique("dir"),
        },
    ),
    "hub GET /v1/forum/threads": rule(reads("member", "city"), private=_has("id", "thread_id")),
    "hub POST /v1/forum/threads": rule(
        writes("member", "city"), lambda w: {"title": "Ladeinfrastruktur", "body": "Erfaringer?"}
    ),
    "hub GET /v1/forum/threads/{thread_id}": rule(
        reads("member", "city"), private=_has("id", "thread_id")
    ),
    "hub POST /v1/forum/threads/{thread_id}/replies": rule(
        writes("member", "city", admin=403), lambda w: {"body": "Vi har gode erfaringer."}
    ),
}
