"""The Mission Label lifecycle of one CCC version.

draft → submitted → in_review → revision_requested → resubmitted → in_review → … →
label_awarded. The yearly iteration is a new version (a copy of the awarded one, in draft);
the awarded version stays as it was. A city submits and resubmits its own CCC; the review
and the label belong to the Commission's side, so they need an admin token.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.payloads import CccStatus


@dataclass(frozen=True)
class Step:
    transition: str
    source: tuple[CccStatus, ...]
    target: CccStatus
    reviewer_only: bool


STEPS: dict[str, Step] = {
    step.transition: step
    for step in (
        Step("submit", ("draft",), "submitted", reviewer_only=False),
        Step("start_review", ("submitted", "resubmitted"), "in_review", reviewer_only=True),
        Step("request_revision", ("in_review",), "revision_requested", reviewer_only=True),
        Step("resubmit", ("revision_requested",), "resubmitted", reviewer_only=False),
        Step("award", ("in_review",), "label_awarded", reviewer_only=True),
    )
}

# The content may change only while the city holds the pen.
EDITABLE: tuple[CccStatus, ...] = ("draft", "revision_requested")


def allowed_from(status: str) -> list[str]:
    """The transitions a version in ``status`` may take (for the 409's detail)."""
    return [name for name, step in STEPS.items() if status in step.source]
