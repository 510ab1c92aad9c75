"""Live figures into contracts, and an action's tracking status computed from them.

How "the live figure falls along the action's path" is judged (docs/contracts.md, "Actions
and tracking"):

1. The action is judged in each A-2 sector (a GPC reference with the city's baseline B) that
   holds one or more of its expected-reduction lines. The path in that sector is
   level(y) = B - cut(y), with cut(y) the action's yearly cut there (linear between the
   stated years, zero before the first, the last value after it).
2. Live emissions are the inventory's ``emissions.accounted`` and ``emissions.recalculated``
   events summed per GPC cell and local calendar month (Europe/Oslo); the ``sensor_groups`` of
   ``emissions.accounted`` give each sensor group's measured activity per month.
3. The judged year Y is the city's current local year, or the year before during January, and
   the months compared are Y's complete months that have live data in Y and in Y - 1.
4. Live data measures only the sensor-covered part of a sector, so the judgement is relative:
   the same months' emissions must fall from Y - 1 to Y at least as the path falls:
   observed(Y) x level(Y - 1) <= observed(Y - 1) x level(Y) — in whole milligrams, exactly.
   Then the sector is ``on_course``, else ``behind``; without such months ``no_data``.
5. Each MEL indicator with a live source that names the action is judged the same way
   against its own targets (:func:`judge_indicator`) and counts like a sector.
6. The action is ``behind`` if any of its sectors or indicators is, ``on_course`` if all
   judged ones are, and ``no_data`` when none can be judged. "No data" is never "on course".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from services.contracts.actions.portfolio import contains, cut_within_mg, mg
from services.contracts.actions.schemas import Action, Indicator
from services.contracts.ccc.models import CccVersion
from services.contracts.ccc.repository import CccRepository
from services.contracts.ccc.schemas import CccDocument, SectorTarget
from services.contracts.tracking.models import (
    ActionTracking,
    LiveEmissionsMonth,
    LiveSensorGroupMonth,
    PublishedInventory,
)
from services.contracts.tracking.schemas import (
    ActionIndicatorJudgement,
    ActionTrackingPublic,
    IndicatorJudgement,
    IndicatorPoint,
    IndicatorTrackingPublic,
    IndicatorYear,
    MonthPoint,
    ReferenceJudgement,
)
from shared.db import insert_ignoring_conflicts, upsert_adding
from shared.events.payloads import (
    ActionStatusChanged,
    CccPortfolioChanged,
    EmissionsAccounted,
    EmissionsRecalculated,
    InventoryPublished,
    PortfolioAction,
)
from shared.localtime import DEFAULT_TIME_ZONE, local_month, month_start
from shared.messaging.consumer import ConsumedEvent
from shared.messaging.outbox import Outbox
from shared.quantities import tco2e_from_mg

LIVE_MONTHS: Table = LiveEmissionsMonth.__table__  # type: ignore[attr-defined]
GROUP_MONTHS: Table = LiveSensorGroupMonth.__table__  # type: ignore[attr-defined]
PUBLISHED: Table = PublishedInventory.__table__  # type: ignore[attr-defined]

# Contracts has no city registry of its own; the mission cities are Norwegian.
TIME_ZONE = DEFAULT_TIME_ZONE

Months = dict[tuple[str, int, int], int]  # (cell, year, month) → mg
GroupMonths = dict[tuple[str, str, int, int], int]  # (group, unit, year, month) → millionths
MICRO = Decimal(10) ** 6
"""A sensor group's activity is kept in whole millionths of its unit: exact sums."""


# --- applying inventory events -------------------------------------------------------------


def spread_over_months(start: datetime, end: datetime, amount: int) -> list[tuple[int, int, int]]:
    """(year, month, mg) of an amount over the local months its period covers, pro rata by
    duration (whole mg; the remainder to the last month). A live batch lies in one month;
    a backfill batch may span several."""
    first = local_month(start, TIME_ZONE)
    last = local_month(max(end - timedelta(microseconds=1), start), TIME_ZONE)
    if first == last or end <= start:
        return [(*first, amount)]
    months: list[tuple[int, int]] = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    total_s = (end - start).total_seconds()
    shares: list[tuple[int, int, int]] = []
    given = 0
    for i, (y, m) in enumerate(months):
        lo = max(start, month_start(y, m, TIME_ZONE))
        hi = min(end, month_start(y, m + 1, TIME_ZONE))
        if i == len(months) - 1:
            part = amount - given
        else:
            part = int(Decimal(amount) * Decimal((hi - lo).total_seconds()) / Decimal(total_s))
        given += part
        shares.append((y, m, part))
    return shares


