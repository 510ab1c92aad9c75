"""The lifecycle of an MoU, as the CCC's stakeholder commitments run:

    proposed ──(both sides sign)──▶ signed ──▶ active ──▶ reported ──▶ renewed
        │                             │          │           │
        └─────────────────────────────┴──────────┴───────────┴──────▶ ended

``signed`` is reached only by the second of the two signatures (the city's and the partner's),
never asked for; ``renewed`` and ``ended`` are final (a renewal continues as a new MoU,
proposed again, with the commitments copied).
"""

from __future__ import annotations

from typing import get_args

from shared.events.payloads import MouState
from shared.problems import ProblemError

STATES: tuple[MouState, ...] = get_args(MouState)

NEXT: dict[MouState, tuple[MouState, ...]] = {
    "proposed": ("ended",),
    "signed": ("active", "ended"),
    "active": ("reported", "ended"),
    "reported": ("renewed", "ended"),
    "renewed": (),
    "ended": (),
}
"""The transitions a party may ask for (``signed`` comes from the signatures)."""

SIGNED_STATES: frozenset[MouState] = frozenset({"signed", "active", "reported", "renewed"})
"""States of an MoU both sides signed (``ended`` may or may not have been signed)."""


def illegal(current: str, wanted: str, field: str = "/body/status") -> ProblemError:
    """409 naming the current state and what may follow it."""
    allowed = NEXT.get(current, ())  # type: ignore[call-overload]
    if wanted == "signed" and current == "proposed":
        detail = "an MoU becomes signed when both the city and the partner have signed it"
    else:
        options = ", ".join(allowed) or "nothing (it is final)"
        detail = f"the MoU is '{current}'; from '{current}' it can go to: {options}"
    return ProblemError(
        409,
        "Illegal MoU transition",
        detail,
        kind="illegal-transition",
        field=field,
        extra={"current_status": current, "allowed": list(allowed)},
    )


def ensure_transition(current: str, wanted: str) -> None:
    if wanted not in NEXT.get(current, ()):  # type: ignore[call-overload]
        raise illegal(current, wanted)
