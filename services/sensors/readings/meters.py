"""Cumulative registers: a meter that reports its running total is turned into interval deltas.

Per sensor, readings are taken in time order from the last register state:
- the first reading ever is the **baseline** (nothing to count yet);
- a higher or equal value gives the delta since the last reading;
- a lower value is a **reset** (the register restarted from zero, e.g. a replaced meter or a
  rollover): the delta is the new value itself, flagged ``reset``;
- an interval longer than twice the sensor's expected interval is flagged ``gap`` (the delta
  is still right, it just covers a long period);
- a delta outside the sensor's plausible range is rejected and the reading becomes the new
  baseline, so that one glitch does not block the meter forever;
- a reading already received is answered as before (``duplicate``), a different value for a
  time already received is a conflict (409), and a reading older than the last one that was
  never received is refused as out of order (deltas already published cannot be re-split).

The pure function :func:`advance` does the arithmetic; the state and the history of register
readings live in the database (``meter_states``, ``meter_registers``) and are locked by the batch
that advances them, so a restart or a second replica continues exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.readings.models import MeterRegister, MeterState
from shared.db import insert_ignoring_conflicts

STATES: Table = MeterState.__table__  # type: ignore[attr-defined]
REGISTERS: Table = MeterRegister.__table__  # type: ignore[attr-defined]
GAP_FACTOR = 2


@dataclass
class Register:
    """A register reading received before (or earlier in this batch) and its outcome."""

    observed_at: datetime
    value: float
    outcome: Literal["baseline", "delta", "rejected"]
    reading_id: str | None = None
    flags: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass
class MeterLimits:
    expected_interval_s: int | None
    plausible_min: float | None
    plausible_max: float | None
    unit: str


@dataclass
class Step:
    """What one register reading of the batch became."""

    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    register: Register | None = None
    """A new row of the register history (None when the reading was seen before or refused)."""
    start: datetime | None = None
    end: datetime | None = None
    amount: float | None = None
    reading_id: str | None = None
    flags: list[str] = field(default_factory=list)
    field: str = "value"
    reason: str | None = None
    http_status: int = 422


@dataclass
class State:
    last_observed_at: datetime | None
    last_value: float | None
    resets: int = 0
    gaps: int = 0


def delta_id(
    namespace: uuid.UUID, sensor_id: str, start: datetime, end: datetime, quantity: str
) -> str:
    """Deterministic: the same two register readings always give the same delta id."""
    span = f"{start.astimezone(UTC).isoformat()}/{end.astimezone(UTC).isoformat()}"
    name = f"{sensor_id}|delta|{span}|{quantity}"
    return str(uuid.uuid5(namespace, name))


def advance(
    state: State,
    readings: Iterable[tuple[int, datetime, float]],
    history: dict[datetime, Register],
    limits: MeterLimits,
    make_id: Callable[[datetime, datetime], str],
) -> list[Step]:
    """Apply ``readings`` (index, time, value), in time order, to ``state`` and ``history``."""
    steps: list[Step] = []
    for index, moment, value in sorted(readings, key=lambda r: (r[1], r[0])):
        seen = history.get(moment)
        if seen is not None:
            steps.append(_again(index, seen, value))
            continue
        last_t, last_v = state.last_observed_at, state.last_value
        if last_t is not None and moment < last_t:
            steps.append(
                Step(
                    index,
                    "rejected",
                    field="time",
                    reason=f"out of order: this register was already read at {last_t.isoformat()}"
                    "; send register readings in time order",
                )
            )
            continue
        if last_t is None or last_v is None:
            register = Register(moment, value, "baseline", flags=["baseline"])
            history[moment] = register
            state.last_observed_at, state.last_value = moment, value
            steps.append(Step(index, "accepted", register=register, flags=["baseline"]))
            continue
        flags: list[str] = []
        new, old = Decimal(str(value)), Decimal(str(last_v))
        if new >= old:
            amount = float(new - old)
        else:
            amount = value
            flags.append("reset")
        expected = limits.expected_interval_s
        if expected and moment - last_t > timedelta(seconds=GAP_FACTOR * expected):
            flags.append("gap")
        state.last_observed_at, state.last_value = moment, value
        implausible = _implausible(amount, limits)
        if implausible:
            register = Register(moment, value, "rejected", reason=implausible)
            history[moment] = register
            steps.append(Step(index, "rejected", register=register, reason=implausible))
            continue
        reading_id = make_id(last_t, moment)
        register = Register(moment, value, "delta", reading_id, flags)
        history[moment] = register
        state.resets += "reset" in flags
        state.gaps += "gap" in flags
        steps.append(
            Step(
                index,
                "accepted",
                register=register,
                start=last_t,
                end=moment,
                amount=amount,
                reading_id=reading_id,
                flags=flags,
            )
        )
    return steps


def _again(index: int, seen: Register, value: float) -> Step:
    if Decimal(str(seen.value)) != Decimal(str(value)):
        return Step(
            index,
            "rejected",
            field="value",
            reason=f"the register was already read as {seen.value} at this time",
            http_status=409,
        )
    if seen.outcome == "rejected":
        return Step(index, "rejected", reason=seen.reason)
    return Step(index, "duplicate", reading_id=seen.reading_id, flags=seen.flags)


def _implausible(amount: float, limits: MeterLimits) -> str | None:
    low, high = limits.plausible_min, limits.plausible_max
    if (high is not None and amount > high) or (low is not None and amount < low):
        return (
            f"the register moved by {amount:g} {limits.unit}, outside the plausible range "
            f"[{low if low is not None else 0:g}, {high if high is not None else 'inf'}] "
            "for one reading; the reading is taken as the new baseline"
        )
    return None


# --- persistence ------------------------------------------------------------------------


async def lock_states(
    session: AsyncSession, sensor_ids: Sequence[str], now: datetime
) -> dict[str, State]:
    """The states of ``sensor_ids``, created if new and locked until the transaction ends.

    Ordered by sensor id, so two batches touching the same meters lock them in the same order
    and cannot deadlock."""
    ids = sorted(set(sensor_ids))
    if not ids:
        return {}
    await insert_ignoring_conflicts(
        session, STATES, [{"sensor_id": s, "resets": 0, "gaps": 0, "updated_at": now} for s in ids]
    )
    query = select(STATES).where(STATES.c.sensor_id.in_(ids)).order_by(STATES.c.sensor_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = (await session.execute(query)).all()
    return {r.sensor_id: State(r.last_observed_at, r.last_value, r.resets, r.gaps) for r in rows}


async def load_history(
    session: AsyncSession, sensor_id: str, times: Iterable[datetime]
) -> dict[datetime, Register]:
    wanted = list(set(times))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(REGISTERS).where(
                REGISTERS.c.sensor_id == sensor_id, REGISTERS.c.observed_at.in_(wanted)
            )
        )
    ).all()
    return {
        r.observed_at: Register(
            r.observed_at,
            r.value,
            r.outcome,
            r.reading_id,
            [f for f in r.flags.split(",") if f],
            r.reason,
        )
        for r in rows
    }


async def save(
    session: AsyncSession,
    states: dict[str, State],
    new_registers: Sequence[tuple[str, Register]],
    now: datetime,
) -> None:
    for sensor_id, state in sorted(states.items()):
        await session.execute(
            update(STATES)
            .where(STATES.c.sensor_id == sensor_id)
            .values(
                last_observed_at=state.last_observed_at,
                last_value=state.last_value,
                resets=state.resets,
                gaps=state.gaps,
                updated_at=now,
            )
        )
    await insert_ignoring_conflicts(
        session,
        REGISTERS,
        [
            {
                "sensor_id": sensor_id,
                "observed_at": r.observed_at,
                "value": r.value,
                "outcome": r.outcome,
                "reading_id": r.reading_id,
                "flags": ",".join(r.flags),
                "reason": r.reason[:300] if r.reason else None,
                "received_at": now,
            }
            for sensor_id, r in new_registers
        ],
    )