def _accounted_months(payload: EmissionsAccounted) -> list[tuple[int, int, str, int]]:
    """(year, month, cell, mg) of an accounted batch: exact from its ``cell_months``; an event
    from before them has its cells spread over its period's months."""
    if payload.cell_months:
        return [(c.year, c.month, c.gpc_reference, c.co2e_mg) for c in payload.cell_months]
    return [
        (y, m, cell.gpc_reference, part)
        for cell in payload.cells
        for y, m, part in spread_over_months(payload.period_start, payload.period_end, cell.co2e_mg)
    ]


def _recalculated_months(payload: EmissionsRecalculated) -> list[tuple[int, int, str, int]]:
    """(year, month, cell, mg difference) of a recalculation, as :func:`_accounted_months`."""
    if payload.cell_months:
        return [(c.year, c.month, c.gpc_reference, c.co2e_mg_delta) for c in payload.cell_months]
    return [
        (y, m, cell.gpc_reference, part)
        for cell in payload.cells
        for y, m, part in spread_over_months(
            payload.period_start, payload.period_end, cell.co2e_mg_delta
        )
    ]


async def apply_events(
    session: AsyncSession, outbox: Outbox, events: Sequence[ConsumedEvent]
) -> None:
    """The consumer's handler: fold a batch into the monthly figures, then re-judge the actions
    of every city the batch touched (in the consumer's transaction)."""
    per_city: dict[str, Months] = {}
    groups: dict[tuple[str, str, str, str, int, int], list[int]] = {}
    published: list[dict[str, Any]] = []
    for event in events:
        payload = event.payload
        if isinstance(payload, EmissionsAccounted):
            months = per_city.setdefault(payload.city, {})
            for line in payload.sensor_groups:
                key6 = (
                    payload.city,
                    line.group,
                    line.gpc_reference,
                    line.activity_unit,
                    line.year,
                    line.month,
                )
                entry = groups.setdefault(key6, [0, 0])
                entry[0] += int((line.activity_value * MICRO).to_integral_value(ROUND_HALF_EVEN))
                entry[1] += line.readings
            for y, m, ref, amount in _accounted_months(payload):
                months[(ref, y, m)] = months.get((ref, y, m), 0) + amount
        elif isinstance(payload, EmissionsRecalculated):
            months = per_city.setdefault(payload.city, {})
            for y, m, ref, amount in _recalculated_months(payload):
                months[(ref, y, m)] = months.get((ref, y, m), 0) + amount
        elif isinstance(payload, InventoryPublished):
            total = (
                payload.basic_co2e_mg if payload.level == "BASIC" else payload.basic_plus_co2e_mg
            )
            published.append(
                {
                    "city": payload.city,
                    "year": payload.year,
                    "version": payload.version,
                    "level": payload.level,
                    "total_co2e_mg": total,
                    "published_at": payload.published_at.astimezone(UTC),
                }
            )
    now = datetime.now(UTC)
    for city in sorted(per_city):
        rows = [
            {
                "city": city,
                "gpc_reference": cell,
                "year": y,
                "month": m,
                "co2e_mg": amount,
                "updated_at": now,
            }
            for (cell, y, m), amount in sorted(per_city[city].items())
        ]
        await upsert_adding(
            session,
            LIVE_MONTHS,
            rows,
            key=("city", "gpc_reference", "year", "month"),
            add=("co2e_mg",),
            replace=("updated_at",),
        )
    await upsert_adding(
        session,
        GROUP_MONTHS,
        [
            {
                "city": city,
                "sensor_group": group,
                "gpc_reference": ref,
                "activity_unit": unit,
                "year": y,
                "month": m,
                "activity_micro": micro,
                "readings": readings,
                "updated_at": now,
            }
            for (city, group, ref, unit, y, m), (micro, readings) in sorted(groups.items())
        ],
        key=("city", "sensor_group", "gpc_reference", "activity_unit", "year", "month"),
        add=("activity_micro", "readings"),
        replace=("updated_at",),
    )
    await insert_ignoring_conflicts(
        session,
        PUBLISHED,
        published,
    )
    for city in sorted(per_city):
        await evaluate_city(session, outbox, city, now)


# --- judging ------------------------------------------------------------------------------


