"""Input the fuzzing run found answered with a 500 or a hang: refused with a 4xx, in one place
(shared/guards.py) for every service, on both databases."""

from __future__ import annotations

import pytest

from services.registry import SERVICE_NAMES
from shared.guards import AuthFailures, json_depth_exceeds, lone_surrogates


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[[[[[[["}', 4)
    assert not json_depth_exceeds(b'{"a": [[1], [2], [3], [4], [5]]}', 4)
    assert json_depth_exceeds(b"[" * 6 + b"]" * 6, 5)
    assert not json_depth_exceeds(b"[" * 5 + b"]" * 5, 5)


def test_lone_surrogates_are_named_by_pointer() -> None:
    doc = {"name": "ok", "notes": ["fine", "bad\ud800"], "ok": "\U0001f600"}
    assert list(lone_surrogates(doc)) == ["/body/notes/1"]


def test_failed_authentication_is_slowed_per_address() -> None:
    failures = AuthFailures(limit=3, window_s=60)
    for t in (0, 1, 2):
        assert failures.blocked_for("a", now=t) == 0
        failures.record("a", now=t)
    assert failures.blocked_for("a", now=3) == pytest.approx(57)
    assert failures.blocked_for("b", now=3) == 0
    assert failures.blocked_for("a", now=61) == 0


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_bad_input_is_a_4xx_on_every_service(
    service: str, service_client, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    async with service_client(service) as (app, client):
        writes = [
            (path, method)
            for path, item in app.openapi()["paths"].items()
            for method in item
            if method in ("post", "put", "patch") and "{" not in path
        ]
        # The guard stands before routing: a service without writes yet is probed all the same.
        path, method = writes[0] if writes else ("/v1/no-such-write", "post")
        surrogate = await client.request(
            method,
            path,
            content=b'{"name": "x\\ud800", "deep": {"notes": ["\\udfff"]}}',
            headers={**auth, "content-type": "application/json"},
        )
        assert surrogate.status_code == 422, surrogate.text
        names = [p["name"] for p in surrogate.json()["invalid-params"]]
        assert names == ["/body/name", "/body/deep/notes/0"]

        deep = await client.request(
            method,
            path,
            content=b"[" * 5000 + b"]" * 5000,
            headers={**auth, "content-type": "application/json"},
        )
        assert deep.status_code == 422 and deep.json()["invalid-params"][0]["name"] == "/body"

        too_large = await client.request(
            method,
            path,
            content=b"x" * (app.state.settings.max_request_bytes + 1),
            headers={**auth, "content-type": "text/csv"},
        )
        assert too_large.status_code == 413, too_large.text

        nul = await client.get("/v1/cities/%00")
        assert nul.status_code in (404, 422), nul.text
        nul_query = await client.get("/healthz?city=%00")
        assert nul_query.status_code == 422


async def test_repeated_bad_tokens_get_429(service_client) -> None:
    async with service_client("contracts", auth_failures_per_minute=3) as (_app, client):
        bad = {"Authorization": "Bearer not-a-token"}
        codes = [
            (await client.post("/v1/partners", json={}, headers=bad)).status_code for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        # Callers without credentials are not locked out by someone else's guessing.
        assert (await client.get("/v1/partners")).status_code == 200
