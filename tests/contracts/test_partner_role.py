"""The partner role of shared/auth.py on its own: its claims, and what it may do."""

from __future__ import annotations

import uuid

import pytest

from shared.auth import Principal, issue_token, verify_token
from shared.problems import ProblemError
from tests.helpers import signed_by_builtin_issuer


async def test_a_partner_token_carries_its_partner_and_city() -> None:
    partner = str(uuid.uuid4())
    principal = await verify_token(issue_token("p", "partner", "oslo", partner=partner))
    assert principal == Principal(subject="p", role="partner", city="oslo", partner=partner)
    assert principal.is_partner(uuid.UUID(partner), "oslo")
    assert principal.may_act_for_partner(partner, "oslo")
    assert not principal.is_partner(uuid.uuid4(), "oslo")
    assert not principal.may_act_for_partner(partner, "bergen")
    assert not principal.can_write("oslo")  # a partner writes nothing of its city


def test_a_city_acts_for_its_partners_but_is_never_the_partner() -> None:
    city = Principal(subject="c", role="city", city="oslo")
    partner = uuid.uuid4()
    assert city.may_act_for_partner(partner, "oslo")
    assert not city.may_act_for_partner(partner, "bergen")
    assert not city.is_partner(partner, "oslo")
    assert not Principal(subject="a", role="admin").is_partner(partner, "oslo")


def test_a_city_editor_writes_drafts_but_does_not_act_for_partners() -> None:
    editor = Principal(subject="e", role="city_editor", city="oslo")
    assert editor.can_write("oslo") and not editor.can_write("bergen")
    assert not editor.can_administer("oslo")
    assert not editor.may_act_for_partner(uuid.uuid4(), "oslo")


async def test_a_partner_token_needs_both_claims() -> None:
    with pytest.raises(ValueError):
        issue_token("p", "partner", "oslo")
    with pytest.raises(ValueError):
        issue_token("c", "city", "oslo", partner=str(uuid.uuid4()))
    forged = signed_by_builtin_issuer(
        {"sub": "p", "roles": ["partner"], "city": "oslo", "exp": 2**40, "jti": "f1"}
    )
    with pytest.raises(ProblemError) as refused:
        await verify_token(forged)
    assert refused.value.status == 401


async def test_a_partner_claim_on_another_role_is_ignored() -> None:
    token = signed_by_builtin_issuer(
        {
            "sub": "c",
            "roles": ["city"],
            "city": "oslo",
            "partner": "x",
            "exp": 2**40,
            "jti": "f2",
        }
    )
    principal = await verify_token(token)
    assert principal.partner is None and principal.role == "city_admin"
