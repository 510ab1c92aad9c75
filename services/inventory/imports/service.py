"""Importing inventories (GPC table layout) and the agency's municipal statistics from CSV.

Each bad row is reported with its line number, column and reason; the good rows are imported,
all in the caller's one transaction. ``progress`` is told how many rows were handled, so that
the command line can draw a progress bar.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities.service import get_city
from services.inventory.gpc.catalogue import CELLS_BY_REFERENCE, Level
from services.inventory.gpc.gases import GASES, GwpSet
from services.inventory.gpc.territorial import AGENCY_SECTORS, agency_sector_of
from services.inventory.imports.csvfile import CsvTable, Row
from services.inventory.imports.models import ImportRun
from services.inventory.imports.repository import AgencyRepository
from services.inventory.imports.schemas import ImportReport, RowProblem
from services.inventory.inventories import service as inventories
from services.inventory.inventories.calculation import tonnes_to_mg
from services.inventory.inventories.repository import InventoryRepository
from services.inventory.inventories.schemas import (
    EntryWrite,
    InventoryCreate,
    VersionCreate,
)
from shared.auth import Principal, ensure_can_write
from shared.db import SerialisedJSON
from shared.problems import ProblemError, pointer

Progress = Callable[[int], None]
PROGRESS_EVERY = 250
MAX_AGENCY_TONNES = Decimal(1_000_000_000)

# Column → the names a header may use for it (compared lower-case, units in brackets dropped).
INVENTORY_COLUMNS: dict[str, str] = {
    "gpc_reference": "gpc_reference",
    "reference": "gpc_reference",
    "gpc_ref": "gpc_reference",
    "gpc_ref_no.": "gpc_reference",
    "scope": "scope",
    "notation_key": "notation_key",
    "notation_keys": "notation_key",
    "included_in": "included_in",
    "justification": "justification",
    "ch4_fossil": "ch4_fossil",
    "method": "method",
    "data_source": "data_source",
    "source": "data_source",
    "data_quality": "data_quality",
    "comment": "comment",
    "tco2e": "tCO2e",
    "total_co2e": "tCO2e",
    **{gas.lower(): gas for gas in GASES},
    "hfcs": "HFC",
    "pfcs": "PFC",
}
AGENCY_COLUMNS: dict[str, str] = {
    "year": "year",
    "år": "year",
    "aar": "year",
    "sector": "sector",
    "sektor": "sector",
    "source": "source",
    "kilde": "source",
    "utslippskilde": "source",
    "tco2e": "tCO2e",
    "co2e": "tCO2e",
    "utslipp": "tCO2e",
    "tonn_co2e": "tCO2e",
    "tonn_co2_ekvivalenter": "tCO2e",
}
_TRUE = {"true", "yes", "ja", "1", "fossil"}
_FALSE = {"false", "no", "nei", "0", "non-fossil", "biogenic"}


class RowRejected(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class _Report:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def reject(self, line: int, column: str | None, reason: str) -> None:
        self.problems.append(RowProblem(line=line, column=column, reason=reason))


class _Ticker:
    """Calls ``progress`` every few rows, and once at the end with the remainder."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.pending = 0

    def tick(self) -> None:
        self.pending += 1
        if self.progress and self.pending >= PROGRESS_EVERY:
            self.progress(self.pending)
            self.pending = 0

    def flush(self) -> None:
        if self.progress and self.pending:
            self.progress(self.pending)
        self.pending = 0


def count_rows(text: str) -> int:
    """An upper bound of the data rows, for a progress bar's total."""
    return max(0, sum(1 for line in text.splitlines() if line.strip()) - 1)


# --- inventory in GPC table layout ----------------------------------------------------------


@dataclass
class _ParsedInventory:
    report: _Report
    entries: list[tuple[int, str, EntryWrite]]


