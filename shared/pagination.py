"""Paging parameters, bounded so that no query value can overflow a database integer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# Far beyond any real page; SQLite integers end at 2**63 - 1 and a larger offset is a 500.
MAX_OFFSET = 1_000_000_000

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]
