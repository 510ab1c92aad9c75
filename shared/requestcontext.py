"""The request being handled, for code far from the HTTP layer (logs, outgoing events)."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("klimaby_request_id", default=None)
"""The id of the request being handled (None outside a request)."""


def current_request_id() -> str | None:
    return request_id_var.get()
