"""Numbers of request bodies are JSON numbers (shared/jsontypes.py): not true, not "60"; 60.0
is still an integer, and a CSV cell is still text. Every body of every service is checked."""

from __future__ import annotations

import importlib
import types
import typing
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from services.registry import SERVICE_NAMES, SERVICES
from services.sensors.cities.repository import KnownCityRepository
from shared.auth import issue_token
from shared.jsontypes import JSONFloat, JSONInt, JSONIntegerCheck
from shared.openapi import _api_routes
from tests.conftest import ServiceClientFactory
from tests.contracts.helpers import know_city, register_partner
from tests.helpers import ELECTRICITY_METER

INT: TypeAdapter[int | None] = TypeAdapter(JSONInt | None)
FLOAT: TypeAdapter[float | None] = TypeAdapter(JSONFloat | None)
BOUNDED: TypeAdapter[int | None] = TypeAdapter(
    Annotated[int, Field(ge=1, le=10), JSONIntegerCheck] | None
)


def _error(adapter: TypeAdapter[Any], value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return str(caught.value.errors()[0]["type"])


@pytest.mark.parametrize("value", [True, False, "60", "60.0"])
def test_an_integer_is_neither_a_boolean_nor_text(value: object) -> None:
    assert _error(INT, value) == "int_type"
    assert _error(BOUNDED, value) == "int_type"


def test_an_integer_may_be_written_with_a_zero_fraction_and_may_be_left_out() -> None:
    assert INT.validate_python(60) == 60
    assert INT.validate_python(60.0) == 60
    assert INT.validate_python(None) is None
    assert _error(INT, 60.5) == "int_from_float"


@pytest.mark.parametrize("value", [True, False, "1.5", "2"])
def test_a_number_is_neither_a_boolean_nor_text(value: object) -> None:
    assert _error(FLOAT, value) == "float_type"


def test_a_number_may_be_whole_and_may_be_left_out() -> None:
    assert FLOAT.validate_python(1.5) == 1.5
    assert FLOAT.validate_python(2) == 2.0
    assert FLOAT.validate_python(None) is None


def test_text_input_is_still_read_as_numbers() -> None:
    # A CSV cell (model_validate_strings) is text whatever it holds.
    assert INT.validate_strings("60") == 60
    assert FLOAT.validate_strings("1.5") == 1.5
    assert BOUNDED.validate_strings("3") == 3


def test_bounds_stay_in_the_schema_and_are_checked() -> None:
    assert BOUNDED.json_schema()["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 10}
    assert _error(BOUNDED, 11) == "less_than_equal"
    assert TypeAdapter(Annotated[JSONFloat, Field(gt=0)] | None).json_schema()["anyOf"][0] == {
        "type": "number",
        "exclusiveMinimum": 0,
    }


# Every request body of every service, by its models' fields.


def _numbers(annotation: Any) -> set[type]:
    """int and float where ``annotation`` holds them (in a union, a list, a dict's values)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return set()
    if origin is not None:
        found: set[type] = set()
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis and not isinstance(arg, str | int):
                found |= _numbers(arg)
        return found
    return {annotation} & {int, float}


def _spoiled(annotation: Any, bad: object) -> object:
    """``bad`` where the field's number goes: alone, as a list's item or a dict's value."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _spoiled(typing.get_args(annotation)[0], bad)
    if origin in (typing.Union, types.UnionType):
        member = next(a for a in typing.get_args(annotation) if a is not type(None))
        return _spoiled(member, bad)
    if origin is list:
        return [bad]
    if origin is dict:
        return {"A": bad}
    return bad


def _models(annotation: Any, seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    """The models of a body, nested ones too."""
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    if is_model and annotation not in seen:
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation, seen)
    for arg in typing.get_args(annotation):
        yield from _models(arg, seen)


def apps() -> list[FastAPI]:
    return [
        importlib.import_module(f"{SERVICES[name].module}.main").create_app()
        for name in SERVICE_NAMES
    ]


def request_body_models() -> list[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    found = []
    for app in apps():
        for _path, _methods, dependant in _api_routes(app):
            for body in dependant.body_params:
                found += list(_models(body.field_info.annotation, seen))
    return found


def test_every_number_of_every_request_body_is_a_json_number() -> None:
    lax = []
    checked = 0
    for model in request_body_models():
        for name, field in model.model_fields.items():
            if not _numbers(field.annotation):
                continue
            checked += 1
            key = field.alias or name
            for bad in (True, "60"):
                try:
                    model.model_validate({key: _spoiled(field.annotation, bad)})
                    errors: list[str] = []
                except ValidationError as exc:
                    errors = [str(e["type"]) for e in exc.errors() if e["loc"][:1] == (key,)]
                if not {"int_type", "float_type"} & set(errors):
                    lax.append(f"{model.__module__}.{model.__qualname__}.{name} took {bad!r}")
    assert checked >= 40  # the walk finds the bodies' numbers
    assert not lax, lax


def _pydantic_bounds(node: object, at: str = "") -> Iterator[str]:
    """Where a schema holds a bound under pydantic's name (a bound after JSONIntegerCheck)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"ge", "gt", "le", "lt", "multiple_of"} and not at.endswith("/properties"):
                yield f"{at}/{key}"
            yield from _pydantic_bounds(value, f"{at}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _pydantic_bounds(value, f"{at}/{n}")


def test_the_documents_state_every_bound_as_json_schema_does() -> None:
    # minimum, not ge: a bound put after the check is enforced, but documented wrongly.
    for app in apps():
        assert list(_pydantic_bounds(app.openapi())) == [], app.title


# Real endpoints: the 422 names the field, and nothing is written.

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}
Probe = Callable[[], Awaitable[bool]]


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token('test-admin', 'admin')}"}


@dataclass
class Refused:
    """A request with one bad number, and a probe: True while nothing was written."""

    url: str
    body: dict[str, Any]
    field: str
    nothing_written: Probe
    headers: dict[str, str]


async def _factor(_app: FastAPI, client: httpx.AsyncClient) -> Refused:
    factor = f"test-json-{uuid.uuid4().hex[:8]}"
    body = {
        "id": factor, "name": "Test grid", "activity": "electricity_grid",
        "gpc_references": ["I.1.2"], "activity_unit": "kWh", "gas": "CO2", "value": "0.01",
        "mass_unit": "kg", "region": "NO", "valid_from_year": "2020", "source": "test data",
    }  # fmt: skip

    async def nothing() -> bool:
        return (await client.get(f"/v1/factors/{factor}")).status_code == 404

    return Refused("/v1/factors", body, "/body/valid_from_year", nothing, admin())


async def _gateway(app: FastAPI, client: httpx.AsyncClient) -> str:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with app.state.db.transaction() as session:
        await KnownCityRepository(session).add_all([(city, city.title(), datetime.now(UTC))])
    r = await client.post("/v1/gateways", json={"city": city, "name": "json"}, headers=admin())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _sensor_with(app: FastAPI, client: httpx.AsyncClient, **bad: Any) -> Refused:
    gateway = await _gateway(app, client)
    body = {"external_id": "meter-1", **ELECTRICITY_METER, **bad}

    async def nothing() -> bool:
        r = await client.get("/v1/sensors", params={"gateway_id": gateway}, headers=admin())
        return r.status_code == 200 and r.json() == []

    (field,) = bad
    return Refused(f"/v1/gateways/{gateway}/sensors", body, f"/body/{field}", nothing, admin())


async def _latitude(app: FastAPI, client: httpx.AsyncClient) -> Refused:
    return await _sensor_with(app, client, latitude="59.91")


async def _expected_interval(app: FastAPI, client: httpx.AsyncClient) -> Refused:
    return await _sensor_with(app, client, expected_interval_s=True)


async def _invitation(app: FastAPI, client: httpx.AsyncClient) -> Refused:
    city = f"testby-{uuid.uuid4().hex[:10]}"
    await know_city(app, city)
    token = issue_token(f"test-{city}", "city", city)
    partner = await register_partner(client, city, token)
    own = {"Authorization": f"Bearer {token}"}
    url = f"/v1/partners/{partner['id']}/invitations"

    async def nothing() -> bool:
        r = await client.get(url, headers=own)
        return r.status_code == 200 and r.json() == []

    return Refused(url, {"valid_days": True}, "/body/valid_days", nothing, own)


def _gathering_with(**bad: Any) -> Callable[[FastAPI, httpx.AsyncClient], Awaitable[Refused]]:
    async def case(_app: FastAPI, client: httpx.AsyncClient) -> Refused:
        slug = f"json-{uuid.uuid4().hex[:8]}"
        start = "2030-11-18T08:30:00+01:00"
        body: dict[str, Any] = {
            "slug": slug, "title": "Klimasamling", "venue": "Rådhuset", "organiser": "Fylket",
            "starts_at": start, "ends_at": "2030-11-19T15:30:00+01:00",
            "registration_deadline": "2030-11-01T00:00:00+01:00", "capacity": 10,
            "tracks": [{"key": "A", "day": "2030-11-19", "title": "Spor A", "capacity": 5}],
            "sessions": [{"starts_at": start, "title": "Åpning"}],
        }  # fmt: skip
        field = "/body/capacity"
        if "track_capacity" in bad:
            body["tracks"][0]["capacity"] = bad["track_capacity"]
            field = "/body/tracks/0/capacity"
        else:
            body.update(bad)

        async def nothing() -> bool:
            return (await client.get(f"/v1/gatherings/{slug}")).status_code == 404

        return Refused("/v1/gatherings", body, field, nothing, admin())

    return case


CASES: dict[str, tuple[str, Callable[[FastAPI, httpx.AsyncClient], Awaitable[Refused]]]] = {
    "inventory factor, a year as text": ("inventory", _factor),
    "sensors sensor, a latitude as text": ("sensors", _latitude),
    "sensors sensor, an interval as true": ("sensors", _expected_interval),
    "contracts invitation, its days as true": ("contracts", _invitation),
    "hub gathering, its places as true": ("hub", _gathering_with(capacity=True)),
    "hub gathering, a track's places as text": ("hub", _gathering_with(track_capacity="5")),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_boolean_or_text_for_a_number_is_a_422_naming_the_field_and_nothing_is_written(
    service_client: ServiceClientFactory, case: str
) -> None:
    service, prepare = CASES[case]
    async with service_client(service, **OFFLINE) as (app, client):
        refused = await prepare(app, client)
        r = await client.post(refused.url, json=refused.body, headers=refused.headers)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [p["name"] for p in r.json()["invalid-params"]] == [refused.field]
        assert await refused.nothing_written()
