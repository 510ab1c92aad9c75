"""Projecting contracts' portfolio events, and checking a reference to a contract action."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.inventory.contract_actions.models import ContractAction, ContractPortfolio
from shared.events.payloads import CccPortfolioChanged
from shared.messaging.consumer import ConsumedEvent
from shared.problems import ProblemError
from shared.text import without_nul


async def project(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
    """The consumer's handler: each portfolio event replaces what was known of its city (the
    city's events come in order, on one partition); other contracts events are not needed."""
    now = datetime.now(UTC)
    for event in events:
        payload = event.payload
        if not isinstance(payload, CccPortfolioChanged):
            continue
        await session.execute(
            delete(ContractAction).where(col(ContractAction.city) == payload.city)
        )
        portfolio = await session.get(ContractPortfolio, payload.city)
        if portfolio is None:
            session.add(
                ContractPortfolio(city=payload.city, version=payload.version, updated_at=now)
            )
        else:
            portfolio.version = payload.version
            portfolio.updated_at = now
        rows = [
            {
                "city": payload.city,
                # Another service's text: never let it block this projection.
                "action_id": without_nul(action.action_id)[:100],
                "version": payload.version,
                "name": without_nul(action.name)[:300],
            }
            for action in payload.actions
        ]
        if rows:
            # Bulk INSERT (not session.add): rows of an earlier event of the same batch were
            # deleted above by a statement, and the identity map must not hold them against us.
            await session.execute(insert(ContractAction), rows)
        await session.flush()


async def check_reference(
    session: AsyncSession, city: str, action_id: str, field: str = "/body/contract_action_id"
) -> None:
    """422 unless the action is in the city's tracked CCC as contracts last announced it.

    A city for which contracts has announced no CCC yet has nothing to check against: the
    reference is kept as given (docs/live-accounting-and-budget.md says so)."""
    portfolio = await session.get(ContractPortfolio, city)
    if portfolio is None:
        return
    if await session.get(ContractAction, (city, action_id)) is None:
        raise ProblemError(
            422,
            "Unknown contract action",
            f"the Climate City Contract of '{city}' (version {portfolio.version}, as contracts "
            f"announced it) has no action '{action_id}'",
            kind="unknown-contract-action",
            field=field,
        )
