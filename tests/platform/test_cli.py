"""The command line answers at once and speaks in one line when the configuration is wrong."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from shared.broker import free_port


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


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_klimaby_run_started_in_the_background_stops_on_sigint_and_sigterm(
    tmp_path: Path, stop_with: signal.Signals
) -> None:
    """A non-interactive shell starts a background job with SIGINT ignored (``klimaby run &``
    in a script): ``run`` installs its own handlers, so either signal stops it and what it
    started, at any point (here while it migrates, right after starting its broker)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("DATABASE_URL") and k != "KAFKA_BOOTSTRAP_SERVERS"
    }
    env.update(KLIMABY_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    env["KLIMABY_BROKER_PORT"] = str(free_port())

    def as_a_background_job() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    run = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run", "--no-simulate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        preexec_fn=as_a_background_job,
    )
    try:
        assert run.stdout is not None
        first = run.stdout.readline()
        assert first.startswith("broker: Tansu pid "), first
        broker_pid = int(first.split()[3])
        run.send_signal(stop_with)
        rest, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 0, rest
    assert rest.rstrip().endswith("stopped."), rest
    with pytest.raises(ProcessLookupError):
        os.kill(broker_pid, 0)  # the broker it started was stopped (and reaped) by it
