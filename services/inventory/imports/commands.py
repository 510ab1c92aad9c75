"""``klimaby import inventory|agency FILE --city … [--year …]``: the CSV imports from a shell,
with a progress bar. They write to the inventory's database directly (like ``klimaby seed``),
as an operator: the audit trail names ``cli:<user>``."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.ext.asyncio import AsyncSession

    from services.inventory.gpc.catalogue import Level
    from services.inventory.gpc.gases import GwpSet
    from services.inventory.imports.schemas import ImportReport
    from shared.auth import Principal

# The service modules (SQLAlchemy, pint, FastAPI) load only when an import runs, so that the
# `klimaby` command line starts at once for every other command.

app = typer.Typer(
    help="Import an inventory (GPC table CSV) or the agency's statistics (CSV).",
    no_args_is_help=True,
)


def _console() -> Console:
    from rich.console import Console

    return Console()


FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file")
]
CityOpt = Annotated[str, typer.Option(help="City slug, e.g. oslo")]


@app.command("inventory")
def import_inventory(
    file: FileArg,
    city: CityOpt,
    year: Annotated[int, typer.Option(min=1990, max=2100, help="Inventory year")],
    level: Annotated[str, typer.Option(help="For a new inventory: BASIC or BASIC+")] = "BASIC",
    gwp_set: Annotated[str, typer.Option(help="For a new inventory: AR5 or AR6")] = "AR5",
    new_version: Annotated[
        bool, typer.Option(help="Open version n+1 when version n is published")
    ] = False,
) -> None:
    """Import a GPC-table CSV into the year's draft version (started when there is none)."""
    if level not in ("BASIC", "BASIC+") or gwp_set not in ("AR5", "AR6"):
        raise typer.BadParameter("--level is BASIC or BASIC+, --gwp-set AR5 or AR6")
    chosen_level: Level = "BASIC" if level == "BASIC" else "BASIC+"
    chosen_gwp: GwpSet = "AR5" if gwp_set == "AR5" else "AR6"
    from services.inventory.imports import service
    from services.inventory.imports.csvfile import decode

    text = decode(file.read_bytes())

    def run(session: AsyncSession, progress: Callable[[int], None]) -> Awaitable[ImportReport]:
        return service.import_inventory(
            session,
            _operator(),
            city,
            year,
            text,
            level=chosen_level,
            gwp_set=chosen_gwp,
            new_version=new_version,
            progress=progress,
        )

    _run_import(text, run)


@app.command("agency")
def import_agency(
    file: FileArg,
    city: CityOpt,
    year: Annotated[
        int | None, typer.Option(min=1990, max=2100, help="Only this year (others are errors)")
    ] = None,
) -> None:
    """Import the Norwegian Environment Agency's municipal statistics for a city."""
    from services.inventory.imports import service
    from services.inventory.imports.csvfile import decode

    text = decode(file.read_bytes())

    def run(session: AsyncSession, progress: Callable[[int], None]) -> Awaitable[ImportReport]:
        return service.import_agency(session, _operator(), city, text, year=year, progress=progress)

    _run_import(text, run)


def _operator() -> Principal:
    from shared.auth import Principal

    return Principal(subject=f"cli:{getpass.getuser()}", role="admin")


def _run_import(
    text: str, run: Callable[[AsyncSession, Callable[[int], None]], Awaitable[ImportReport]]
) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from services.inventory.imports import service
    from services.inventory.settings import Settings
    from shared.db import Database
    from shared.problems import ProblemError

    console = _console()
    settings = Settings()

    async def go() -> ImportReport:
        db = Database(settings.effective_database_url, settings.effective_database_schema)
        try:
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("rows", total=service.count_rows(text))
                async with db.transaction() as session:
                    return await run(session, lambda n: bar.advance(task, n))
        finally:
            await db.dispose()

    try:
        report = asyncio.run(go())
    except ProblemError as exc:
        console.print(f"not imported: {exc.detail or exc.title}", markup=False, style="red")
        raise typer.Exit(2) from None
    for problem in report.problems:
        column = f" [{problem.column}]" if problem.column else ""
        console.print(
            f"line {problem.line}{column}: {problem.reason}", markup=False, highlight=False
        )
    version = f" into version {report.version}" if report.version else ""
    console.print(
        f"{report.imported} of {report.rows} rows imported{version}; "
        f"{report.rejected} rejected, {report.skipped} empty",
        markup=False,
        highlight=False,
    )
    if report.rejected:
        raise typer.Exit(1)
