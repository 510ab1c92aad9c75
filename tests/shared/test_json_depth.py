"""The input guard's depth check takes a C-speed path for bodies without escapes; it must
answer exactly as the plain scan (strings blanked by a regex, then every bracket counted)."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.guards import json_depth_exceeds

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def plain_scan(body: bytes, limit: int) -> bool:
    depth = 0
    for bracket in re.findall(rb"[\[\]{}]", _STRING.sub(b'""', body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


@settings(max_examples=3000, deadline=None)
@given(st.binary(min_size=0, max_size=60).map(lambda b: bytes(b'[]{}"\\a,'[x % 8] for x in b)))
def test_any_bracket_and_quote_soup_is_judged_as_the_plain_scan_judges_it(body: bytes) -> None:
    for limit in range(5):
        assert json_depth_exceeds(body, limit) == plain_scan(body, limit), (body, limit)


def test_a_batch_of_readings_and_a_deep_document() -> None:
    batch = json.dumps({"readings": [{"sensor_id": "s[{", "value": 1}] * 5000}).encode()
    assert not json_depth_exceeds(batch, 3) and not plain_scan(batch, 3)
    assert json_depth_exceeds(batch, 2) and plain_scan(batch, 2)
    deep = b'{"a":' * 40 + b'"x"' + b"}" * 40
    assert json_depth_exceeds(deep, 32) and not json_depth_exceeds(deep, 40)
