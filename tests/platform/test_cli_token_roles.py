"""``klimaby token``: one role per token, its holder and display name in the claims."""

from __future__ import annotations

import getpass

import pytest
from typer.testing import CliRunner

from services.cli import app
from shared.auth import verify_token


@pytest.mark.parametrize(
    ("args", "role", "city"),
    [
        (["--city", "oslo"], "city_admin", "oslo"),
        (["--city", "oslo", "--editor"], "city_editor", "oslo"),
        (["--city", "oslo", "--reader"], "reader", "oslo"),
        (["--reader"], "reader", None),
        (["--admin"], "admin", None),
        (["--subscriber"], "subscriber", None),
        (["--member", "--subject", "kdd"], "member", None),
    ],
)
async def test_each_kind_of_token(args: list[str], role: str, city: str | None) -> None:
    result = CliRunner().invoke(app, ["token", *args, "--name", "Kari Nordmann"])
    assert result.exit_code == 0, result.output
    principal = await verify_token(result.output.strip())
    assert (principal.role, principal.city, principal.name) == (role, city, "Kari Nordmann")
    assert principal.subject == ("kdd" if "--member" in args else getpass.getuser())


@pytest.mark.parametrize(
    "args",
    [["--editor"], ["--admin", "--city", "oslo"], ["--city", "oslo", "--editor", "--reader"], []],
)
def test_ambiguous_or_incomplete_requests_are_refused(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["token", *args])
    assert result.exit_code != 0
    assert "exactly one of" in result.output


def test_key_rotation_from_the_command_line(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLIMABY_BUILTIN_KEYS_FILE", f"{tmp_path}/keys.json")
    runner = CliRunner()
    first = runner.invoke(app, ["keys", "list"]).output.split()[0]
    rotated = runner.invoke(app, ["keys", "rotate"]).output.strip()
    listed = [line.split()[0] for line in runner.invoke(app, ["keys", "list"]).output.splitlines()]
    assert listed == [first, rotated]
    retired = runner.invoke(app, ["keys", "rotate", "--retire-previous"]).output.strip()
    assert runner.invoke(app, ["keys", "list"]).output.split()[0] == retired
