"""Knowledge resources: full-text search by stem in the database's own engine (PostgreSQL
tsvector 'norwegian', SQLite FTS5 with Snowball stems), facets, translation status."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI


def resource(
    slug: str,
    title: str,
    body: str,
    *,
    kind: str = "guide",
    language: str = "nb",
    effort_areas: list[str] | None = None,
    sectors: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "slug": slug, "kind": kind, "origin": "Testkommune", "language": language,
        "text": {"title": title, "summary": "", "body": body},
        "tags": {"effort_areas": effort_areas or [], "gpc_sectors": sectors or [],
                 **extra.pop("tags", {})},
        **extra,
    }  # fmt: skip


CORPUS = [
    resource("budsjett-veileder", "Veileder for klimabudsjett", "Slik lager kommunen et klimabudsjett med årlige rammer.",
             effort_areas=["land_use_transport", "buildings_energy"], sectors=["I", "II"]),
    resource("budsjett-case", "Erfaringer fra Målselv", "Kommunen vedtok sitt første klimabudsjett i 2020.",
             kind="case_study", effort_areas=["buildings_energy"], sectors=["I"]),
    resource("budsjett-modell", "Modell for utslippsrammer", "En regnemodell: klimabudsjettene fordeler utslippsrammer per sektor.",
             kind="tool", tool_kind="climate_budget_model", effort_areas=["land_use_transport"], sectors=["II"]),
    resource("avfall", "Avfall og forbruk", "Sirkulær økonomi i kommunen.", effort_areas=["consumption_waste"], sectors=["III"]),
    resource("nzc-budget", "Climate budget guide", "How a city sets a climate budget.", language="en",
             netzerocities=True, effort_areas=["buildings_energy"], sectors=["I"]),
]  # fmt: skip


async def create_corpus(client: httpx.AsyncClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for item in CORPUS:
        r = await client.post("/v1/resources", json=item, headers=headers)
        assert r.status_code == 201, r.text
    # A Norwegian translation of the English NetZeroCities guide mentions klimabudsjett too.
    r = await client.put(
        "/v1/resources/nzc-budget/texts/nb",
        json={
            "title": "Veileder for klimabudsjett (NetZeroCities)",
            "body": "Hvordan en by setter et klimabudsjett.",
            "status": "machine",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text


async def test_a_norwegian_word_finds_resources_by_stem_ranked_with_correct_facets(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = hub
    await create_corpus(client, admin_token)

    r = await client.get("/v1/resources", params={"q": "klimabudsjettet"})
    assert r.status_code == 200, r.text
    found = r.json()
    # "klimabudsjettet" (definite) finds "klimabudsjett", "klimabudsjettene" and the translation.
    assert {h["slug"] for h in found["results"]} == {
        "budsjett-veileder",
        "budsjett-case",
        "budsjett-modell",
        "nzc-budget",
    }
    assert found["total"] == 4
    # Ranked: the word in the title weighs more than in the body only.
    ranks = {h["slug"]: h["rank"] for h in found["results"]}
    assert ranks["budsjett-veileder"] > ranks["budsjett-case"] > 0
    assert [h["rank"] for h in found["results"]] == sorted(ranks.values(), reverse=True)
    nzc = next(h for h in found["results"] if h["slug"] == "nzc-budget")
    assert nzc["language"] == "nb" and nzc["matched_languages"] == ["nb"]

    # Facets are counted over the matches, from the tags of the matching resources.
    expected: dict[str, Counter[str]] = {
        "effort_area": Counter(),
        "gpc_sector": Counter(),
        "kind": Counter(),
    }
    for item in CORPUS:
        if item["slug"] in ranks:
            expected["kind"][item["kind"]] += 1
            expected["effort_area"].update(item["tags"]["effort_areas"])
            expected["gpc_sector"].update(item["tags"]["gpc_sectors"])
    facets = found["facets"]
    for name, counter in expected.items():
        assert {f["value"]: f["count"] for f in facets[name]} == dict(counter), name
    assert {f["value"]: f["count"] for f in facets["kind"]} == {
        "guide": 2,
        "case_study": 1,
        "tool": 1,
    }
    assert {f["value"]: f["count"] for f in facets["language"]} == {"nb": 4}

    # The English text is searched with its own language's stemmer.
    en = (await client.get("/v1/resources", params={"q": "budgets"})).json()
    assert [h["slug"] for h in en["results"]] == ["nzc-budget"]
    assert {f["value"]: f["count"] for f in en["facets"]["language"]} == {"en": 1}

    # Filters narrow the matches, and the facets with them.
    tools = (
        await client.get("/v1/resources", params={"q": "klimabudsjettet", "kind": "tool"})
    ).json()
    assert [h["slug"] for h in tools["results"]] == ["budsjett-modell"]
    assert tools["facets"]["gpc_sector"] == [{"value": "II", "count": 1}]
    energy = (
        await client.get(
            "/v1/resources",
            params={"q": "klimabudsjett", "effort_area": "buildings_energy", "gpc_sector": "I"},
        )
    ).json()
    assert {h["slug"] for h in energy["results"]} == {
        "budsjett-veileder",
        "budsjett-case",
        "nzc-budget",
    }
    nzc_only = (
        await client.get(
            "/v1/resources",
            params={"q": "klimabudsjett", "netzerocities": "true", "language": "nb"},
        )
    ).json()
    assert [h["slug"] for h in nzc_only["results"]] == ["nzc-budget"]
    # Paging keeps total and facets of every match.
    page = (
        await client.get("/v1/resources", params={"q": "klimabudsjettet", "limit": 1, "offset": 1})
    ).json()
    assert page["total"] == 4 and len(page["results"]) == 1
    assert page["facets"] == facets

    # Nothing matches: no hits, empty facets; FTS syntax in the query is just text.
    none = (await client.get("/v1/resources", params={"q": 'NEAR("x" AND) *'})).json()
    assert none["total"] == 0 and none["facets"]["kind"] == []


async def test_changing_the_original_marks_its_translations_outdated(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str, city_token: Any
) -> None:
    _, client = hub
    admin = {"Authorization": f"Bearer {admin_token}"}
    body = resource(
        "nzc-guide",
        "Climate neutrality guide",
        "Original text.",
        language="en",
        netzerocities=True,
        tags={"cities": ["oslo"], "ccc_actions": ["oslo-a-12"]},
    )
    assert (await client.post("/v1/resources", json=body, headers=admin)).status_code == 201
    assert (
        await client.put(
            "/v1/resources/nzc-guide/texts/nb",
            json={"title": "Veileder", "status": "machine"},
            headers=admin,
        )
    ).status_code == 201
    reviewed = await client.put(
        "/v1/resources/nzc-guide/texts/nb",
        json={
            "title": "Veileder for klimanøytralitet",
            "status": "human_reviewed",
            "locally_adapted": True,
            "adaptation_note": "Tilpasset norske forhold",
        },
        headers=admin,
    )
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "human_reviewed"
    assert (
        await client.put(
            "/v1/resources/nzc-guide/texts/sv",
            json={"title": "Guide", "status": "machine"},
            headers=admin,
        )
    ).status_code == 201

    one = (await client.get("/v1/resources/nzc-guide")).json()
    assert {s["language"]: s["status"] for s in one["languages"]} == {
        "en": "original",
        "nb": "human_reviewed",
        "sv": "machine",
    }
    assert one["tags"]["ccc_actions"] == ["oslo-a-12"] and one["tags"]["cities"] == ["oslo"]

    revised = await client.put(
        "/v1/resources/nzc-guide/texts/en",
        json={"title": "Climate neutrality guide", "body": "Revised."},
        headers=admin,
    )
    assert revised.status_code == 200 and revised.json()["based_on_revision"] == 2
    after = (await client.get("/v1/resources/nzc-guide")).json()
    assert after["revision"] == 2
    assert {s["language"]: s["status"] for s in after["languages"]} == {
        "en": "original",
        "nb": "outdated",
        "sv": "outdated",
    }
    nb = next(t for t in after["texts"] if t["language"] == "nb")
    assert nb["based_on_revision"] == 1 and nb["locally_adapted"] is True
    # A new translation of the revised original is current again.
    renewed = await client.put(
        "/v1/resources/nzc-guide/texts/nb",
        json={"title": "Veileder", "status": "machine"},
        headers=admin,
    )
    assert renewed.json()["status"] == "machine" and renewed.json()["based_on_revision"] == 2
    # The search index follows the revision.
    assert (await client.get("/v1/resources", params={"q": "revised"})).json()["total"] == 1
    assert (await client.get("/v1/resources", params={"q": "original text"})).json()["total"] == 0

    # Rules: the original has no status; a translation needs one; only the hub or the publishing city writes.
    no_status = await client.put(
        "/v1/resources/nzc-guide/texts/da", json={"title": "Vejledning"}, headers=admin
    )
    assert (
        no_status.status_code == 422
        and no_status.json()["invalid-params"][0]["name"] == "/body/status"
    )
    with_status = await client.put(
        "/v1/resources/nzc-guide/texts/en", json={"title": "x", "status": "machine"}, headers=admin
    )
    assert with_status.status_code == 422
    city = {"Authorization": f"Bearer {city_token('oslo')}"}
    assert (
        await client.put(
            "/v1/resources/nzc-guide/texts/da",
            json={"title": "x", "status": "machine"},
            headers=city,
        )
    ).status_code == 403
    own = resource(
        "oslo-case", "Oslos erfaringer", "Tekst.", kind="case_study", publisher_city="oslo"
    )
    assert (await client.post("/v1/resources", json=own, headers=city)).status_code == 201
    other = resource("trd-case", "Trondheims erfaringer", "Tekst.", publisher_city="trondheim")
    refused = await client.post("/v1/resources", json=other, headers=city)
    assert (
        refused.status_code == 403
        and refused.json()["invalid-params"][0]["name"] == "/body/publisher_city"
    )
    assert (await client.post("/v1/resources", json=own, headers=admin)).status_code == 409
    nul = await client.post("/v1/resources", json=resource("nul", "a\x00", "b"), headers=admin)
    assert nul.status_code == 422 and nul.json()["invalid-params"][0]["name"] == "/body/text/title"
    assert (await client.post("/v1/resources", json=resource("x", "t", "b"))).status_code == 401


async def test_a_nul_in_a_search_is_a_422_naming_the_query(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """PostgreSQL text cannot hold NUL: refused at the edge on both databases, never a 500."""
    _, client = hub
    for path in ("/v1/resources", "/v1/directory/networks", "/directory"):
        r = await client.get(path, params={"q": "klima\x00budsjett"})
        assert r.status_code == 422, (path, r.text)
        assert r.json()["invalid-params"][0]["name"] == "/query/q"
