"""The OpenAPI document as the services really answer, completed once for every service:
the problem answers the shared layers give on any operation, and reads whose token is optional.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase

from shared.auth import optional_principal
from shared.problems import PROBLEM_JSON, TITLES, Problem
from shared.text import NON_BLANK_TEXT_PATTERN

# What the shared layers may answer on any operation, as problem details: a malformed or
# unparsable request (400, 415), authentication and authorization (401, 403, and 429 after
# repeated authentication failures), an unknown resource or city (404), a conflict (409), a body
# over the limit (413) and a field that fails validation (422).
DECLARED_PROBLEMS = (400, 401, 403, 404, 409, 413, 415, 422, 429)
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def decimal_string_pattern(number: dict[str, Any], places: int, integer_digits: int) -> str:
    """The text form of a decimal within the bounds of its number form, with at most
    ``places`` decimal places and ``integer_digits`` digits before the point. Bounds are the
    ones the services use: none, 0 (inclusive or exclusive) or minus a power of ten below, a
    power of ten above."""
    low = number.get("minimum", number.get("exclusiveMinimum"))
    high = number.get("maximum")
    fraction = rf"(\.\d{{1,{places}}})?" if places else ""
    positive_fraction = rf"0\.\d{{0,{places - 1}}}[1-9]" if places else None
    at = None
    if high is not None:
        digits = len(str(int(high))) - 1
        if 10**digits != high:
            raise ValueError(f"a decimal's maximum must be a power of ten, not {high}")
        integer_digits = min(integer_digits, digits)
        zeros = rf"(\.0{{1,{places}}})?" if places else ""
        at = str(int(high)) + zeros
    # Whole numbers below 10**integer_digits, without leading zeros.
    whole = "0" if integer_digits == 0 else rf"(0|[1-9]\d{{0,{integer_digits - 1}}})"
    below = whole + fraction
    if "exclusiveMinimum" in number and low == 0:
        # A positive amount: some digit is not zero (no look-ahead, which generators refuse).
        options = [positive_fraction] if positive_fraction else []
        if integer_digits > 0:
            options.insert(0, rf"[1-9]\d{{0,{integer_digits - 1}}}{fraction}")
        below = "(" + "|".join(options) + ")"
    sign = "-?" if low is None or low < 0 else ""
    body = below if at is None else f"({below}|{at})"
    return f"^{sign}{body}$"


# Decimal places of a decimal that declares none: tonnes are exact to the milligram
# (shared/quantities.py) and no amount is finer.
DEFAULT_DECIMAL_PLACES = 9
DEFAULT_INTEGER_DIGITS = 15


def _declare_what_pydantic_leaves_out() -> None:
    """What pydantic leaves out of the JSON schema, for FastAPI's documents. A text field of a
    model that strips whitespace needs some text that is not whitespace. And pydantic declares a ``Decimal`` as a ``number`` with its bounds *or any string*, and
    leaves out its decimal places; the services accept only a decimal within the bounds and
    places, as a number or as text. Say so in every service's OpenAPI document: the number
    form gets ``multipleOf`` (10^-places) and the text form a pattern within the same bounds
    and places (``decimal_string_pattern``)."""
    try:
        from fastapi._compat.v2 import GenerateJsonSchema
    except ImportError:  # another FastAPI layout: the document stays as pydantic writes it
        return
    if getattr(GenerateJsonSchema, "_klimaby_decimals", False):
        return
    pydantic_decimal_schema = GenerateJsonSchema.decimal_schema

    def decimal_schema(self: Any, schema: Any) -> Any:
        json_schema = pydantic_decimal_schema(self, schema)
        branches = json_schema.get("anyOf") if isinstance(json_schema, dict) else None
        if not branches or len(branches) != 2:
            return json_schema
        number = next((b for b in branches if b.get("type") == "number"), None)
        text = next((b for b in branches if b.get("type") == "string"), None)
        if number is None or text is None or "pattern" in text:
            return json_schema
        places = schema.get("decimal_places")
        max_digits = schema.get("max_digits")
        integer_digits = DEFAULT_INTEGER_DIGITS
        if max_digits is not None:
            integer_digits = max_digits - (places or 0)
        if max_digits is not None:
            # At most max_digits digits in all: the number form is bounded as the text form.
            number.setdefault("exclusiveMaximum", 10**integer_digits)
            if "minimum" not in number and "exclusiveMinimum" not in number:
                number["exclusiveMinimum"] = -(10**integer_digits)
        if places is not None:
            number["multipleOf"] = float(f"1e-{places}") if places else 1
        text["pattern"] = decimal_string_pattern(
            number, DEFAULT_DECIMAL_PLACES if places is None else places, integer_digits
        )
        return json_schema

    pydantic_str_schema = GenerateJsonSchema.str_schema

    def str_schema(self: Any, schema: Any) -> Any:
        # A model that strips whitespace counts min_length after stripping: "  " is blank.
        json_schema = pydantic_str_schema(self, schema)
        strips = bool(getattr(self._config, "str_strip_whitespace", False))
        if strips and schema.get("min_length", 0) >= 1 and "pattern" not in json_schema:
            json_schema["pattern"] = NON_BLANK_TEXT_PATTERN
        return json_schema

    GenerateJsonSchema.decimal_schema = decimal_schema  # type: ignore[method-assign]
    GenerateJsonSchema.str_schema = str_schema  # type: ignore[method-assign]
    GenerateJsonSchema._klimaby_decimals = True  # type: ignore[attr-defined]


_declare_what_pydantic_leaves_out()


def _api_routes(app: FastAPI) -> list[tuple[str, set[str], Dependant]]:
    """(path, methods, dependencies) of every API route of ``app``, included routers
    flattened: FastAPI 0.16x keeps an included router as one route and its OpenAPI generator
    walks them with these helpers; older versions keep the routes flat."""
    try:
        from fastapi.openapi.utils import _get_api_route_for_openapi
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return [
            (r.path_format, set(r.methods or ()), r.dependant)
            for r in app.routes
            if isinstance(r, APIRoute)
        ]
    found: list[tuple[str, set[str], Dependant]] = []
    for context in iter_route_contexts(app.routes):
        api = _get_api_route_for_openapi(context)
        route = getattr(api, "route", api)
        if api is not None and isinstance(route, APIRoute):
            found.append((api.path_format, set(api.methods or ()), route.dependant))
    return found


def _auth_is_optional(dependant: Dependant) -> bool:
    """True when every security scheme the operation uses is reached through
    ``optional_principal`` (a public read that a token may enrich), none required."""
    optional = required = False

    def walk(node: Dependant, via_optional: bool) -> None:
        nonlocal optional, required
        via = via_optional or node.call is optional_principal
        if isinstance(node.call, SecurityBase):
            if via:
                optional = True
            else:
                required = True
        for sub in node.dependencies:
            walk(sub, via)

    walk(dependant, False)
    return optional and not required


def document_openapi(app: FastAPI) -> None:
    """Complete ``app``'s OpenAPI document once for every service instead of on each endpoint:
    declare the problem answers of ``DECLARED_PROBLEMS`` on every operation, replacing FastAPI's
    own 422 (``HTTPValidationError`` as ``application/json``, which no service sends) by the
    problem document the service does send; an HTML page's 404 is an HTML page too; and a read
    whose token is optional says so (``security: [{}, ...]``), so no client expects a 401."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in schemas:
            problem = Problem.model_json_schema(
                by_alias=True, ref_template="#/components/schemas/{model}", mode="serialization"
            )
            for name, definition in problem.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas["Problem"] = problem
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        optional = {
            (path, method.lower())
            for path, methods, dependant in _api_routes(app)
            if _auth_is_optional(dependant)
            for method in methods
        }
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                if (path, method) in optional and operation.get("security"):
                    operation["security"] = [{}, *operation["security"]]
                ok = responses.get("200", {}).get("content", {})
                if "text/html" in ok:
                    responses.setdefault("404", {"description": TITLES[404]}).setdefault(
                        "content", {}
                    ).setdefault("text/html", {"schema": {"type": "string"}})
                for code in DECLARED_PROBLEMS:
                    declared = responses.setdefault(str(code), {"description": TITLES[code]})
                    media = declared.setdefault("content", {})
                    json_media = media.get("application/json", {})
                    if "HTTPValidationError" in str(json_media.get("schema", "")):
                        del media["application/json"]
                    media.setdefault(PROBLEM_JSON, content[PROBLEM_JSON])
        for unused in ("HTTPValidationError", "ValidationError"):
            if unused not in json.dumps(schema["paths"]):
                schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
