"""Public JSON with an ETag: a client (or a cache) revalidates with If-None-Match and gets a
304 while the figures have not changed."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, TypeAdapter

_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def etagged(request: Request, body: BaseModel | list[Any]) -> Response:
    content = (
        body.model_dump_json().encode() if isinstance(body, BaseModel) else _ANY.dump_json(body)
    )
    tag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    wanted = request.headers.get("if-none-match", "")
    if tag in {t.strip().removeprefix("W/") for t in wanted.split(",")} or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
