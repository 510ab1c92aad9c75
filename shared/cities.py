"""The city a request is about: one parameter type for every service.

A city slug is lower-case (``oslo``). A slug in another case (``Oslo``) is a 422 that says which
slug to use; a well-formed slug of a city the service does not know is a 404. Each service
knows its cities its own way (the inventory owns them; the others keep a projection of
``city.registered``), so it passes its own check.

How to use it (a drop-in for a ``city`` path or query parameter)::

    from typing import Annotated
    from fastapi import Depends
    from shared.cities import known_city_path, known_city_query

    async def city_is_known(session: AsyncSession, slug: str) -> bool:
        return await CityRepository(session).get(slug) is not None

    # ``/v1/cities/{city}/...`` and ``?city=oslo`` (an optional filter):
    CityPath = Annotated[str, Depends(known_city_path(city_is_known))]
    CityQuery = Annotated[str | None, Depends(known_city_query(city_is_known))]

    @router.get("/v1/cities/{city}/live")
    async def live(city: CityPath, session: DbSession) -> ...: ...

    @router.get("/v1/gateways")
    async def gateways(session: DbSession, city: CityQuery = None) -> ...: ...

The parameter keeps the name ``city`` and its pattern in the OpenAPI document. The check runs
in the request's own session (the same ``DbSession`` the endpoint gets), so it adds no
transaction. In a request body, type the field ``CitySlugField`` (the same 422 hint, from
pydantic, naming the field) and check that the city is known in the service.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator, Field
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import DbSession
from shared.events.payloads import CITY_SLUG_PATTERN
from shared.problems import ProblemError

CityIsKnown = Callable[[AsyncSession, str], Awaitable[bool]]
_SLUG = re.compile(CITY_SLUG_PATTERN)
_DESCRIPTION = "City slug, lower-case, e.g. oslo"


def check_city_slug(value: str, field: str) -> str:
    """``value`` if it is a city slug; a 422 naming ``field`` otherwise, with the slug to use
    when only the case is wrong."""
    if _SLUG.match(value):
        return value
    if _SLUG.match(value.lower()):
        raise ProblemError(
            422,
            "City slug in the wrong case",
            f"city slugs are lower-case: use '{value.lower()}', not '{value}'",
            kind="validation",
            field=field,
            extra={"use": value.lower()},
        )
    raise ProblemError(
        422,
        "Not a city slug",
        f"'{value}' is not a city slug (lower-case letters, digits and '-', e.g. oslo)",
        kind="validation",
        field=field,
    )


def _lower_case_hint(value: Any) -> Any:
    if isinstance(value, str) and not _SLUG.match(value) and _SLUG.match(value.lower()):
        raise ValueError(f"city slugs are lower-case: use '{value.lower()}', not '{value}'")
    return value


CitySlugField = Annotated[
    str,
    BeforeValidator(_lower_case_hint),
    # The pattern again for the OpenAPI document: pydantic leaves a constraint that follows a
    # before-validator out of the JSON schema, though it checks it.
    Field(
        pattern=CITY_SLUG_PATTERN,
        max_length=64,
        description=_DESCRIPTION,
        json_schema_extra={"pattern": CITY_SLUG_PATTERN},
    ),
]
"""A city slug in a request body: a wrong case is a 422 that says which slug to use."""


def unknown_city(slug: str, field: str) -> ProblemError:
    return ProblemError(404, "Not Found", f"no city '{slug}'", kind="not-found", field=field)


# The pattern is shown in the OpenAPI document but checked here, so that a wrong case gets the
# slug to use instead of a bare pattern mismatch.
_SCHEMA: dict[str, Any] = {"pattern": CITY_SLUG_PATTERN}


def known_city_path(is_known: CityIsKnown) -> Callable[..., Awaitable[str]]:
    """The dependency of the ``{city}`` path parameter: a known city's slug (422 wrong case,
    404 unknown). Use as ``Annotated[str, Depends(known_city_path(is_known))]``."""

    async def known_city(
        session: DbSession,
        city: str = Path(max_length=64, description=_DESCRIPTION, json_schema_extra=_SCHEMA),
    ) -> str:
        check_city_slug(city, "/path/city")
        if not await is_known(session, city):
            raise unknown_city(city, "/path/city")
        return city

    return known_city


def known_city_query(is_known: CityIsKnown) -> Callable[..., Awaitable[str | None]]:
    """The dependency of an optional ``?city=`` filter: absent, or a known city's slug (422
    wrong case, 404 unknown: an empty list would hide a typo). Use as
    ``Annotated[str | None, Depends(known_city_query(is_known))]``."""

    async def known_city_filter(
        session: DbSession,
        city: str | None = Query(
            None, max_length=64, description=_DESCRIPTION, json_schema_extra=_SCHEMA
        ),
    ) -> str | None:
        if city is None:
            return None
        check_city_slug(city, "/query/city")
        if not await is_known(session, city):
            raise unknown_city(city, "/query/city")
        return city

    return known_city_filter


async def city_slug_path(
    city: str = Path(max_length=64, description=_DESCRIPTION, json_schema_extra=_SCHEMA),
) -> str:
    """The ``{city}`` path parameter where the endpoint itself answers an unknown city (e.g. with
    an HTML 404 page): only the slug is checked (422 with the slug to use for a wrong case)."""
    return check_city_slug(city, "/path/city")