def judged_period(now: datetime) -> tuple[int, list[int]]:
    """The judged local year and its complete months (all of last year during January)."""
    year, month = local_month(now, TIME_ZONE)
    if month == 1:
        return year - 1, list(range(1, 13))
    return year, list(range(1, month))


async def live_months(session: AsyncSession, city: str) -> Months:
    query = select(LiveEmissionsMonth).where(LiveEmissionsMonth.city == city)
    rows = (await session.execute(query)).scalars().all()
    return {(r.gpc_reference, r.year, r.month): r.co2e_mg for r in rows}


async def group_months(session: AsyncSession, city: str) -> GroupMonths:
    """The city's sensor groups' activity per local month, summed over the cells they measure."""
    query = select(LiveSensorGroupMonth).where(LiveSensorGroupMonth.city == city)
    result: GroupMonths = {}
    for r in (await session.execute(query)).scalars().all():
        key = (r.sensor_group, r.activity_unit, r.year, r.month)
        result[key] = result.get(key, 0) + r.activity_micro
    return result


@dataclass
class Live:
    """What contracts knows of a city's live figures: emissions per cell, activity per group."""

    months: Months
    groups: GroupMonths = field(default_factory=dict)


async def live_figures(session: AsyncSession, city: str) -> Live:
    return Live(await live_months(session, city), await group_months(session, city))


def within(months: Months, reference: str) -> dict[tuple[int, int], int]:
    """Live mg per (year, month) of every cell that lies within ``reference``."""
    result: dict[tuple[int, int], int] = {}
    for (cell, y, m), amount in months.items():
        if contains(reference, cell):
            result[(y, m)] = result.get((y, m), 0) + amount
    return result


def _sector_of(document: CccDocument, reference: str) -> SectorTarget | None:
    """The most specific A-2 sector that holds ``reference``."""
    holders = [s for s in document.a2_emissions_gap.sectors if contains(s.gpc_reference, reference)]
    return max(holders, key=lambda s: len(s.gpc_reference)) if holders else None


@dataclass
class Judgement:
    status: str
    year: int
    references: list[ReferenceJudgement]
    indicators: list[ActionIndicatorJudgement]
    unjudged: list[str]
    observed_mg: int | None
    allowed_mg: int | None
    months: list[int]


def _t(value: int | None) -> Decimal | None:
    return None if value is None else tco2e_from_mg(value)


def judge(document: CccDocument, action: Action, figures: Live, now: datetime) -> Judgement:
    months = figures.months
    year, complete = judged_period(now)
    sectors: dict[str, SectorTarget] = {}
    unjudged: list[str] = []
    for line in action.expected_reductions:
        sector = _sector_of(document, line.gpc_reference)
        if sector is None:
            if line.gpc_reference not in unjudged:
                unjudged.append(line.gpc_reference)
        else:
            sectors[sector.gpc_reference] = sector
    judgements: list[ReferenceJudgement] = []
    observed_total = allowed_total = 0
    used_months: set[int] = set()
    for reference in sorted(sectors):
        sector = sectors[reference]
        baseline = mg(sector.baseline_tco2e)
        cut_before = cut_within_mg(action, reference, year - 1)
        cut_now = cut_within_mg(action, reference, year)
        level_before, level_now = baseline - cut_before, max(baseline - cut_now, 0)
        live = within(months, reference)
        series = [
            MonthPoint(
                year=y,
                month=m,
                observed_tco2e=tco2e_from_mg(amount),
                path_tco2e=_path(live.get((y - 1, m)), baseline, action, reference, y),
            )
            for (y, m), amount in sorted(live.items())
        ]
        compared = [m for m in complete if (year, m) in live and (year - 1, m) in live]
        base = {
            "gpc_reference": reference,
            "baseline_tco2e": tco2e_from_mg(baseline),
            "cut_previous_year_tco2e": tco2e_from_mg(cut_before),
            "cut_year_tco2e": tco2e_from_mg(cut_now),
            "months": compared,
            "series": series,
        }
        if level_before <= 0:
            judgements.append(
                ReferenceJudgement(
                    status="no_data",
                    reason="the path reached zero emissions last year: no step to judge",
                    **base,
                )
            )
            continue
        if not compared:
            judgements.append(
                ReferenceJudgement(
                    status="no_data",
                    reason=f"no complete month of {year} with live data in {year} and {year - 1}",
                    **base,
                )
            )
            continue
        observed = sum(live[(year, m)] for m in compared)
        previous = sum(live[(year - 1, m)] for m in compared)
        on_course = observed * level_before <= previous * level_now
        allowed = previous * level_now // level_before
        observed_total += observed
        allowed_total += allowed
        used_months.update(compared)
        judgements.append(
            ReferenceJudgement(
                status="on_course" if on_course else "behind",
                reason=(
                    f"{len(compared)} month(s) of {year}: the live figure fell at least as the path"
                    if on_course
                    else f"{len(compared)} month(s) of {year}: the live figure is above "
                    "what the path allows"
                ),
                observed_tco2e=tco2e_from_mg(observed),
                previous_year_tco2e=tco2e_from_mg(previous),
                allowed_tco2e=tco2e_from_mg(allowed),
                **base,
            )
        )
    # The MEL indicators with a live source that follow the action count too, each against its
    # own target path (rule 5 of the module's docstring holds them as it holds the sectors).
    indicators = [
        ActionIndicatorJudgement(
            indicator_id=indicator.id,
            status=(verdict := judge_indicator(indicator, figures, now)).status,
            reason=verdict.reason,
        )
        for indicator in document.b3_indicators
        if action.id in indicator.action_ids and indicator.live_source is not None
    ]
    statuses = {j.status for j in judgements} | {i.status for i in indicators}
    status = (
        "behind" if "behind" in statuses else "on_course" if "on_course" in statuses else "no_data"
    )
    sectors_judged = any(j.status != "no_data" for j in judgements)
    return Judgement(
        status=status,
        year=year,
        references=judgements,
        indicators=indicators,
        unjudged=unjudged,
        observed_mg=observed_total if sectors_judged else None,
        allowed_mg=allowed_total if sectors_judged else None,
        months=sorted(used_months),
    )


