"""The `oidc` profile's Keycloak realm agrees with the claims mapping of shared/auth.py: its
tokens carry the audience, the role names and the city and partner claims the services read
by default, so trying real sign-in needs no mapping settings at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shared.auth import ROLES, ClaimsMapping
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
REALM = ROOT / "deploy" / "keycloak" / "klimaby-realm.json"


def realm() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REALM.read_text())
    return loaded


def test_the_oidc_profile_runs_keycloak_with_the_realm_file() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    keycloak = compose["services"]["keycloak"]
    assert keycloak["profiles"] == ["oidc"]
    assert "--import-realm" in keycloak["command"]
    (mount,) = keycloak["volumes"]
    assert mount.split(":")[0] == "./deploy/keycloak/klimaby-realm.json"
    # Only on the host's loopback: demo users must not be reachable from the network.
    assert all(p.startswith("127.0.0.1:") for p in keycloak["ports"])


def test_the_realm_roles_are_klimabys_roles() -> None:
    assert {r["name"] for r in realm()["roles"]["realm"]} == set(ROLES)


def test_every_client_puts_the_claims_the_mapping_reads_into_access_tokens() -> None:
    mapping = ClaimsMapping()
    defaults = ServiceSettings()
    for client in realm()["clients"]:
        mappers = {m["protocolMapper"]: m["config"] for m in client["protocolMappers"]}
        by_claim = {m["config"].get("claim.name"): m["config"] for m in client["protocolMappers"]}
        assert mappers["oidc-audience-mapper"]["included.custom.audience"] == (
            defaults.oidc_audience
        )
        assert mapping.roles[0] in by_claim, client["clientId"]
        assert by_claim[mapping.roles[0]]["multivalued"] == "true"
        for claim in (mapping.city[0], mapping.partner[0]):
            assert by_claim[claim]["access.token.claim"] == "true", (client["clientId"], claim)


def test_the_demo_users_city_comes_from_their_city_group() -> None:
    groups = {g["path"]: g["attributes"]["city"] for g in realm()["groups"]}
    kari = next(u for u in realm()["users"] if u["username"] == "kari")
    assert kari["realmRoles"] == ["city_editor"] and groups[kari["groups"][0]] == ["oslo"]
