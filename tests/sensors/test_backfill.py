"""A CSV of historical readings goes through the same pipeline, in batches, row by row."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app as cli
from services.sensors.backfill import import_file
from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, live_readings


async def test_a_csv_backfill_is_accepted_once_and_reports_rejected_lines(
    service_client: ServiceClientFactory, admin_token: str, city: str, tmp_path: Path
) -> None:
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        start = hour_ago() - timedelta(days=30)
        lines = ["sensor_id,time,from,to,value,unit,reading_id"]
        for i in range(10):
            at = start + timedelta(hours=i)
            lines.append(f"{meter},{at.isoformat()},,,{i + 1},kWh,")
        a, b = start - timedelta(hours=1), start
        lines.append(f"{meter},,{a.isoformat()},{b.isoformat()},0.5,kWh,row-11")
        lines.append(f"{meter},{start.isoformat()},,,lots,kWh,")  # line 13: not a number
        lines.append(f"{meter},,,,1,kWh,")  # line 14: no time
        path = tmp_path / "history.csv"
        path.write_text("\n".join(lines) + "\n")

        batches: list[int] = []
        summary = await import_file(sensors, path, key, batch_size=5, on_batch=batches.append)
        assert batches == [5, 5, 3]
        assert (summary.rows, summary.accepted, summary.duplicates, summary.rejected) == (
            13,
            11,
            0,
            2,
        )
        assert [(r.line, r.field) for r in summary.rejections] == [(13, "value"), (14, "time")]

        again = await import_file(sensors, path, key, batch_size=5)
        assert (again.accepted, again.duplicates, again.rejected) == (0, 11, 2)

        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 11
        )
        assert (totals["readings"], totals["co2e_mg"]) == (11, int((55 + 0.5) * 15_000))


def test_the_import_command_explains_itself() -> None:
    result = CliRunner().invoke(cli, ["readings", "import", "--help"])
    assert result.exit_code == 0
    assert "--api-key" in result.output and "--batch-size" in result.output
