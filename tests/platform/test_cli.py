"""The command line answers at once and speaks in one line when the configuration is wrong."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from services.cli import app


def test_the_command_line_loads_no_service_code_until_a_command_needs_it() -> None:
    probe = (
        "import sys, services.cli; "
        "print(sorted(m for m in ('sqlalchemy', 'fastapi', 'alembic', 'pint', 'aiokafka') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_configuration_error_is_one_line_and_exit_status_2() -> None:
    env = {**os.environ, "KLIMABY_TOPIC_PARTITIONS": "many"}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "token", "--admin"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "klimaby: configuration error: KLIMABY_TOPIC_PARTITIONS: Input should be a valid "
        "integer, unable to parse string as an integer"
    ]


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "migrate", "seed", "token", "import", "readings"):
        assert command in result.output
