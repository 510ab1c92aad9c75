"""Reporting climate accounts, and their trend against the partner's own commitments
(the method is ``METHOD`` below, also in every trend answer)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.cities.service import today_in
from services.contracts.climate_accounts.models import ClimateAccount
from services.contracts.climate_accounts.repository import ClimateAccountRepository
from services.contracts.climate_accounts.schemas import (
    SCOPE3_CATEGORIES,
    ClimateAccountIn,
    ClimateAccountPublic,
    ClimateAccountTrend,
    CommitmentDue,
    Scope3Public,
    TrendStatus,
    TrendYear,
)
from services.contracts.commitments.repository import CommitmentRepository
from services.contracts.mous.repository import MouRepository
from services.contracts.partners.models import Partner
from services.contracts.partners.service import get_partner
from shared.auth import Principal, ensure_may_act_for_partner
from shared.events.payloads import ClimateAccountReported
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import mg_from_tco2e, tco2e_from_mg

METHOD = """The trend compares what the partner's account shows with what it committed to:
the base year is its first account; each later year's committed path is the base total minus
the expected cuts of the commitments due by the end of that year (of its signed, active and reported MoUs;
a renewed MoU's commitments continue in its renewal, an ended MoU's no longer count). The
commitments' cuts are stated per GPC sector of the city, the account in the partner's own
scopes: the comparison is the partner's total (scope 1 + scope 2 location-based + scope 3
reported) against that path, and a year whose scope 3 categories differ from the base year's
says so (comparable_with_base). A year without an account is no_data, never on course."""

COUNTED_MOU_STATES = ("signed", "active", "reported")
MAX_TREND_YEARS = 60
FIRST_YEAR = 1990


def _mg(value: object, field: str) -> int:
    try:
        return mg_from_tco2e(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ProblemError(
            422, "Request validation failed", str(exc), kind="validation", field=field
        ) from exc


def _scope3_mg(account: ClimateAccount) -> int:
    return sum(account.scope3_mg.values())


def total_mg(account: ClimateAccount) -> int:
    return account.scope1_mg + account.scope2_location_mg + _scope3_mg(account)


def public(account: ClimateAccount) -> ClimateAccountPublic:
    scope3 = _scope3_mg(account)
    market = account.scope2_market_mg
    return ClimateAccountPublic(
        id=account.id,
        partner_id=account.partner_id,
        city=account.city,
        year=account.year,
        scope1_tco2e=tco2e_from_mg(account.scope1_mg),
        scope2_location_tco2e=tco2e_from_mg(account.scope2_location_mg),
        scope2_market_tco2e=tco2e_from_mg(market) if market is not None else None,
        scope3=[
            Scope3Public(
                category=int(c),
                name=SCOPE3_CATEGORIES[int(c)],
                tco2e=tco2e_from_mg(account.scope3_mg[c]),
            )
            for c in sorted(account.scope3_mg, key=int)
        ],
        scope3_tco2e=tco2e_from_mg(scope3),
        total_tco2e=tco2e_from_mg(total_mg(account)),
        total_market_tco2e=(
            tco2e_from_mg(account.scope1_mg + market + scope3) if market is not None else None
        ),
        gases=account.gases,
        method=account.method,
        tool=account.tool,
        verification=account.verification,
        verifier=account.verifier,
        published=account.published,
        published_url=account.published_url,
        reported_by=account.reported_by,
        reported_at=account.reported_at,
    )


def may_see_unpublished(reader: Principal | None, partner: Partner) -> bool:
    return reader is not None and reader.may_act_for_partner(partner.id, partner.city)


async def _check_year(session: AsyncSession, partner: Partner, year: int) -> None:
    this_year = (await today_in(session, partner.city)).year
    if not FIRST_YEAR <= year <= this_year:
        raise ProblemError(
            422,
            "Request validation failed",
            f"a climate account is for a year from {FIRST_YEAR} to this year ({this_year})",
            kind="validation",
            field="/path/year",
        )


async def report(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    partner_id: uuid.UUID,
    year: int,
    data: ClimateAccountIn,
) -> tuple[ClimateAccount, bool]:
    """Create or replace the partner's account of ``year``; True when it was new. The partner
    reports its own; its city may enter it on the partner's behalf; nobody else (403)."""
    partner = await get_partner(session, partner_id)
    ensure_may_act_for_partner(principal, partner.id, partner.city)
    await _check_year(session, partner, year)
    scope3: dict[str, int] = {}
    for i, item in enumerate(data.scope3):
        if str(item.category) in scope3:
            raise ProblemError(
                422,
                "Request validation failed",
                f"scope 3 category {item.category} is given twice",
                kind="validation",
                field=f"/body/scope3/{i}/category",
            )
        scope3[str(item.category)] = _mg(item.tco2e, f"/body/scope3/{i}/tco2e")
    if len(set(data.gases)) != len(data.gases):
        raise ProblemError(
            422,
            "Request validation failed",
            "a gas is named twice",
            kind="validation",
            field="/body/gases",
        )
    if data.verification == "third_party" and not data.verifier:
        raise ProblemError(
            422,
            "Request validation failed",
            "a third-party verification names its verifier",
            kind="validation",
            field="/body/verifier",
        )
    values: dict[str, Any] = {
        "scope1_mg": _mg(data.scope1_tco2e, "/body/scope1_tco2e"),
        "scope2_location_mg": _mg(data.scope2_location_tco2e, "/body/scope2_location_tco2e"),
        "scope2_market_mg": None
        if data.scope2_market_tco2e is None
        else _mg(data.scope2_market_tco2e, "/body/scope2_market_tco2e"),
        "scope3_mg": scope3,
        "gases": list(data.gases),
        "method": data.method,
        "tool": data.tool,
        "verification": data.verification,
        "verifier": data.verifier,
        "published": data.published,
        "published_url": str(data.published_url) if data.published_url else None,
        "reported_by": principal.actor,
        "reported_at": datetime.now(UTC),
    }
    repo = ClimateAccountRepository(session)
    account = await repo.get(partner.id, year)
    created = account is None
    if account is None:
        account = ClimateAccount(partner_id=partner.id, city=partner.city, year=year, **values)
        repo.add(account)
    else:
        for name, value in values.items():
            setattr(account, name, value)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ProblemError(
            409,
            "Conflict",
            f"the account of {year} was reported concurrently; send it again to replace it",
            kind="conflict",
            field="/path/year",
        ) from exc
    total = total_mg(account)
    await outbox.add(
        session,
        ClimateAccountReported(
            partner_id=partner.id,
            city=partner.city,
            year=year,
            scope1_co2e_mg=account.scope1_mg,
            scope2_location_co2e_mg=account.scope2_location_mg,
            scope2_market_co2e_mg=account.scope2_market_mg,
            scope3_co2e_mg=_scope3_mg(account),
            scope3_categories=sorted(int(c) for c in account.scope3_mg),
            total_co2e_mg=total,
            total_tco2e=tco2e_from_mg(total),
            verification=data.verification,
            published=account.published,
            replaced=not created,
            reported_by=principal.actor,
        ),
        key=partner.city,
        subject=f"partners/{partner.id}/climate-accounts/{year}",
    )
    return account, created


