"""The MoU lifecycle on its own: which steps exist, and what an illegal one says."""

from __future__ import annotations

import pytest

from services.contracts.mous import lifecycle
from shared.problems import ProblemError


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("proposed", "ended"),
        ("signed", "active"),
        ("signed", "ended"),
        ("active", "reported"),
        ("active", "ended"),
        ("reported", "renewed"),
        ("reported", "ended"),
    ],
)
def test_the_legal_steps(current: str, wanted: str) -> None:
    lifecycle.ensure_transition(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("proposed", "signed"),  # only the two signatures make it signed
        ("proposed", "active"),
        ("signed", "reported"),
        ("signed", "renewed"),
        ("active", "renewed"),
        ("active", "active"),
        ("renewed", "ended"),
        ("ended", "active"),
        ("ended", "ended"),
    ],
)
def test_an_illegal_step_is_409_naming_the_current_state(current: str, wanted: str) -> None:
    with pytest.raises(ProblemError) as refused:
        lifecycle.ensure_transition(current, wanted)
    problem = refused.value
    assert problem.status == 409
    assert problem.extra["current_status"] == current
    assert problem.extra["allowed"] == list(lifecycle.NEXT[current])  # type: ignore[index]
    assert problem.field == "/body/status"
    if current in ("renewed", "ended"):
        assert "final" in (problem.detail or "")
    elif wanted != "signed":
        assert f"'{current}'" in (problem.detail or "")


def test_every_state_has_its_steps_and_only_final_states_have_none() -> None:
    assert set(lifecycle.NEXT) == set(lifecycle.STATES)
    assert {s for s, nxt in lifecycle.NEXT.items() if not nxt} == {"renewed", "ended"}
    # "signed" is never asked for: it comes from the second signature.
    assert all("signed" not in nxt for nxt in lifecycle.NEXT.values())
