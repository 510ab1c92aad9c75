"""The partner role of shared/auth.py on its own: its claims, and what it may do."""

from __future__ import annotations

import uuid

import jwt
import pytest

from shared.auth import Principal, issue_token, verify_token
from shared.problems import ProblemError

SECRET = "a-test-secret-of-ours-long-enough-for-hs256"


def test_a_partner_token_carries_its_partner_and_city() -> None:
    partner = str(uuid.uuid4())
    principal = verify_token(SECRET, issue_token(SECRET, "p", "partner", "oslo", partner=partner))
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


def test_a_partner_token_needs_both_claims() -> None:
    with pytest.raises(ValueError):
        issue_token(SECRET, "p", "partner", "oslo")
    with pytest.raises(ValueError):
        issue_token(SECRET, "c", "city", "oslo", partner=str(uuid.uuid4()))
    forged = jwt.encode(
        {"iss": "klimaby", "sub": "p", "role": "partner", "city": "oslo", "exp": 2**40},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(ProblemError) as refused:
        verify_token(SECRET, forged)
    assert refused.value.status == 401


def test_a_partner_claim_on_another_role_is_ignored() -> None:
    token = jwt.encode(
        {
            "iss": "klimaby",
            "sub": "c",
            "role": "city",
            "city": "oslo",
            "partner": "x",
            "exp": 2**40,
        },
        SECRET,
        algorithm="HS256",
    )
    assert verify_token(SECRET, token).partner is None