def _path(
    previous: int | None, baseline: int, action: Action, reference: str, year: int
) -> Decimal | None:
    if previous is None:
        return None
    level_before = baseline - cut_within_mg(action, reference, year - 1)
    level_now = max(baseline - cut_within_mg(action, reference, year), 0)
    if level_before <= 0:
        return None
    return tco2e_from_mg(previous * level_now // level_before)


async def evaluate_city(
    session: AsyncSession, outbox: Outbox, city: str, now: datetime | None = None
) -> None:
    """Re-judge every action of the city's tracked version; stage ``action.status_changed``
    for each whose status changed (or that is judged for the first time)."""
    now = now or datetime.now(UTC)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # The consumer and a request may judge the same city at once: one after the other, so
        # a change of status is announced once (SQLite's BEGIN IMMEDIATE already serialises
        # writers). An advisory lock, not row locks: a request holds its version's row lock
        # already, and row locks taken in another order could deadlock.
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"contracts.tracking:{city}"},
        )
    tracked = await CccRepository(session).tracked(city)
    if tracked is None:
        return
    document = CccDocument.model_validate(tracked.document)
    live = await live_figures(session, city)
    stored = {
        t.action_id: t
        for t in (await session.execute(select(ActionTracking).where(ActionTracking.city == city)))
        .scalars()
        .all()
    }
    await _announce_portfolio(session, outbox, city, tracked.version, document, stored)
    for action in document.b2_actions:
        judgement = judge(document, action, live, now)
        previous = stored.get(action.id)
        detail = {
            "year": judgement.year,
            "months": judgement.months,
            "observed_co2e_mg": judgement.observed_mg,
            "allowed_co2e_mg": judgement.allowed_mg,
        }
        if previous is not None and previous.status == judgement.status:
            previous.version = tracked.version
            continue
        before = None if previous is None else previous.status
        if previous is None:
            session.add(
                ActionTracking(
                    city=city,
                    action_id=action.id,
                    version=tracked.version,
                    status=judgement.status,
                    evaluated_at=now,
                    detail=detail,
                )
            )
        else:
            previous.version = tracked.version
            previous.status = judgement.status
            previous.evaluated_at = now
            previous.detail = detail
        await outbox.add(
            session,
            ActionStatusChanged(
                city=city,
                version=tracked.version,
                action_id=action.id,
                action_name=action.name,
                previous_status=before,
                status=judgement.status,
                year=judgement.year,
                months=judgement.months,
                gpc_references=[r.gpc_reference for r in judgement.references],
                indicator_ids=[
                    i.indicator_id for i in judgement.indicators if i.status != "no_data"
                ],
                observed_co2e_mg=judgement.observed_mg,
                allowed_co2e_mg=judgement.allowed_mg,
                evaluated_at=now,
            ),
            key=city,
            subject=f"cities/{city}/ccc/actions/{action.id}",
        )
    await session.flush()


