"""RFC 9457 problem details for every 4xx and 5xx, naming the offending field."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.observability import log_refused_request

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://klimaby.no/problems/"


class InvalidParam(BaseModel):
    """One offending field: a JSON pointer into the request (body, query, path or header)."""

    name: str = Field(description="JSON pointer, e.g. /body/readings/3/time")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = Field(default=None, alias="invalid-params")

    model_config = {"populate_by_name": True}


class ProblemError(Exception):
    """Raise from any layer to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        kind: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.field = field
        self.headers = headers
        self.extra = extra or {}


def pointer(loc: Sequence[str | int]) -> str:
    """pydantic/FastAPI ``loc`` → JSON pointer (``("body", "readings", 3)`` → ``/body/readings/3``)."""
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    kind: str | None = None,
    instance: str | None = None,
    invalid_params: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + kind if kind else "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        invalid_params=invalid_params,
    ).model_dump(by_alias=True, exclude_none=True)
    if extra:
        # A member of RFC 9457 keeps its meaning (``status`` is the HTTP status): an extension
        # never replaces one.
        clash = sorted(set(extra) & set(Problem.model_fields) - {"invalid_params"})
        if clash:
            raise ValueError(f"a problem's extension may not replace {', '.join(clash)}")
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# A rule across fields (a model validator) names the field it is about before a colon:
# "energy_carrier: diesel does not fit II.1.2"; the pointer then names that field.
_FIELD_PREFIX = re.compile(r"^(?:Value error, )?([a-z][a-z0-9_]*): (.+)$", re.DOTALL)


def _invalid_param(err: Mapping[str, Any]) -> InvalidParam:
    loc = tuple(err.get("loc", ()))
    reason = str(err.get("msg", "invalid"))
    found = _FIELD_PREFIX.match(reason)
    if found and loc and loc[-1] != found.group(1) and err.get("type") == "value_error":
        return InvalidParam(name=pointer((*loc, found.group(1))), reason=found.group(2))
    return InvalidParam(name=pointer(loc), reason=reason)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        params = [_invalid_param(err) for err in exc.errors()]
        first = params[0].name if params else "request"
        return problem_response(
            422,
            "Request validation failed",
            f"{first}: {params[0].reason}" if params else None,
            kind="validation",
            instance=request.url.path,
            invalid_params=params,
        )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        if exc.status in (401, 403):
            # Every refused credential of every service passes here (bearer tokens, gateway
            # API keys, each 403): one place logs them all.
            log_refused_request(request, exc.status, exc.detail or exc.title)
        params = (
            [InvalidParam(name=exc.field, reason=exc.detail or exc.title)] if exc.field else None
        )
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            kind=exc.kind,
            instance=request.url.path,
            invalid_params=params,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code in (401, 403):
            log_refused_request(request, exc.status_code, detail)
        return problem_response(
            exc.status_code,
            TITLES.get(exc.status_code, "Error"),
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint caught what a check before it could not (e.g. a concurrent insert).
        return problem_response(
            409,
            "Conflict",
            "the change conflicts with existing data",
            kind="conflict",
            instance=request.url.path,
        )

    @app.exception_handler(StatementError)
    async def _database(request: Request, exc: StatementError) -> JSONResponse:
        if not _is_unstorable_text(exc):
            raise exc
        # A last net: text the database cannot hold (NUL on PostgreSQL, a lone surrogate)
        # that no field check caught. The transaction rolled back; nothing was written.
        log.warning("unstorable text refused", extra={"path": request.url.path})
        return problem_response(
            422,
            "Unprocessable Content",
            "the request holds text that cannot be stored (NUL or a lone surrogate)",
            kind="validation",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            500,
            "Internal Server Error",
            "An unexpected error occurred.",
            instance=request.url.path,
        )


TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def _is_unstorable_text(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name in ("CharacterNotInRepertoireError", "UntranslatableCharacterError"):
            return True
        if isinstance(current, UnicodeEncodeError) and "surrogate" in str(current):
            return True
        if isinstance(current, ValueError) and "NUL" in str(current):
            return True  # asyncpg's "A string literal cannot contain NUL (0x00) characters."
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return False
