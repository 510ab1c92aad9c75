"""REST: import an inventory (GPC table CSV) or the agency's statistics (CSV); export a version
as CSV or JSON in the GPC table layout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from services.inventory.accounting import views as live_views
from services.inventory.accounting.endpoints import YearQuery
from services.inventory.gpc.catalogue import Level
from services.inventory.gpc.gases import GwpSet
from services.inventory.imports import export
from services.inventory.imports import service as imports
from services.inventory.imports.csvfile import decode
from services.inventory.imports.repository import AgencyRepository
from services.inventory.imports.schemas import AgencyLine, ImportReport
from services.inventory.inventories import service as inventories
from services.inventory.inventories.calculation import mg_to_tonnes
from services.inventory.inventories.endpoints import (
    CityPath,
    Reader,
    VersionPath,
    Writer,
    YearPath,
)
from shared.auth import Principal, ensure_can_write
from shared.db import DbSession
from shared.problems import InvalidParam, ProblemError, problem_response

router = APIRouter(prefix="/v1/cities/{city}")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "description": "A CSV file"}}},
    }
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    207: {"model": ImportReport, "description": "Some rows imported, the bad ones reported"},
    413: {"description": "The file is larger than 20 MiB"},
    415: {"description": "The body is not text/csv"},
}


async def _csv_text(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise ProblemError(
            415,
            "Unsupported Media Type",
            f"send the file as text/csv, not '{media_type or 'nothing'}'",
            kind="unsupported-media-type",
            field="/header/content-type",
        )
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise _too_large()
    # Decoding (and guessing the encoding of) 20 MiB is CPU work: off the event loop.
    return await asyncio.to_thread(decode, bytes(body))


def _too_large() -> ProblemError:
    return ProblemError(
        413, "Content Too Large", "files up to 20 MiB", kind="too-large", field="/body"
    )


async def _imported(
    request: Request,
    session: DbSession,
    principal: Principal,
    kind: str,
    run: Callable[[], Awaitable[ImportReport]],
) -> JSONResponse:
    """Run an import inside a savepoint, record the run with every problem, and answer with
    the counts and the first problems. When no row could be imported the savepoint is rolled
    back (nothing half-written, not even a new draft) and only the run is kept, so that the
    422's problems stay downloadable."""
    savepoint = await session.begin_nested()
    try:
        report = await run()
    except BaseException:
        await savepoint.rollback()
        raise
    nothing_imported = bool(report.rows and not report.imported and report.problems)
    await (savepoint.rollback() if nothing_imported or not report.rows else savepoint.commit())
    run_id = await imports.record_run(session, principal, kind, report)
    url = str(request.url_for("import_problems", city=report.city, import_id=run_id).path)
    answer = imports.abridged(report, run_id, url)
    try:
        imports.ensure_some_imported(answer)
    except ProblemError as exc:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            kind=exc.kind,
            instance=request.url.path,
            extra=exc.extra,
            invalid_params=[InvalidParam(name=exc.field, reason=exc.detail or exc.title)]
            if exc.field
            else None,
        )
    return JSONResponse(answer.model_dump(mode="json"), status_code=207 if answer.rejected else 200)


@router.post(
    "/inventories/{year}/import",
    tags=["inventories", "import and export"],
    summary="Import a GPC-table CSV into the year's draft (started if none; new_version=true "
    "opens n+1 after a published n); 200 all rows, 207 some rows with each bad line reported",
    response_model=ImportReport,
    responses=IMPORT_RESPONSES,
    openapi_extra=CSV_BODY,
)
async def import_inventory(
    city: CityPath,
    year: YearPath,
    request: Request,
    session: DbSession,
    principal: Writer,
    level: Annotated[Level, Query(description="For a new inventory")] = "BASIC",
    gwp_set: Annotated[GwpSet, Query(description="For a new inventory")] = "AR5",
    new_version: Annotated[bool, Query(description="Open version n+1 after a published n")] = False,
) -> JSONResponse:
    text = await _csv_text(request)
    return await _imported(
        request,
        session,
        principal,
        "inventory",
        lambda: imports.import_inventory(
            session,
            principal,
            city,
            year,
            text,
            level=level,
            gwp_set=gwp_set,
            new_version=new_version,
        ),
    )


@router.get(
    "/inventories/{year}/versions/{version}/export",
    tags=["inventories", "import and export"],
    summary="Export a version in the GPC table layout (reference, scope, gas amounts, tCO2e, "
    "notation key, source) as CSV or JSON",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def export_version(
    city: CityPath,
    year: YearPath,
    version: VersionPath,
    session: DbSession,
    principal: Reader,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    ref = await inventories.find_version(session, principal, city, year, version)
    entries = await inventories.entries_of(session, ref)
    filename = f"{city}-{year}-v{version}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "json":
        return JSONResponse(export.as_json(ref.inventory, ref.version, entries), headers=headers)
    return PlainTextResponse(export.as_csv(entries), media_type="text/csv", headers=headers)


@router.get(
    "/live/year-to-date/export",
    tags=["live accounting", "import and export"],
    summary="Export the live year-to-date in the GPC table layout (measured tCO2e per cell) as "
    "CSV or JSON",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def export_live_year_to_date(
    city: CityPath,
    session: DbSession,
    year: YearQuery = None,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    ytd = await live_views.year_to_date(session, city, year, datetime.now(UTC))
    headers = {"Content-Disposition": f'attachment; filename="{city}-{ytd.year}-live.{format}"'}
    if format == "json":
        return JSONResponse(export.live_as_json(ytd), headers=headers)
    rows = export.live_rows(ytd)
    return PlainTextResponse(export.rows_as_csv(rows), media_type="text/csv", headers=headers)


@router.post(
    "/agency-statistics",
    tags=["import and export"],
    summary="Import the Norwegian Environment Agency's municipal statistics (CSV: year, sector, "
    "source, tCO2e) as reported territorial data; 207 with each bad line when some fail",
    response_model=ImportReport,
    responses=IMPORT_RESPONSES,
    openapi_extra=CSV_BODY,
)
async def import_agency(
    city: CityPath,
    request: Request,
    session: DbSession,
    principal: Writer,
    year: Annotated[
        int | None, Query(ge=1990, le=2100, description="Only this year; other lines are errors")
    ] = None,
) -> JSONResponse:
    text = await _csv_text(request)
    return await _imported(
        request,
        session,
        principal,
        "agency",
        lambda: imports.import_agency(session, principal, city, text, year=year),
    )


@router.get(
    "/agency-statistics",
    tags=["import and export"],
    summary="The agency's statistics imported for a city (public)",
)
async def agency_statistics(
    city: CityPath,
    session: DbSession,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> list[AgencyLine]:
    return [
        AgencyLine(
            year=line.year,
            sector=line.sector,
            source=line.source,
            co2e_mg=line.co2e_mg,
            tco2e=mg_to_tonnes(line.co2e_mg),
        )
        for line in await AgencyRepository(session).lines(city, year)
    ]


@router.get(
    "/imports/{import_id}/problems",
    name="import_problems",
    tags=["import and export"],
    summary="Every problem of one CSV import run (token of the city), as CSV or JSON",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def import_problems(
    city: CityPath,
    import_id: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")],
    session: DbSession,
    principal: Writer,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    ensure_can_write(principal, city, "/path/city")
    run = await imports.find_run(session, city, import_id)
    if format == "json":
        return JSONResponse(run.problems)
    return PlainTextResponse(imports.problems_as_csv(run), media_type="text/csv")