async def accounts_of(
    session: AsyncSession, reader: Principal | None, partner_id: uuid.UUID
) -> list[ClimateAccount]:
    partner = await get_partner(session, partner_id)
    published_only = not may_see_unpublished(reader, partner)
    return list(
        await ClimateAccountRepository(session).of_partner(
            partner.id, published_only=published_only
        )
    )


async def account_of(
    session: AsyncSession, reader: Principal | None, partner_id: uuid.UUID, year: int
) -> ClimateAccount:
    partner = await get_partner(session, partner_id)
    account = await ClimateAccountRepository(session).get(partner.id, year)
    if account is None or not (account.published or may_see_unpublished(reader, partner)):
        raise ProblemError(
            404,
            "Not Found",
            f"partner '{partner_id}' has no published climate account of {year}",
            kind="not-found",
            field="/path/year",
        )
    return account


async def trend(
    session: AsyncSession, reader: Principal | None, partner_id: uuid.UUID
) -> ClimateAccountTrend:
    partner = await get_partner(session, partner_id)
    unpublished = may_see_unpublished(reader, partner)
    accounts = {
        a.year: a
        for a in await ClimateAccountRepository(session).of_partner(
            partner.id, published_only=not unpublished
        )
    }
    mous = await MouRepository(session).list(partner_id=partner.id, limit=10_000)
    counted = [m.id for m in mous if m.status in COUNTED_MOU_STATES]
    commitments = list(await CommitmentRepository(session).of_mous(counted))
    base_year = min(accounts) if accounts else None
    base_total = total_mg(accounts[base_year]) if base_year is not None else None
    base_categories = set(accounts[base_year].scope3_mg) if base_year is not None else set()
    known_years = list(accounts) + [c.due_by.year for c in commitments]
    years: list[TrendYear] = []
    if known_years:
        first = base_year if base_year is not None else min(known_years)
        last = min(max(known_years), first + MAX_TREND_YEARS)
        for year in range(first, last + 1):
            due = sum(
                sum(c.expected_reductions_mg.values()) for c in commitments if c.due_by.year <= year
            )
            account = accounts.get(year)
            total = total_mg(account) if account else None
            path = max(base_total - due, 0) if base_total is not None else None
            status: TrendStatus
            if total is None or path is None:
                status = "no_data"
            elif due == 0:
                status = "nothing_due"
            else:
                status = "on_course" if total <= path else "behind"
            years.append(
                TrendYear(
                    year=year,
                    total_tco2e=tco2e_from_mg(total) if total is not None else None,
                    reduction_since_base_tco2e=(
                        tco2e_from_mg(base_total - total)
                        if total is not None and base_total is not None
                        else None
                    ),
                    committed_reduction_due_tco2e=tco2e_from_mg(due),
                    committed_path_tco2e=tco2e_from_mg(path) if path is not None else None,
                    status=status,
                    comparable_with_base=(
                        set(account.scope3_mg) == base_categories if account else None
                    ),
                    scope3_categories=sorted(int(c) for c in account.scope3_mg) if account else [],
                )
            )
    return ClimateAccountTrend(
        partner_id=partner.id,
        city=partner.city,
        base_year=base_year,
        base_total_tco2e=tco2e_from_mg(base_total) if base_total is not None else None,
        includes_unpublished=unpublished,
        commitments=[
            CommitmentDue(
                commitment_id=c.id,
                mou_id=c.mou_id,
                description=c.description,
                due_by=c.due_by,
                expected_tco2e=tco2e_from_mg(sum(c.expected_reductions_mg.values())),
            )
            for c in commitments
        ],
        years=years,
        method=" ".join(METHOD.split()),
    )
