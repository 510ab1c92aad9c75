"""What a gateway sends and what it is answered, in both formats (our JSON and SenML)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from services.sensors.fields import Text
from shared.problems import InvalidParam

MAX_BATCH = 5000
"""Readings (or SenML records) per request; a larger batch is refused whole with 413."""

JSON = "application/json"
SENML_JSON = "application/senml+json"


class ReadingIn(BaseModel):
    """One reading in our JSON format: an observation (``time``) or an interval (``from``/``to``).

    Which of the two is given (and that ``to`` is after ``from``) is checked where the item is
    read (formats.py), so that the problem names the exact field."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sensor_id: Text = Field(min_length=1, max_length=200)
    time: AwareDatetime | None = Field(
        None,
        description="Observation time (or, for a cumulative register, when it was read): "
        "RFC 3339 with Z or an offset; naive times are refused",
    )
    start: AwareDatetime | None = Field(
        None, alias="from", description="Start of the interval the amount covers (inclusive)"
    )
    end: AwareDatetime | None = Field(
        None, alias="to", description="End of the interval the amount covers (exclusive)"
    )
    value: float = Field(
        ge=0,
        allow_inf_nan=False,
        strict=True,
        description="Interval amount, or the register value of a cumulative sensor",
    )
    unit: Text = Field(
        min_length=1, max_length=16, description="UCUM code or alias: kWh, kW.h, Wh, MWh, L, …"
    )
    reading_id: Text | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The gateway's own id for the reading; makes retries safe to deduplicate",
    )

    @field_validator("time", "start", "end", mode="before")
    @classmethod
    def _rfc3339_text(cls, v: Any) -> Any:
        # pydantic would take a number as Unix seconds; this API asks for RFC 3339 text so that
        # a time's zone is always explicit.
        if v is not None and not isinstance(v, str):
            raise ValueError("must be an RFC 3339 timestamp string")
        return v


class ReadingBatch(BaseModel):
    """``application/json``: a batch of readings."""

    readings: list[ReadingIn] = Field(min_length=1, max_length=MAX_BATCH)


class SenMLRecord(BaseModel):
    """``application/senml+json`` (RFC 8428): a pack is a JSON array of these records.

    Base fields (``bn``, ``bt``, ``bu``, ``bv``, ``bs``) apply to their record and every later
    one. The resolved name (``bn`` + ``n``) is a Klimaby sensor id, or the gateway's own
    ``external_id`` of one of its sensors. The resolved time (``bt`` + ``t``) is in seconds since
    the Unix epoch (UTC); below 2**28 it is relative to now. ``v`` (+ ``bv``) is the value;
    ``s`` (+ ``bs``) is accepted as a cumulative sensor's register."""

    model_config = ConfigDict(extra="allow")

    bn: str | None = None
    bt: float | None = None
    bu: str | None = None
    bv: float | None = None
    bs: float | None = None
    bver: int | None = None
    n: str | None = None
    u: str | None = None
    v: float | None = None
    s: float | None = None
    t: float | None = None
    ut: float | None = None


class ItemResult(BaseModel):
    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    reading_id: str | None = Field(
        None,
        description="The id the inventory accounts the reading under; none for the first "
        "register reading of a cumulative sensor (the baseline of its deltas)",
    )
    flags: list[str] | None = Field(None, description="Cumulative registers: baseline, reset, gap")
    problem: dict[str, Any] | None = Field(
        None, description="RFC 9457 problem naming the field (rejected items only)"
    )


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[ItemResult] = Field(description="One per item, in request order")


def item_problem(params: list[InvalidParam], status: int = 422) -> dict[str, Any]:
    first = params[0]
    title = {403: "Forbidden reading", 409: "Conflicting reading"}.get(status, "Invalid reading")
    return {
        "type": "https://klimaby.no/problems/invalid-reading",
        "title": title,
        "status": status,
        "detail": f"{first.name}: {first.reason}",
        "invalid-params": [p.model_dump() for p in params],
    }
