"""Input guards every service applies before its endpoints see a request.

Written once here so that no endpoint can forget them:

- a request body larger than the service's limit is a 413 (known from ``Content-Length`` or
  counted while it streams in), before anything parses it;
- a JSON body nested deeper than ``max_json_depth`` is a 422 (Python's parser would recurse);
- a lone UTF-16 surrogate (``"\\ud800"``) anywhere in a JSON body is a 422 naming the field:
  neither PostgreSQL nor UTF-8 can store it, and the databases fail with a 500 otherwise;
- a NUL byte in a query value is a 422 naming the parameter (PostgreSQL text cannot hold it);
  in a path, each parameter's pattern refuses it, and ``shared.problems`` answers any NUL
  that reaches the database with a 422 instead of a 500;
- a client that keeps failing authentication is slowed down with 429 for a while.

The failed-authentication counter is per process: with several replicas each keeps its own,
which bounds guessing per replica; a shared limit belongs in the reverse proxy.
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import InvalidParam, pointer, problem_response

# The JSON escape of a surrogate code point (\uD800-\uDFFF); raw UTF-8 cannot hold one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_BRACKETS_OR_QUOTES = bytes(b for b in range(256) if b not in b'[]{}"')
_OPENING = frozenset(b"[{")
_INNERMOST_PAIR = re.compile(rb"\{\}|\[\]")
_MAX_REPORTED = 20


class _TooLarge(Exception):
    pass


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether a JSON document nests objects/arrays deeper than ``limit`` (strings ignored)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    if b"\\" not in body and body.count(b'"') % 2 == 0:
        # Without escapes every quote opens or closes a string, so the brackets outside strings
        # are those between every other pair of quotes. Only quotes and brackets are kept, and
        # adjacent quotes dropped (an empty string, or nothing between two strings): the same
        # brackets as the regex leaves, at C speed (the regex took ~16 ms of a 5,000-reading
        # batch, more than parsing it).
        reduced = body.translate(None, _NOT_BRACKETS_OR_QUOTES).replace(b'""', b"")
        outside = b"".join(reduced.split(b'"')[::2]) if b'"' in reduced else reduced
    else:
        outside = _JSON_STRING.sub(b'""', body)
    brackets = outside.translate(None, _NOT_BRACKETS)
    # One pass removes the innermost (empty) pairs, one level of nesting: a sequence that is
    # gone within ``limit`` passes is balanced and no deeper than that. A batch of readings
    # goes in three passes instead of a Python step per bracket; anything else is counted.
    rest = brackets
    for _ in range(limit):
        rest = _INNERMOST_PAIR.sub(b"", rest)
        if not rest:
            return False
    depth = 0
    for bracket in brackets:
        if bracket in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def lone_surrogates(document: Any, loc: tuple[str | int, ...] = ("body",)) -> Iterator[str]:
    """JSON pointers of every key or string value that holds a lone surrogate."""
    if isinstance(document, str):
        if _has_surrogate(document):
            yield pointer(loc)
    elif isinstance(document, dict):
        for key, value in document.items():
            if _has_surrogate(key):
                yield pointer((*loc, key.encode("utf-8", "backslashreplace").decode()))
            yield from lone_surrogates(value, (*loc, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from lone_surrogates(value, (*loc, index))


class AuthFailures:
    """Failed authentications per client address in a sliding window (bounded memory)."""

    def __init__(self, limit: int, window_s: float, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_clients = max_clients
        self._failures: OrderedDict[str, list[float]] = OrderedDict()

    def _recent(self, client: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(client, ()) if now - t < self.window_s]
        if times:
            self._failures[client] = times
            self._failures.move_to_end(client)
        else:
            self._failures.pop(client, None)
        return times

    def blocked_for(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0: it may now)."""
        now = time.monotonic() if now is None else now
        times = self._recent(client, now)
        if self.limit <= 0 or len(times) < self.limit:
            return 0.0
        return max(0.0, self.window_s - (now - times[-self.limit]))

    def record(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._recent(client, now)
        self._failures.setdefault(client, []).append(now)
        self._failures.move_to_end(client)
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)


class InputGuard:
    """Pure ASGI middleware (no per-request task): the checks in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_json_depth: int = 32,
        auth_failure_limit: int = 20,
        auth_failure_window_s: float = 60.0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.auth_failures = AuthFailures(auth_failure_limit, auth_failure_window_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        query = scope.get("query_string") or b""
        if b"%00" in query:
            # Path parameters are named by their own patterns; a query value may be free text.
            names = [name for name, value in parse_qsl(query.decode("latin-1")) if "\x00" in value]
            await self._unprocessable(
                scope,
                receive,
                send,
                f"/query/{names[0]}" if names else "/query",
                "must not contain NUL",
            )
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        authenticates = b"authorization" in headers or b"x-api-key" in headers
        if authenticates and (wait := self.auth_failures.blocked_for(client)):
            response = problem_response(
                429,
                "Too Many Requests",
                "too many failed authentications from this address; try again later",
                kind="too-many-auth-failures",
                headers={"Retry-After": str(int(wait) + 1)},
            )
            await response(scope, receive, send)
            return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return

        is_json = b"json" in headers.get(b"content-type", b"").lower()
        if is_json and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                body = await self._read_body(receive)
            except _TooLarge:
                await self._too_large(scope, receive, send)
                return
            problem = self._json_problem(body)
            if problem is not None:
                await problem_response(
                    422,
                    "Unprocessable Content",
                    "the request body cannot be stored",
                    kind="validation",
                    invalid_params=problem,
                )(scope, receive, send)
                return
            receive = _replay(body, receive)
        else:
            receive = self._counting(receive)

        status: dict[str, int] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except _TooLarge:
            if "code" in status:
                raise
            await self._too_large(scope, receive, send)
            return
        if authenticates and status.get("code") == 401:
            self.auth_failures.record(client)

    def _json_problem(self, body: bytes) -> list[InvalidParam] | None:
        if json_depth_exceeds(body, self.max_json_depth):
            return [
                InvalidParam(
                    name="/body", reason=f"nested deeper than {self.max_json_depth} levels"
                )
            ]
        if not _SURROGATE_ESCAPE.search(body):
            return None
        try:
            document = json.loads(body)
        except ValueError:
            return None  # the endpoint reports malformed JSON with its own problem
        places = []
        for place in lone_surrogates(document):
            places.append(InvalidParam(name=place, reason="must not contain a lone surrogate"))
            if len(places) >= _MAX_REPORTED:
                break
        return places or None

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        return counted

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(
            413,
            "Content Too Large",
            f"the request body is larger than {self.max_body_bytes} bytes",
            kind="too-large",
        )(scope, receive, send)

    async def _unprocessable(
        self, scope: Scope, receive: Receive, send: Send, name: str, reason: str
    ) -> None:
        await problem_response(
            422,
            "Unprocessable Content",
            reason,
            kind="validation",
            invalid_params=[InvalidParam(name=name, reason=reason)],
        )(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body once, then the client's own messages (its disconnect, when it comes)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
