"""Who may read what: published versions are public; drafts need a credential of the city.

The optional reader credential is the shared one (``shared.auth.optional_principal``), so the
OpenAPI document marks these reads as open to anonymous callers too."""

from __future__ import annotations

from shared.auth import Principal, optional_principal
from shared.problems import ProblemError

__all__ = ["ensure_can_read", "may_see_drafts", "optional_principal"]


def may_see_drafts(principal: Principal | None, city: str) -> bool:
    return principal is not None and principal.can_read_drafts(city)


def ensure_can_read(principal: Principal | None, city: str, version: int, status: str) -> None:
    if status == "published" or may_see_drafts(principal, city):
        return
    detail = f"version {version} of this inventory is a draft; drafts need a credential of {city}"
    if principal is None:
        raise ProblemError(
            401,
            "Unauthorized",
            detail,
            kind="unauthorized",
            field="/path/version",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise ProblemError(403, "Forbidden", detail, kind="forbidden", field="/path/version")
