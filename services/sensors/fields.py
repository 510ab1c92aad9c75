"""Field rules every sensors endpoint shares.

PostgreSQL text cannot hold the NUL character: a string with one would fail in the database
(a 500) instead of being refused as bad input (a 422), so every free text that can reach a query
is checked here first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from shared.text import STORABLE_TEXT_PATTERN, StoredText

NO_NUL = STORABLE_TEXT_PATTERN

Text = StoredText
"""A body string that may be stored or looked up: shared.text's, whose schema declares that it
holds no NUL (the fuzz tests send what the schema allows)."""

GatewayIdPath = Annotated[str, Path(pattern=r"^gw_[0-9a-f]{16}$", description="e.g. gw_0123…")]
SensorIdPath = Annotated[str, Path(min_length=1, max_length=100, pattern=NO_NUL)]
KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The key's public id")]


def text_query(max_length: int, description: str | None = None) -> Any:
    return Query(None, max_length=max_length, pattern=NO_NUL, description=description)