def _parse_inventory(text: str, progress: Progress | None) -> _ParsedInventory:
    """Read and validate every row (pure CPU: run in a worker thread, off the event loop)."""
    table = CsvTable(text, INVENTORY_COLUMNS, {"gpc_reference"})
    report = _Report()
    ticker = _Ticker(progress)
    entries: list[tuple[int, str, EntryWrite]] = []
    seen: dict[str, int] = {}
    for row in table.rows():
        report.rows += 1
        ticker.tick()
        if isinstance(row, tuple):
            report.reject(row[0], None, row[1])
            continue
        try:
            reference = row.get("gpc_reference")
            if reference in seen:
                raise RowRejected(
                    "gpc_reference", f"{reference} is already on line {seen[reference]}"
                )
            entry = _inventory_entry(table, row, reference)
            if entry is None:
                report.skipped += 1
                continue
            seen[reference] = row.line
            entries.append((row.line, reference, entry))
        except RowRejected as exc:
            report.reject(row.line, exc.column, exc.reason)
    ticker.flush()
    return _ParsedInventory(report, entries)


async def import_inventory(
    session: AsyncSession,
    principal: Principal,
    city: str,
    year: int,
    text: str,
    *,
    level: Level = "BASIC",
    gwp_set: GwpSet = "AR5",
    new_version: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Rows of the GPC table become entries of the year's draft version: amounts per gas as
    reported entries, notation keys as notation entries. The inventory is started (version 1)
    when the city has none for the year; ``new_version`` first opens version n+1 after a
    published n. tCO2e in the file is ignored: it is always computed from the gases.

    Reading and validating the rows runs in a worker thread, so a 20 MiB file never holds the
    event loop (health checks and other requests go on); only the distinct cells it sets (at
    most one entry per GPC cell) are then written in the caller's transaction."""
    ensure_can_write(principal, city, "/path/city")
    await get_city(session, city)
    parsed = await asyncio.to_thread(_parse_inventory, text, progress)
    report = parsed.report
    ref = await _draft_for_import(session, principal, city, year, level, gwp_set, new_version)
    for line, reference, entry in parsed.entries:
        try:
            await _set_entry(session, principal, ref, reference, entry, line)
            report.imported += 1
        except RowRejected as exc:
            report.reject(line, exc.column, exc.reason)
    report.problems.sort(key=lambda p: p.line)
    return ImportReport(
        city=city,
        year=year,
        version=ref.version.version,
        rows=report.rows,
        imported=report.imported,
        skipped=report.skipped,
        rejected=len(report.problems),
        problems=report.problems,
    )


async def _draft_for_import(
    session: AsyncSession,
    principal: Principal,
    city: str,
    year: int,
    level: Level,
    gwp_set: GwpSet,
    new_version: bool,
) -> inventories.VersionRef:
    inventory = await InventoryRepository(session).get(city, year)
    if inventory is None:
        return await inventories.create_inventory(
            session, principal, city, InventoryCreate(year=year, level=level, gwp_set=gwp_set)
        )
    assert inventory.id is not None
    latest = await InventoryRepository(session).latest_version(inventory.id)
    assert latest is not None
    number = latest.version
    if latest.status == "published":
        if not new_version:
            raise ProblemError(
                409,
                "Conflict",
                f"version {number} is published and cannot change; import with "
                f"new_version=true (klimaby import --new-version) to open version {number + 1}",
                kind="published",
                field="/query/new_version",
            )
        created = await inventories.new_version(
            session, principal, city, year, VersionCreate(note="opened for a CSV import")
        )
        number = created.version.version
    return await inventories.writable_version(session, principal, city, year, number)


def _inventory_entry(table: CsvTable, row: Row, reference: str) -> EntryWrite | None:
    cell = CELLS_BY_REFERENCE.get(reference)
    if cell is None:
        raise RowRejected("gpc_reference", f"'{reference}' is not a GPC cell")
    scope = row.get("scope")
    if scope and scope != str(cell.scope):
        raise RowRejected("scope", f"{reference} is scope {cell.scope}, not {scope}")
    amounts: dict[str, Decimal] = {}
    for gas in GASES:
        text = row.get(gas)
        if text:
            try:
                amounts[gas] = table.decimal(text)
            except ValueError as exc:
                raise RowRejected(gas, str(exc)) from None
    key = row.get("notation_key").upper()
    if key and amounts:
        raise RowRejected("notation_key", "a row has either a notation key or amounts, not both")
    if not key and not amounts:
        return None  # an empty line of the table: nothing to say about this cell
    data: dict[str, Any] = {"comment": row.get("comment") or None}
    if key:
        data |= {
            "kind": "notation",
            "notation_key": key,
            "included_in": row.get("included_in") or None,
            "justification": row.get("justification") or None,
            "data_source": row.get("data_source") or None,
            "data_quality": row.get("data_quality") or None,
        }
    else:
        data |= {
            "kind": "reported",
            "emissions": amounts,
            "method": row.get("method") or "as reported in the imported GPC table",
            "ch4_fossil": _boolean(row.get("ch4_fossil")),
            "data_source": row.get("data_source") or "imported GPC table",
            "data_quality": row.get("data_quality") or "reported",
        }
    try:
        return EntryWrite.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise RowRejected(_column_of(error["loc"]), error["msg"]) from None


async def _set_entry(
    session: AsyncSession,
    principal: Principal,
    ref: inventories.VersionRef,
    reference: str,
    entry: EntryWrite,
    line: int,
) -> None:
    try:
        await inventories.set_entry(
            session, principal, ref, reference, entry, audit_detail={"imported_from_line": line}
        )
    except RequestValidationError as exc:
        error = exc.errors()[0]
        raise RowRejected(_column_of(tuple(error["loc"])[1:]), error["msg"]) from None


def _column_of(loc: tuple[int | str, ...]) -> str | None:
    """The CSV column a validation error is about (``emissions/CH4`` → ``CH4``)."""
    if not loc:
        return None
    if loc[0] == "emissions" and len(loc) > 1:
        return str(loc[1])
    return str(loc[0])


def _boolean(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    if lowered:
        raise RowRejected("ch4_fossil", f"'{text}' is not true or false")
    return None


# --- the agency's municipal statistics -------------------------------------------------------


async def import_agency(
    session: AsyncSession,
    principal: Principal,
    city: str,
    text: str,
    *,
    year: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Lines (year, sector, source, tCO2e) of the agency's statistics for one city. With
    ``year``, lines of other years are rejected. A line imported again replaces the old one."""
    ensure_can_write(principal, city, "/path/city")
    await get_city(session, city)
    now = datetime.now(UTC)
    report, lines = await asyncio.to_thread(_parse_agency, text, year, progress)
    good = [
        line | {"city": city, "imported_at": now, "imported_by": principal.actor} for line in lines
    ]
    await AgencyRepository(session).upsert(good)
    report.imported = len(good)
    return ImportReport(
        city=city,
        year=year,
        version=None,
        rows=report.rows,
        imported=report.imported,
        skipped=0,
        rejected=len(report.problems),
        problems=report.problems,
    )


def _parse_agency(
    text: str, year: int | None, progress: Progress | None
) -> tuple[_Report, list[dict[str, Any]]]:
    """Read and validate every line (pure CPU: run in a worker thread, off the event loop)."""
    table = CsvTable(text, AGENCY_COLUMNS, {"year", "sector", "source", "tCO2e"})
    report = _Report()
    ticker = _Ticker(progress)
    good: list[dict[str, Any]] = []
    seen: dict[tuple[int, str, str], int] = {}
    for row in table.rows():
        report.rows += 1
        ticker.tick()
        if isinstance(row, tuple):
            report.reject(row[0], None, row[1])
            continue
        try:
            line = _agency_line(table, row, year)
            key = (line["year"], line["sector"], line["source"])
            if key in seen:
                raise RowRejected("source", f"the same year, sector and source as line {seen[key]}")
            seen[key] = row.line
            good.append(line)
        except RowRejected as exc:
            report.reject(row.line, exc.column, exc.reason)
    ticker.flush()
    return report, good


def _agency_line(table: CsvTable, row: Row, only_year: int | None) -> dict[str, Any]:
    text = row.get("year")
    # isdigit() alone would accept "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not 1990 <= int(text) <= 2100:
        raise RowRejected("year", f"'{text}' is not a year between 1990 and 2100")
    year = int(text)
    if only_year is not None and year != only_year:
        raise RowRejected("year", f"{year} is not the year being imported ({only_year})")
    sector = agency_sector_of(row.get("sector"))
    if sector is None:
        names = "; ".join(norwegian for _english, norwegian in AGENCY_SECTORS.values())
        raise RowRejected("sector", f"'{row.get('sector')}' is not an agency sector ({names})")
    source = row.get("source")
    if not source or len(source) > 200 or "\x00" in source:
        raise RowRejected("source", "give the emission source (up to 200 characters, no NUL)")
    try:
        tonnes = table.decimal(row.get("tCO2e"))
    except ValueError as exc:
        raise RowRejected("tCO2e", str(exc)) from None
    if tonnes < 0 or tonnes > MAX_AGENCY_TONNES:
        raise RowRejected("tCO2e", f"{tonnes} is not between 0 and a billion tonnes")
    return {"year": year, "sector": sector, "source": source, "co2e_mg": tonnes_to_mg(tonnes)}


def ensure_some_imported(report: ImportReport) -> None:
    """A file with rows of which none could be imported is a 422 naming the bad lines (the
    first ones in the answer, every one at ``problems_url`` when the run was recorded)."""
    if report.rows and not report.imported and report.problems:
        params = [
            {
                "name": pointer(("body", "lines", p.line, *([p.column] if p.column else []))),
                "reason": p.reason,
            }
            for p in report.problems
        ]
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"none of the {report.rows} rows could be imported ({report.rejected} rejected)",
            kind="validation",
            extra={
                "invalid-params": params,
                "rejected": report.rejected,
                "problems_truncated": report.problems_truncated,
                "problems_url": report.problems_url,
            },
        )
    if not report.rows:
        raise ProblemError(
            422, "Empty CSV", "the file has a header but no rows", kind="validation", field="/body"
        )


# --- import runs: small answers, every problem downloadable ---------------------------------

MAX_PROBLEMS_IN_ANSWER = 100


async def record_run(
    session: AsyncSession, principal: Principal, kind: str, report: ImportReport
) -> str:
    run = ImportRun(
        id=str(uuid.uuid4()),
        city=report.city,
        kind=kind,
        year=report.year,
        version=report.version,
        rows=report.rows,
        imported=report.imported,
        skipped=report.skipped,
        rejected=report.rejected,
        # Every problem of a 20 MiB file is some 40 MB of JSON: serialised in a worker thread,
        # so the event loop goes on answering (health checks, other requests).
        problems=cast(Any, await asyncio.to_thread(_serialised_problems, report.problems)),
        created_at=datetime.now(UTC),
        created_by=principal.actor,
    )
    session.add(run)
    await session.flush()
    return run.id


def _serialised_problems(problems: list[RowProblem]) -> SerialisedJSON:
    return SerialisedJSON(json.dumps([p.model_dump() for p in problems]))


def abridged(report: ImportReport, run_id: str, problems_url: str) -> ImportReport:
    """The answer: counts and the first problems, however large the file was."""
    return report.model_copy(
        update={
            "problems": report.problems[:MAX_PROBLEMS_IN_ANSWER],
            "problems_truncated": len(report.problems) > MAX_PROBLEMS_IN_ANSWER,
            "import_id": run_id,
            "problems_url": problems_url,
        }
    )


async def find_run(session: AsyncSession, city: str, run_id: str) -> ImportRun:
    run = await session.get(ImportRun, run_id)
    if run is None or run.city != city:
        raise ProblemError(
            404, "Not Found", f"no import '{run_id}'", kind="not-found", field="/path/import_id"
        )
    return run


def problems_as_csv(run: ImportRun) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("line", "column", "reason"))
    for p in run.problems:
        writer.writerow((p["line"], p.get("column") or "", p["reason"]))
    return out.getvalue()