async def action_tracking(
    session: AsyncSession,
    city: str,
    tracked: CccVersion,
    action: Action,
    live: Live | None = None,
) -> ActionTrackingPublic:
    """The action judged now, with its series (``live``: the city's live figures, when the
    caller has them already)."""
    document = CccDocument.model_validate(tracked.document)
    now = datetime.now(UTC)
    if live is None:
        live = await live_figures(session, city)
    judgement = judge(document, action, live, now)
    return ActionTrackingPublic(
        city=city,
        version=tracked.version,
        action_id=action.id,
        action_name=action.name,
        status=judgement.status,
        year=judgement.year,
        evaluated_at=now,
        references=judgement.references,
        indicators=judgement.indicators,
        unjudged_reductions=judgement.unjudged,
    )


async def _announce_portfolio(
    session: AsyncSession,
    outbox: Outbox,
    city: str,
    version: int,
    document: CccDocument,
    stored: dict[str, ActionTracking],
) -> None:
    """The tracking rows are the portfolio last announced: when the tracked version or its set
    of actions changed, stage ``ccc.portfolio_changed`` and drop the rows of removed actions."""
    current = [a.id for a in document.b2_actions]
    if set(current) == set(stored) and all(t.version == version for t in stored.values()):
        return
    for action_id in set(stored) - set(current):
        await session.delete(stored.pop(action_id))
    await outbox.add(
        session,
        CccPortfolioChanged(
            city=city,
            version=version,
            actions=[
                PortfolioAction(
                    action_id=a.id,
                    name=a.name,
                    field_of_action=a.field_of_action,
                    gpc_references=sorted({line.gpc_reference for line in a.expected_reductions}),
                )
                for a in document.b2_actions
            ],
        ),
        key=city,
        subject=f"cities/{city}/ccc/versions/{version}",
    )


def _targets(indicator: Indicator) -> list[tuple[int, Decimal]]:
    return [
        (y, v)
        for y, v in (
            (2025, indicator.target_2025),
            (2027, indicator.target_2027),
            (2030, indicator.target_2030),
        )
        if v is not None
    ]


def _target_for(indicator: Indicator, year: int) -> Fraction | None:
    """The target of a year: stated, or linear between two stated years (exact); none before
    the first or after the last stated year."""
    points = _targets(indicator)
    for y, v in points:
        if y == year:
            return Fraction(v)
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 < year < y1:
            return Fraction(v0) + (Fraction(v1) - Fraction(v0)) * Fraction(year - y0, y1 - y0)
    return None


def _decimal(value: Fraction, places: int) -> str:
    """A fraction as a decimal string with ``places`` places, rounded down (an allowance)."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR):f}"


@dataclass
class IndicatorSeries:
    """An indicator's live figure per local month in whole units of 10^-places."""

    unit: str
    places: int
    months: dict[tuple[int, int], int]

    def show(self, value: int | Fraction) -> str:
        return _decimal(Fraction(value, 10**self.places), self.places)


def indicator_series(indicator: Indicator, live: Live) -> IndicatorSeries | str:
    """The indicator's live series, or why it has none."""
    source = indicator.live_source
    if source is None:
        return "the indicator has no live source"
    if source.kind == "gpc":
        return IndicatorSeries("tCO2e", 9, within(live.months, source.gpc_reference))
    if source.group is None:
        return (
            "the sensor group names no coverage group (group): contracts follows a group by "
            "the coverage group its sensors are registered with"
        )
    units = sorted({unit for g, unit, _y, _m in live.groups if g == source.group})
    if len(units) > 1:
        return (
            f"sensor group '{source.group}' measures {', '.join(units)}: "
            "one indicator follows one quantity"
        )
    unit = units[0] if units else ""
    months = {(y, m): v for (g, u, y, m), v in live.groups.items() if g == source.group}
    return IndicatorSeries(unit, 6, months)


