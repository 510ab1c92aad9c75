"""Fixtures of the contracts tests: the running service, a fresh city, valid org numbers."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from services.contracts.partners.organisation_number import check_digit
from tests.conftest import ServiceClientFactory


@pytest.fixture
async def contracts(
    service_client: ServiceClientFactory,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The contracts app, migrated and running (relay publishing to the session's broker)."""
    async with service_client("contracts") as running:
        yield running


@pytest.fixture
def city() -> str:
    """A city slug no other test uses: the broker's topics are shared by the whole session."""
    return f"testby-{uuid.uuid4().hex[:10]}"


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
