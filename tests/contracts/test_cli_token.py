"""``klimaby token --partner ID``: a partner's own token, its city read from contracts."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from services.cli import app
from services.contracts import seed as contracts_seed
from services.contracts.partners.models import Partner
from services.registry import SERVICES
from shared.auth import verify_token
from shared.db import Database
from shared.migrations import upgrade


def test_a_partner_token_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'contracts.db'}"
    monkeypatch.setenv("CONTRACTS_DATABASE_URL", url)

    async def prepare() -> Partner:
        db = Database(url)
        try:
            await upgrade(db, SERVICES["contracts"].migrations_dir)
            await contracts_seed.seed(db, demo=True)
            async with db.transaction() as session:
                return (await session.execute(select(Partner).limit(1))).scalars().one()
        finally:
            await db.dispose()

    partner = asyncio.run(prepare())
    runner = CliRunner()
    result = runner.invoke(app, ["token", "--partner", str(partner.id)])
    assert result.exit_code == 0, result.output
    principal = asyncio.run(verify_token(result.output.strip()))
    assert (principal.role, principal.partner, principal.city) == (
        "partner",
        str(partner.id),
        partner.city,
    )

    wrong_city = runner.invoke(app, ["token", "--partner", str(partner.id), "--city", "bergen"])
    assert wrong_city.exit_code != 0
    unknown = runner.invoke(app, ["token", "--partner", str(uuid.uuid4())])
    assert unknown.exit_code != 0
    assert "no partner" in unknown.output