def judge_indicator(indicator: Indicator, live: Live, now: datetime) -> IndicatorJudgement:
    """The indicator's live figure against its target path, judged as an action's sector is:
    relative to itself, on the judged year's complete months that have data in both years,
    the figure must move from Y - 1 to Y at least as the targets do:
    observed(Y) x target(Y - 1) <= observed(Y - 1) x target(Y) on a falling path (>= on a
    rising one), exactly."""
    year, complete = judged_period(now)
    series = indicator_series(indicator, live)
    if isinstance(series, str):
        return IndicatorJudgement(status="no_data", reason=series, year=year, months=[])
    before, target = _target_for(indicator, year - 1), _target_for(indicator, year)
    if before is None or target is None:
        return IndicatorJudgement(
            status="no_data",
            reason=f"no target for {year - 1} and {year} (targets are stated for 2025, 2027 "
            "and 2030, linear between)",
            year=year,
            months=[],
        )
    # A flat step takes the direction of the whole path (first to last stated target).
    points = _targets(indicator)
    falling = target < before if target != before else points[-1][1] <= points[0][1]
    base: dict[str, Any] = {
        "year": year,
        "direction": "falling" if falling else "rising",
        "target_previous_year": _decimal(before, 6),
        "target_year": _decimal(target, 6),
    }
    if before <= 0:
        return IndicatorJudgement(
            status="no_data",
            reason=f"the target of {year - 1} is not above zero: no step to judge",
            months=[],
            **base,
        )
    live_months_ = series.months
    compared = [m for m in complete if (year, m) in live_months_ and (year - 1, m) in live_months_]
    if not compared:
        return IndicatorJudgement(
            status="no_data",
            reason=f"no complete month of {year} with live data in {year} and {year - 1}",
            months=[],
            **base,
        )
    observed = sum(live_months_[(year, m)] for m in compared)
    previous = sum(live_months_[(year - 1, m)] for m in compared)
    bound = previous * target / before
    on_course = observed <= bound if falling else observed >= bound
    way = "fell" if falling else "rose"
    return IndicatorJudgement(
        status="on_course" if on_course else "behind",
        reason=(
            f"{len(compared)} month(s) of {year}: the live figure {way} at least as the targets do"
            if on_course
            else f"{len(compared)} month(s) of {year}: the live figure "
            f"{'is above' if falling else 'is below'} what the target path allows"
        ),
        months=compared,
        observed=series.show(observed),
        previous_year=series.show(previous),
        allowed=series.show(bound),
        **base,
    )


async def indicator_tracking(
    session: AsyncSession, city: str, version: int, indicator: Indicator
) -> IndicatorTrackingPublic:
    base: dict[str, Any] = {
        "city": city,
        "version": version,
        "indicator_id": indicator.id,
        "name": indicator.name,
        "unit": indicator.unit,
        "live_source": indicator.live_source.model_dump() if indicator.live_source else None,
    }
    now = datetime.now(UTC)
    live = await live_figures(session, city)
    judgement = judge_indicator(indicator, live, now)
    series = indicator_series(indicator, live)
    if isinstance(series, str):
        return IndicatorTrackingPublic(
            **base, tracked=False, reason=series, series=[], years=[], judgement=judgement
        )
    source = indicator.live_source
    assert source is not None
    what = (
        f"live emissions of {source.gpc_reference} (tCO2e)"
        if source.kind == "gpc"
        else f"activity measured by sensor group '{source.group}' ({series.unit or 'no data yet'})"
    )
    _, complete = judged_period(now)
    current_year, _ = local_month(now, TIME_ZONE)
    years: dict[int, list[int]] = {}
    for y, m in series.months:
        years.setdefault(y, []).append(m)
    points = []
    for (y, m), amount in sorted(series.months.items()):
        before, target = _target_for(indicator, y - 1), _target_for(indicator, y)
        previous = series.months.get((y - 1, m))
        path = (
            None
            if previous is None or before is None or target is None or before <= 0
            else series.show(previous * target / before)
        )
        points.append(IndicatorPoint(year=y, month=m, observed=series.show(amount), path=path))
    return IndicatorTrackingPublic(
        **base,
        tracked=True,
        reason=f"{what} per local month",
        observed_unit=series.unit or None,
        series=points,
        years=[
            IndicatorYear(
                year=y,
                observed=series.show(sum(series.months[(y, m)] for m in ms)),
                complete_months=len(
                    [m for m in ms if y < current_year or (y == current_year and m in complete)]
                ),
                target=None if (t := _target_for(indicator, y)) is None else _decimal(t, 6),
            )
            for y, ms in sorted(years.items())
        ],
        judgement=judgement,
    )
