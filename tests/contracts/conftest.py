"""Fixtures of the contracts tests: the running service, a fresh city it knows, valid org
numbers, partner tokens."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from services.contracts.partners.organisation_number import check_digit
from shared.auth import issue_token
from tests.conftest import ServiceClientFactory
from tests.contracts.helpers import know_city


@pytest.fixture
async def contracts(
    service_client: ServiceClientFactory,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The contracts app, migrated and running (relay publishing to the session's broker).
    Its consumer of ``city.registered`` is off (each test would wait for a group join):
    ``city`` makes the city known through the consumer's own function, and test_cities runs
    the consumer on the real broker."""
    async with service_client("contracts", consumers_enabled=False) as running:
        yield running


@pytest.fixture
def register_city(
    contracts: tuple[FastAPI, httpx.AsyncClient],
) -> Callable[[str], Awaitable[None]]:
    app, _ = contracts
    return lambda slug: know_city(app, slug)


@pytest.fixture
async def city(contracts: tuple[FastAPI, httpx.AsyncClient]) -> str:
    """A city slug no other test uses (the broker's topics are shared by the whole session),
    known to contracts."""
    slug = f"testby-{uuid.uuid4().hex[:10]}"
    await know_city(contracts[0], slug)
    return slug


@pytest.fixture
def partner_token() -> Callable[[str, str], str]:
    """``partner_token(partner_id, city)``: the partner's own bearer token."""

    def make(partner_id: str, city: str) -> str:
        return issue_token(
            f"test-partner-{partner_id}",
            "partner",
            city,
            partner=partner_id,
        )

    return make


def make_organisation_number(rng: random.Random) -> str:
    while True:
        first_eight = str(rng.choice((8, 9))) + "".join(str(rng.randrange(10)) for _ in range(7))
        digit = check_digit(first_eight)
        if digit is not None:
            return first_eight + str(digit)


@pytest.fixture
def organisation_number() -> Callable[[], str]:
    """Valid (MOD11) organisation numbers, different on each call."""
    rng = random.Random()
    return lambda: make_organisation_number(rng)
