"""Reading the CSV files people actually have: UTF-8 (with or without BOM) or Windows-1252,
comma or semicolon separated, decimal point or (with semicolons) decimal comma."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.problems import ProblemError


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


class CsvTable:
    """A CSV text with a header naming its columns (matched through ``aliases``)."""

    def __init__(self, text: str, aliases: Mapping[str, str], required: set[str]) -> None:
        self.delimiter = ";" if _first_line(text).count(";") > _first_line(text).count(",") else ","
        self._reader = csv.reader(io.StringIO(text), delimiter=self.delimiter)
        try:
            header = next(self._reader)
        except (StopIteration, csv.Error):
            header = []
        self.columns: list[str | None] = [aliases.get(_normal(h)) for h in header]
        missing = sorted(required - {c for c in self.columns if c})
        if missing:
            raise ProblemError(
                422,
                "Unreadable CSV",
                f"the header must name the columns {', '.join(sorted(required))}; "
                f"missing: {', '.join(missing)}",
                kind="validation",
                field="/body/header",
            )

    def rows(self) -> Iterator[Row | tuple[int, str]]:
        """Each data row, or (line, reason) for a line the CSV reader itself cannot read."""
        while True:
            try:
                raw = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield self._reader.line_num, f"not a CSV line: {exc}"
                continue
            if not any(cell.strip() for cell in raw):
                continue  # blank lines are not rows
            if len(raw) > len(self.columns):
                yield (
                    self._reader.line_num,
                    (f"{len(raw)} fields where the header has {len(self.columns)}"),
                )
                continue
            values = {c: v for c, v in zip(self.columns, raw, strict=False) if c is not None}
            yield Row(self._reader.line_num, values)

    def decimal(self, text: str) -> Decimal:
        """A number as written in this file; ValueError when it is none."""
        cleaned = text.replace("\u00a0", "").replace(" ", "")
        if self.delimiter == ";":
            cleaned = cleaned.replace(",", ".")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a number") from None
        if not value.is_finite():
            raise ValueError(f"'{text}' is not a finite number")
        return value


def decode(body: bytes) -> str:
    """Text of an uploaded file: UTF-8 first, then the Windows code page Excel writes."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _normal(header: str) -> str:
    # "CO2 (t)", " tCO2e " and "Utslipp (tonn CO2-ekvivalenter)" → comparable keys.
    text = header.strip().lstrip("\ufeff").lower()
    text = re.sub(r"\s*\(.*\)\s*$", "", text) or text
    return re.sub(r"[\s_-]+", "_", text)
