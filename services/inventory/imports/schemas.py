from __future__ import annotations

from pydantic import BaseModel, Field

from shared.quantities import TCO2e


class RowProblem(BaseModel):
    """A row that was not imported, and why."""

    line: int = Field(description="Line number in the file (the header is line 1)")
    column: str | None = Field(description="The column at fault, when one is")
    reason: str


class ImportReport(BaseModel):
    """What an import did: good rows imported, each bad row with its line and reason."""

    city: str
    year: int | None
    version: int | None = Field(description="The inventory version imported into")
    rows: int = Field(description="Data rows read")
    imported: int
    skipped: int = Field(description="Rows of the table with neither amounts nor notation key")
    rejected: int
    problems: list[RowProblem] = Field(
        description="The first problems in line order (all of them when problems_truncated is "
        "false); the whole list is at problems_url"
    )
    problems_truncated: bool = False
    import_id: str | None = Field(None, description="The import run, when made through the API")
    problems_url: str | None = Field(
        None, description="Every problem of the run, as CSV (or JSON with ?format=json)"
    )


class AgencyLine(BaseModel):
    """One line of the agency's municipal statistics, as imported."""

    year: int
    sector: str
    source: str
    co2e_mg: int = Field(description="Milligrams CO2e (exact)")
    tco2e: TCO2e
