from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shared.problems import InvalidParam

MAX_BATCH = 5000


class ReadingIn(BaseModel):
    """One reading as a gateway sends it."""

    model_config = ConfigDict(extra="forbid")

    sensor_id: str = Field(min_length=1, max_length=100)
    time: AwareDatetime = Field(description="RFC 3339 with Z or an offset; naive times are refused")
    value: float = Field(ge=0, description="Amount over the sensor's interval (non-negative)")
    unit: str = Field(min_length=1, max_length=16, description="kWh, Wh, MWh, L or {vehicle}")
    reading_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The gateway's own id for the reading; makes retries safe to deduplicate",
    )

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v


class ReadingBatch(BaseModel):
    """A batch: items are validated one by one, so one bad reading never sinks the others."""

    readings: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(BaseModel):
    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    reading_id: str | None = None
    problem: dict[str, Any] | None = Field(
        None, description="RFC 9457 problem naming the field (rejected items only)"
    )


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[ItemResult] = Field(description="One per item, in request order")


def item_problem(index: int, params: list[InvalidParam], status: int = 422) -> dict[str, Any]:
    first = params[0]
    return {
        "type": "https://klimaby.no/problems/invalid-reading",
        "title": "Invalid reading",
        "status": status,
        "detail": f"{first.name}: {first.reason}",
        "invalid-params": [p.model_dump() for p in params],
    }
