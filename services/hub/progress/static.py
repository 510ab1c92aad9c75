"""The dashboard's own static files (CSS, script, the vendored Chart.js): served by the hub
itself, never from a CDN (municipal networks are often closed)."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response

from shared.problems import ProblemError

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=32)
def _load(path: str) -> tuple[bytes, str, str]:
    file = (STATIC / path).resolve()
    if STATIC not in file.parents or not file.is_file():
        raise FileNotFoundError(path)
    content = file.read_bytes()
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("javascript"):
        kind += "; charset=utf-8"
    return content, kind, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


@router.get("/static/{path:path}")
async def static_file(path: str, request: Request) -> Response:
    try:
        content, kind, tag = _load(path)
    except (FileNotFoundError, OSError):
        raise ProblemError(404, "Not Found", f"no static file {path}", kind="not-found") from None
    headers = {
        "ETag": tag,
        "Cache-Control": "public, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=kind, headers=headers)
