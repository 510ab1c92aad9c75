"""The built-in issuer over HTTP: its discovery document, JWKS and token endpoint (OAuth 2.0
client credentials), the deny list every service polls, and the admin API of service accounts,
revocations and signing keys."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote_plus

import jwt
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse

from services.inventory.identity import service
from services.inventory.identity.models import RevokedToken, ServiceAccount
from services.inventory.identity.schemas import (
    KeyRotation,
    RevocationCreate,
    RevocationList,
    RevocationPublic,
    ServiceAccountCreate,
    ServiceAccountCreated,
    ServiceAccountPublic,
    SigningKeyPublic,
    TokenAnswer,
)
from shared.auth import Principal, builtin_signing_keys, require_admin, require_principal
from shared.db import DbSession
from shared.problems import ProblemError
from shared.settings import ServiceSettings

log = logging.getLogger("klimaby.identity")

issuer_router = APIRouter(prefix="/oidc", tags=["identity"])
router = APIRouter(prefix="/v1/identity", tags=["identity"])
Caller = Annotated[Principal, Depends(require_principal)]
Admin = Annotated[Principal, Depends(require_admin)]


def _settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


def _issuer(request: Request) -> str:
    return _settings(request).builtin_issuer.rstrip("/")


@issuer_router.get(
    "/.well-known/openid-configuration",
    summary="The built-in issuer's discovery document (OpenID Connect Discovery 1.0)",
)
async def discovery(request: Request) -> dict[str, Any]:
    issuer = _issuer(request)
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/jwks.json",
        "token_endpoint": f"{issuer}/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "claims_supported": ["sub", "name", "roles", "city", "partner", "client_id", "jti"],
        "klimaby_revocations_uri": f"{issuer}/revocations",
    }


@issuer_router.get("/jwks.json", summary="The built-in issuer's public signing keys (JWKS)")
async def jwks(request: Request) -> JSONResponse:
    keys = builtin_signing_keys(_settings(request)).jwks()
    # Short caching: a rotation reaches clients within a minute even through a proxy.
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=60"})


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """client_secret_basic (preferred) or client_secret_post (RFC 6749 2.3.1)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise service._invalid_client("malformed Basic credentials") from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise service._invalid_client("malformed Basic credentials")
        return unquote_plus(client_id), unquote_plus(secret)
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    raise service._invalid_client("client authentication is required")


@issuer_router.post(
    "/token",
    summary="Token endpoint: client credentials of a service account for a short-lived token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def token(request: Request, response: Response, session: DbSession) -> TokenAnswer:
    settings = _settings(request)
    if not settings.builtin_issuer_enabled:
        raise ProblemError(
            404, "Not Found", "the built-in issuer is turned off here", kind="not-found"
        )
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise ProblemError(
            415,
            "Unsupported Media Type",
            "the token endpoint reads application/x-www-form-urlencoded (RFC 6749)",
            kind="unsupported-media-type",
        )
    form = _form(await request.body())
    if form.get("grant_type") != "client_credentials":
        raise ProblemError(
            400,
            "Bad Request",
            "grant_type must be client_credentials",
            kind="unsupported-grant-type",
            field="/body/grant_type",
            extra={"error": "unsupported_grant_type"},
        )
    client_id, secret = _client_credentials(request, form)
    answer = await service.issue_for_client(session, settings, client_id, secret)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return answer


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        parsed = {}
    # A value holding NUL is never a valid token, client id or secret: it reads as empty.
    return {k: "" if "\x00" in v[0] else v[0] for k, v in parsed.items() if v}


@issuer_router.post(
    "/revoke",
    summary="Revoke a token by presenting it (RFC 7009): signing out, or a token that leaked",
    # An empty 200, as RFC 7009 answers: declared without a body.
    response_class=Response,
    responses={200: {"description": "Revoked, or nothing to revoke"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["token"],
                        "properties": {"token": {"type": "string"}},
                    }
                }
            },
        }
    },
)
async def revoke_presented_token(request: Request, session: DbSession) -> Response:
    """Whoever holds a token may revoke it. As RFC 7009 says, an invalid or unknown token is
    answered 200 too (there is nothing left to revoke, and nothing to learn)."""
    form = _form(await request.body())
    if "token" not in form:
        # RFC 7009 2.1: the token parameter is required (invalid_request, RFC 6749 5.2).
        raise ProblemError(
            400, "Bad Request", "the form has no token parameter", kind="invalid_request",
            field="/body/token",
        )  # fmt: skip
    token = form["token"]
    try:
        principal = await request.app.state.verifier.verify(token)
    except ProblemError:
        return Response(status_code=200)
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    await service.revoke_presented(
        session,
        request.app.state.deny_list,
        principal,
        datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else None,
    )
    return Response(status_code=200)


