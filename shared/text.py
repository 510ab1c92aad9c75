"""Free text that will be stored: PostgreSQL text cannot hold NUL, so it is refused at the edge
(a 422 naming the field) instead of failing in a database, or in a consumer downstream."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
"""Add to any free-text field that is stored."""

StoredText = Annotated[str, NoNul]


def without_nul(value: str) -> str:
    """For consumers: text from another service's event, made storable whatever it holds."""
    return value.replace("\x00", "")
