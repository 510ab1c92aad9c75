"""REST: a CCC version exported as JSON, as CSV per table, or as a print-friendly HTML report."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from services.contracts.ccc import service
from services.contracts.ccc.endpoints import City, Version
from services.contracts.exports import service as exports
from services.contracts.exports.schemas import CccExport
from services.contracts.exports.service import Table
from shared.db import DbSession
from shared.problems import ProblemError

router = APIRouter(tags=["exports"])


@router.get(
    "/v1/cities/{city}/ccc/versions/{version}/export",
    summary="Export a CCC version: JSON (schema klimaby.ccc/1) or one table as CSV",
    response_model=CccExport,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_version(
    city: City,
    version: Version,
    session: DbSession,
    format: Literal["json", "csv"] = Query("json"),
    table: Table | None = Query(None, description="For CSV: which table"),
) -> Any:
    ccc = await service.get_version(session, city, version)
    export = await exports.build(session, ccc)
    if format == "json":
        return Response(
            export.model_dump_json(by_alias=True),
            media_type="application/json",
            headers={"Content-Disposition": f'inline; filename="ccc-{city}-v{version}.json"'},
        )
    if table is None:
        raise ProblemError(
            422,
            "Table missing",
            f"a CSV export is one table: {', '.join(exports.TABLES)}",
            kind="validation",
            field="/query/table",
        )
    return Response(
        exports.to_csv(export, table),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="ccc-{city}-v{version}-{table}.csv"'
        },
    )


@router.get(
    "/v1/cities/{city}/ccc/versions/{version}/report",
    summary="A readable, print-friendly HTML report of a CCC version (print to PDF)",
    response_class=HTMLResponse,
)
async def report(city: City, version: Version, session: DbSession) -> HTMLResponse:
    ccc = await service.get_version(session, city, version)
    return HTMLResponse(exports.to_html(await exports.build(session, ccc)))


@router.get("/v1/ccc/export-schema", summary="The JSON Schema of the CCC export (klimaby.ccc/1)")
async def export_schema() -> dict[str, Any]:
    return CccExport.model_json_schema(by_alias=True)
