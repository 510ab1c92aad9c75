"""Revoked tokens: a deny list by token id (``jti``), checked in memory on every request.

The list is kept by the inventory (the built-in issuer's home, ``/oidc/revocations``). Every
other service polls it every ``KLIMABY_REVOCATIONS_POLL_S`` (0.5 s) with ``If-None-Match``, so
an unchanged list costs a 304 and nothing else; each inventory replica reads its own database
at the same pace. A revoked token is therefore refused everywhere within about one poll
interval. While the list cannot be fetched a service keeps the last one it had (and logs it):
a revocation made during an outage reaches that service when the list is back.
Entries leave the list when the token would have expired anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RevocationSnapshot:
    """The token ids revoked, under a version tag (the HTTP ETag) that changes with them."""

    etag: str
    token_ids: frozenset[str]


# Given the tag the caller has, a newer snapshot, or None when nothing changed.
RevocationLoader = Callable[[str | None], Awaitable[RevocationSnapshot | None]]


class DenyList:
    def __init__(self) -> None:
        self._revoked: frozenset[str] = frozenset()
        self.etag: str | None = None

    def __contains__(self, token_id: object) -> bool:
        return token_id in self._revoked

    def __len__(self) -> int:
        return len(self._revoked)

    def replace(self, snapshot: RevocationSnapshot) -> None:
        self._revoked = snapshot.token_ids
        self.etag = snapshot.etag

    def add(self, token_id: str) -> None:
        """Effective at once in this process, before the next poll confirms it."""
        self._revoked = self._revoked | {token_id}


class HttpRevocations:
    """The inventory's ``GET /oidc/revocations`` with ``If-None-Match``, on one kept-alive
    connection."""

    def __init__(self, url: str, timeout_s: float = 2.0) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, etag: str | None) -> RevocationSnapshot | None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        answer = await self._client.get(self.url, headers={"If-None-Match": etag} if etag else {})
        if answer.status_code == 304:
            return None
        answer.raise_for_status()
        body = answer.json()
        return RevocationSnapshot(
            etag=answer.headers.get("etag", ""),
            token_ids=frozenset(str(entry["jti"]) for entry in body["revoked"]),
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class RevocationPoller(BackgroundTask):
    def __init__(self, deny_list: DenyList, load: RevocationLoader, interval_s: float) -> None:
        self.deny_list = deny_list
        self.load = load
        self.interval_s = interval_s
        self._failing = False

    async def poll_once(self) -> None:
        try:
            snapshot = await self.load(self.deny_list.etag)
        except Exception as exc:
            if not self._failing:
                log.warning(
                    "cannot read the revocation list; keeping the last one",
                    extra={"error": f"{type(exc).__name__}: {exc}", "revoked": len(self.deny_list)},
                )
            self._failing = True
            return
        if self._failing:
            log.info("revocation list readable again")
            self._failing = False
        if snapshot is not None:
            added = len(snapshot.token_ids - self.deny_list._revoked)
            self.deny_list.replace(snapshot)
            if added:
                log.info(
                    "tokens revoked", extra={"added": added, "revoked": len(snapshot.token_ids)}
                )

    async def _run(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._start(self._run(), "revocation-poller")

    async def stop(self) -> None:
        await super().stop()
        close = getattr(self.load, "aclose", None)
        if close is not None:
            await close()
