"""Free text that will be stored: PostgreSQL text cannot hold NUL, and no database can hold a
lone UTF-16 surrogate (``"\\ud800"``, which JSON can spell), so both are refused at the edge (a
422 naming the field) instead of failing in a database, or in a consumer downstream. The
OpenAPI documents say so for NUL: such a field's schema has the pattern
``STORABLE_TEXT_PATTERN``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

# Patterns in the documents leave out NUL only: a pattern with surrogates is no regular
# expression to Rust's regex (pydantic-core, jsonschema-rs), and JSON text a client sends from
# a Unicode string has no lone surrogate; pydantic refuses one as not Unicode anyway.
STORABLE_TEXT_PATTERN = "^[^\\u0000]*$"
# Some text that is not only whitespace, without NUL: a field of a model that strips
# whitespace (shared/openapi.py declares it on such fields). U+0085 is whitespace to the
# stripping (Rust's) but not to ECMAScript's \s: named.
NON_BLANK_TEXT_PATTERN = "^[^\\u0000]*[^\\s\\u0000\\x85][^\\u0000]*$"
# Neither whitespace (which differs between regex engines: U+0085 is one to Rust's, U+FEFF to
# ECMAScript's, so both are named) nor control characters.
_PART = "[^@\\s\\x00-\\x1f\\x7f-\\x9f\ufeff]+"
EMAIL_PATTERN = f"^{_PART}@{_PART}\\.{_PART}$"
"""An e-mail address that can be stored (a field's own pattern replaces the one above)."""
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _no_nul(value: str) -> str:
    found = _UNSTORABLE.search(value)
    if found:
        if found.group() == "\x00":
            raise ValueError("must not contain NUL characters")
        raise ValueError("must not contain a lone UTF-16 surrogate (text that is not Unicode)")
    return value


class _StorableText:
    """The check (after the type's own) and its declaration in the JSON schema. A field with a
    pattern of its own keeps it: that pattern must then leave out NUL and surrogates itself."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_no_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema = handler(schema)
        if json_schema.get("type") == "string":
            json_schema.setdefault("pattern", STORABLE_TEXT_PATTERN)
        return json_schema


NoNul = _StorableText()
"""Add to any free-text field that is stored."""

StoredText = Annotated[str, NoNul]


def without_nul(value: str) -> str:
    """For consumers: text from another service's event, made storable whatever it holds."""
    return _UNSTORABLE.sub("", value)
