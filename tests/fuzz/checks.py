"""Schemathesis's full set of checks (what ``--checks all`` runs), for the project's fuzz tests.

Every generated request is sent with a token and its answer is validated against every check the
installed schemathesis offers: no 5xx, a declared status code, content type and headers, a body
that matches the declared schema, invalid input refused and valid input accepted, authentication
enforced where the document says it is (each 2xx is probed again without and with an invalid
credential). The stateful checks (use_after_free, ensure_resource_availability) are in the set
but compare a request with the ones before it in a stateful run, which these one-request runs
are not. A check is excluded only for an operation where it cannot know the truth, in
``EXCLUDED`` below, each with the reason.
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

# positive_data_acceptance: valid data per the document must be accepted (a 404 or 409 for an id
# or a name that does not exist, or exists already, counts as accepted). It cannot know a rule
# across fields, across resources or inside a CSV body, which JSON Schema cannot say; only those
# operations are excused from it, each for its rule. Every other check runs on them too.
_ACROSS = "positive_data_acceptance"
EXCLUDED: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/v1/cities/{city}/agency-statistics"): {
        _ACROSS: "a CSV body is a string to JSON Schema; its header and rows are checked"
    },
    ("POST", "/v1/cities/{city}/inventories/{year}/import"): {
        _ACROSS: "a CSV body is a string to JSON Schema; its header and rows are checked"
    },
    ("POST", "/v1/cities/{city}/targets"): {
        _ACROSS: "the target year comes after the baseline year"
    },
    ("POST", "/v1/identity/service-accounts"): {
        _ACROSS: "a city administrator's or editor's account names its city"
    },
    ("POST", "/v1/factors"): {
        _ACROSS: "the unit measures the activity's kind, CO2e needs its GWP set, a validity "
        "ends after it starts, the region is a known one"
    },
    ("POST", "/v1/factors/{factor_id}/revisions"): {
        _ACROSS: "the revision merged with the stored version obeys the rules of a factor"
    },
    ("PUT", "/v1/cities/{city}/inventories/{year}/versions/{version}/entries/{gpc_reference}"): {
        _ACROSS: "the entry's kind decides which fields it needs (activities, data source)"
    },
    ("POST", "/v1/mous"): {
        _ACROSS: "partner_id names a registered partner (422 naming the field): a generated "
        "id names none"
    },
    ("POST", "/v1/mous/{mou_id}/commitments"): {
        _ACROSS: "one expected reduction per GPC sector (422 naming the repeated one): JSON "
        "Schema's uniqueItems compares whole items, not one field of them"
    },
    ("PUT", "/v1/mous/{mou_id}/commitments/{commitment_id}"): {
        _ACROSS: "a replaced commitment keeps the rule of a new one: one expected reduction per "
        "GPC sector (422 naming the repeated one)"
    },
    ("POST", "/v1/mous/{mou_id}/sign"): {
        _ACROSS: "a signature is dated today or earlier (422 naming signed_on): JSON Schema "
        "has no 'not after today'"
    },
    ("POST", "/v1/gateways/{gateway_id}/sensors"): {
        _ACROSS: "the sensor's kind decides which GPC cells it may measure"
    },
    ("PATCH", "/v1/sensors/{sensor_id}"): {
        _ACROSS: "the sensor's kind decides which GPC cells it may measure"
    },
    ("POST", "/v1/gateways/{gateway_id}/sensors/bulk"): {
        _ACROSS: "a CSV body is a string to JSON Schema; its header and rows are checked"
    },
    ("POST", "/v1/readings"): {
        _ACROSS: "a reading gives time, or from and to, in a unit of its sensor's kind"
    },
    ("POST", "/v1/gatherings"): {
        _ACROSS: "a gathering ends after it starts; its deadline lies between 1900 and 2200"
    },
    ("PATCH", "/v1/gatherings/{slug}"): {
        _ACROSS: "a deadline lies between the years 1900 and 2200 (no date-time bound in "
        "JSON Schema)"
    },
    ("POST", "/v1/resources"): {
        _ACROSS: "a resource's kind decides which of its fields apply (tool_kind for a tool)"
    },
    ("PUT", "/v1/cities/{city}/ccc/versions/{version}/actions/{action_id}"): {
        _ACROSS: "the body's id is the path's action_id"
    },
    ("PUT", "/v1/cities/{city}/ccc/versions/{version}/actions/{action_id}/investment"): {
        _ACROSS: "the body's action_id is the path's"
    },
    ("PUT", "/v1/resources/{slug}/texts/{language}"): {
        _ACROSS: "a translation (not the original's language) needs its status"
    },
    ("PUT", "/v1/partners/{partner_id}/climate-accounts/{year}"): {
        _ACROSS: "each scope 3 category is given once (uniqueItems cannot say 'by category')"
    },
    ("POST", "/v1/forum/members"): {
        _ACROSS: "a member's kind decides whether it names a city or a subject"
    },
}


def _organisation_number() -> st.SearchStrategy[str]:
    """Valid Norwegian organisation numbers (MOD11), for the ``no-organisation-number`` format
    of the contracts document."""
    from services.contracts.partners.organisation_number import check_digit

    def complete(first_eight: str) -> str | None:
        digit = check_digit(first_eight)
        return None if digit is None else f"{first_eight}{digit}"

    return (
        st.from_regex(r"\A[0-9]{8}\Z").map(complete).filter(lambda number: number is not None)  # type: ignore[arg-type]
    )  # type: ignore[return-value]


schemathesis.openapi.format("no-organisation-number", _organisation_number())


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
