"""Schemathesis's full set of checks (what ``--checks all`` runs), for the project's fuzz tests.

Every generated request is sent with a token and its answer is validated against every check the
installed schemathesis offers: no 5xx, a declared status code, content type and headers, a body
that matches the declared schema, invalid input refused and valid input accepted, a resource
still there after it was created and gone after it was deleted, authentication enforced where the
document says it is. A check is excluded only for an operation where it cannot know the truth,
in ``EXCLUDED`` below, each with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
import schemathesis.specs.openapi.checks as openapi_checks
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.core.failures import FailureGroup

# Importing the OpenAPI checks registers them; the registry then holds every built-in check.
ALL_CHECKS: list[Callable[..., Any]] = list(CHECKS.get_all())
assert openapi_checks.positive_data_acceptance in ALL_CHECKS

# A generated id in a path or a body names no stored resource, and valid data for a write that
# refers to another resource (a sensor's gateway, an MoU's partner) is refused with a 404 or 409,
# which positive_data_acceptance accepts already. What it cannot know is a rule across resources
# or across fields of stored state that the document cannot express; those operations are here.
EXCLUDED: dict[tuple[str, str], dict[str, str]] = {}


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def cases(
    operation: schemathesis.APIOperation, path_parameters: dict[str, Any] | None = None
) -> st.SearchStrategy[schemathesis.Case]:
    """Valid and invalid requests for ``operation``; with ``path_parameters`` (ids of stored
    resources) also valid requests that reach a real resource."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if path_parameters:
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters),
        ]
    return st.one_of(strategies)


class Failures:
    """The failures of a run, one per operation and kind (the first example found for each),
    so that one run shows every operation's problems instead of the same one many times."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def call_and_check(
        self, case: schemathesis.Case, headers: dict[str, str], **kwargs: Any
    ) -> None:
        """Send ``case`` and run every check not excluded for its operation."""
        names = EXCLUDED.get((case.method.upper(), case.path), {})
        excluded = [check for check in ALL_CHECKS if check.__name__ in names]
        try:
            case.call_and_validate(
                headers=headers, checks=ALL_CHECKS, excluded_checks=excluded, **kwargs
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{case.method} {case.path}: {failure.title}"
                self.found.setdefault(key, f"{key}\n{group.message[:1500]}")

    def report(self) -> str:
        return "\n\n".join(self.found[key] for key in sorted(self.found))