@issuer_router.get(
    "/revocations",
    summary="The deny list: ids of revoked tokens not yet expired (every service polls it)",
    responses={304: {"description": "Unchanged since the ETag in If-None-Match"}},
)
async def revocations(request: Request, session: DbSession) -> Response:
    tag, revoked = await service.revocation_list(session)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    body = RevocationList(revoked=revoked).model_dump_json()
    return Response(
        body, media_type="application/json", headers={"ETag": tag, "Cache-Control": "no-cache"}
    )


def _public(account: ServiceAccount) -> ServiceAccountPublic:
    return ServiceAccountPublic.model_validate(account, from_attributes=True)


@router.post(
    "/service-accounts",
    status_code=201,
    summary="A service account for a municipal app (its secret shown once)",
)
async def create_service_account(
    data: ServiceAccountCreate,
    principal: Caller,
    request: Request,
    response: Response,
    session: DbSession,
) -> ServiceAccountCreated:
    account, secret = await service.create_account(session, principal, data)
    response.headers["Cache-Control"] = "no-store"
    return ServiceAccountCreated(
        **_public(account).model_dump(),
        client_secret=secret,
        token_endpoint=f"{_issuer(request)}/token",
    )


@router.get(
    "/service-accounts",
    summary="Service accounts (a platform admin's: all; a city administrator's: its city's)",
)
async def list_service_accounts(
    principal: Caller, session: DbSession
) -> list[ServiceAccountPublic]:
    return [_public(a) for a in await service.list_accounts(session, principal)]


@router.delete(
    "/service-accounts/{client_id}",
    summary="Disable a service account: no new tokens, and the tokens it holds are revoked",
)
async def disable_service_account(
    client_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")],
    principal: Caller,
    request: Request,
    session: DbSession,
) -> ServiceAccountPublic:
    account = await service.disable_account(
        session, principal, client_id, request.app.state.deny_list
    )
    return _public(account)


def _revocation(row: RevokedToken) -> RevocationPublic:
    return RevocationPublic.model_validate(row, from_attributes=True)


@router.post(
    "/revocations",
    status_code=201,
    summary="Revoke one token by its id (jti), of any trusted issuer (platform admin)",
)
async def revoke_token(
    data: RevocationCreate, principal: Caller, request: Request, session: DbSession
) -> RevocationPublic:
    row = await service.revoke(session, principal, data, request.app.state.deny_list)
    return _revocation(row)


@router.get("/revocations", summary="Revoked tokens with who revoked them and why (admin)")
async def list_revocations(_admin: Admin, session: DbSession) -> list[RevocationPublic]:
    from services.inventory.identity.repository import IdentityRepository

    rows = await IdentityRepository(session).revocations(datetime.now(UTC))
    return [_revocation(r) for r in rows]


@router.get("/signing-keys", summary="The built-in issuer's signing keys (admin)")
async def list_signing_keys(_admin: Admin, request: Request) -> list[SigningKeyPublic]:
    keys = builtin_signing_keys(_settings(request)).all()
    return [
        SigningKeyPublic(kid=k.kid, created_at=k.created_at, signing=k is keys[-1]) for k in keys
    ]


@router.post(
    "/signing-keys/rotate",
    status_code=201,
    summary="Rotate the built-in issuer's signing key (admin)",
)
async def rotate_signing_key(
    data: KeyRotation, principal: Admin, request: Request
) -> SigningKeyPublic:
    key = builtin_signing_keys(_settings(request)).rotate(retire_previous=data.retire_previous)
    log.warning(
        "signing key rotated",
        extra={"kid": key.kid, "retired_previous": data.retire_previous, "by": principal.actor},
    )
    return SigningKeyPublic(kid=key.kid, created_at=key.created_at, signing=True)
