"""The codec server: Temporal's remote codec contract over HTTP (aiohttp), so the
Web UI and ``temporal --codec-endpoint`` show what the workers sealed.

It is the one place that releases plaintext over the network, so it is built as
that: only a signed-in operator decodes, only the domains their token names
(docs/rules.md#personal-data, need to know), only for the configured UI origins, and every
encode and decode, allowed or refused, leaves an audit row and a log line saying
who, where and how many payloads; never what they held.

Run with ``python -m infra.codec_server``; see ``main`` for the environment.
"""

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from google.protobuf.json_format import MessageToDict
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio.api.common.v1 import Payload, Payloads

from activities.db import CodecAuditRecord
from infra import codec_pages, tokens
from infra.codec import ENCODING, META_DOMAIN, CodecError, DomainRefused, EncryptionCodec
from infra.codec_http import MAX_BODY, Refusal, cors, error_response, origin_of, read_payloads
from infra.keys import DOMAINS
from infra.keystore import KeyStore, SubjectErased, UnknownDataKey
from infra.logs import get_logger
from workflows.ids import subject_of

COOKIE = "casework_codec"
DEFAULT_ORIGINS = ("http://localhost:8233", "http://127.0.0.1:8233")

LOGGER = "casework.codec_server"


@dataclass
class _Audit:
    action: str
    namespace: str
    workflow_id: str | None
    operator: str = "anonymous"
    payloads: int = 0
    domains: str = ""
    outcome: str = "ok"


_Apply = Callable[[web.Request, tokens.Operator, list[Payload], _Audit], Awaitable[list[Payload]]]


class CodecServer:
    def __init__(self, store: KeyStore, origins: tuple[str, ...], engine: Engine) -> None:
        self.store, self.origins, self.engine = store, frozenset(origins), engine

    # --- codec endpoints ------------------------------------------------------------

    async def encode(self, request: web.Request) -> web.Response:
        return await self._codec(request, "encode", self._encode)

    async def decode(self, request: web.Request) -> web.Response:
        return await self._codec(request, "decode", self._decode)

    async def _codec(
        self,
        request: web.Request,
        action: str,
        apply: _Apply,
    ) -> web.Response:
        workflow_id = request.headers.get("X-Casework-Workflow-Id") or request.headers.get(
            "X-Workflow-Id"
        )
        namespace = (
            request.match_info.get("namespace") or request.headers.get("X-Namespace") or "default"
        )
        audit = _Audit(action, namespace[:120], workflow_id[:200] if workflow_id else None)
        try:
            self._check_origin(request)
            operator = self._operator(request)
            audit.operator = operator.name
            payloads = await read_payloads(request)
            audit.payloads = len(payloads)
            out = await apply(request, operator, payloads, audit)
        except Refusal as refusal:
            audit.outcome = f"{refusal.status} {refusal.reason}"[:200]
            await self._audit(audit)
            return error_response(refusal.status, refusal.message)
        except Exception as error:  # the key store's database, say: refused, and on record
            get_logger(LOGGER).exception("codec_request_failed", error_type=type(error).__name__)
            audit.outcome = f"500 {type(error).__name__}"
            await self._audit(audit)
            return error_response(500, "the codec server could not answer; see its log")
        await self._audit(audit)  # before any plaintext leaves: no audit row, no answer
        return web.json_response(MessageToDict(Payloads(payloads=out)))

    async def _decode(
        self,
        _request: web.Request,
        operator: tokens.Operator,
        payloads: list[Payload],
        audit: _Audit,
    ) -> list[Payload]:
        labels = [_label(p) for p in payloads]
        audit.domains = ",".join(sorted(set(labels)))
        for i, label in enumerate(labels):
            if label not in ("plain", *operator.domains):
                raise Refusal(
                    403,
                    f"payloads[{i}] belongs to the {label} domain, which this token does not "
                    f"cover (token domains: {', '.join(sorted(operator.domains))})",
                    f"domain {label} not allowed",
                )
        codec = EncryptionCodec(self.store).restricted_to(operator.domains)
        try:
            return await codec.decode(payloads)
        except DomainRefused as error:
            raise Refusal(403, str(error), "domain not allowed") from None
        except SubjectErased as error:
            raise Refusal(410, str(error), _short(str(error))) from None
        except (CodecError, UnknownDataKey) as error:
            raise Refusal(422, str(error), _short(str(error))) from None

    async def _encode(
        self,
        request: web.Request,
        operator: tokens.Operator,
        payloads: list[Payload],
        audit: _Audit,
    ) -> list[Payload]:
        workflow_id = request.headers.get("X-Casework-Workflow-Id")
        if workflow_id:
            domain = subject_of(workflow_id).domain
            codec = EncryptionCodec(self.store).for_workflow(workflow_id)
        else:
            domain = _sealing_domain(request, operator)
            codec = EncryptionCodec(self.store).for_domain(domain)
        audit.domains = domain
        if domain not in operator.domains:
            raise Refusal(
                403,
                f"workflow {workflow_id} is in the {domain} domain, which this token does not "
                f"cover (token domains: {', '.join(sorted(operator.domains))})",
                f"domain {domain} not allowed",
            )
        return await codec.encode(payloads)

    # --- sign-in ----------------------------------------------------------------------

    async def login_form(self, request: web.Request) -> web.Response:
        return codec_pages.login_form(request.query.get("next", ""))

    async def login(self, request: web.Request) -> web.StreamResponse:
        audit = _Audit("login", "-", None)
        next_url = ""
        try:
            own = f"{request.scheme}://{request.host}"
            origin = request.headers.get("Origin")
            if origin and origin != own and origin not in self.origins:
                raise Refusal(403, f"origin {origin} is not allowed", "origin not allowed")
            form = await request.post()
            token = str(form.get("token", "")).strip()
            next_url = str(form.get("next", ""))
            if not token:
                raise Refusal(401, "paste a token to sign in", "no token")
            try:
                operator = tokens.verify(self.store.ring, token)
            except tokens.TokenError as error:
                raise Refusal(401, str(error), _short(str(error))) from None
        except Refusal as refusal:
            audit.outcome = f"{refusal.status} {refusal.reason}"
            await self._audit(audit)
            return codec_pages.login_form(next_url, error=refusal.message, status=refusal.status)
        audit.operator, audit.domains = operator.name, ",".join(sorted(operator.domains))
        await self._audit(audit)
        response: web.StreamResponse
        if next_url and origin_of(next_url) in self.origins:
            response = web.Response(status=303, headers={"Location": next_url})
        else:
            response = codec_pages.signed_in(operator)
        max_age = int((operator.expires - datetime.now(UTC)).total_seconds())
        response.set_cookie(
            COOKIE,
            token,
            max_age=max(max_age, 0),
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.secure,
        )
        return response

    async def logout(self, request: web.Request) -> web.Response:
        response = codec_pages.signed_out()
        response.del_cookie(COOKIE, path="/")
        return response

    async def health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    # --- rules ------------------------------------------------------------------------

    def _check_origin(self, request: web.Request) -> None:
        origin = request.headers.get("Origin")
        if origin is not None and origin not in self.origins:
            raise Refusal(403, f"origin {origin} is not allowed", "origin not allowed")

    def _operator(self, request: web.Request) -> tokens.Operator:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Refusal(401, "Authorization must be 'Bearer <token>'", "bad authorization")
            token = token.strip()
        else:
            token = request.cookies.get(COOKIE, "")
        if not token:
            raise Refusal(
                401,
                "sign in first: send 'Authorization: Bearer <token>' or sign in at /login",
                "no token",
            )
        try:
            return tokens.verify(self.store.ring, token)
        except tokens.TokenError as error:
            raise Refusal(401, str(error), _short(str(error))) from None

    async def _audit(self, audit: _Audit) -> None:
        get_logger(LOGGER).info(
            "codec_request",
            operator=audit.operator,
            action=audit.action,
            namespace=audit.namespace,
            workflow_id=audit.workflow_id,
            payloads=audit.payloads,
            domains=audit.domains,
            outcome=audit.outcome,
        )
        await asyncio.to_thread(self._write_audit, audit)

    def _write_audit(self, audit: _Audit) -> None:
        with Session(self.engine) as session:
            session.add(
                CodecAuditRecord(
                    at=datetime.now(UTC),
                    operator=audit.operator,
                    action=audit.action,
                    namespace=audit.namespace,
                    workflow_id=audit.workflow_id,
                    payloads=audit.payloads,
                    domains=audit.domains[:40],
                    outcome=audit.outcome[:200],
                )
            )
            session.commit()


def _sealing_domain(request: web.Request, operator: tokens.Operator) -> str:
    named = request.headers.get("X-Casework-Domain")
    if named:
        if named not in operator.domains:
            raise Refusal(
                403,
                f"X-Casework-Domain {named} is not one of this token's domains "
                f"({', '.join(sorted(operator.domains))})",
                "domain not allowed",
            )
        return named
    if len(operator.domains) != 1:
        raise Refusal(
            400,
            "this token covers several domains: name one in the X-Casework-Domain header "
            "or the workflow in X-Casework-Workflow-Id",
            "no domain named",
        )
    return next(iter(operator.domains))


def _label(payload: Payload) -> str:
    """The domain a payload says it belongs to, for the audit and an early refusal;
    the codec checks it against the key itself."""
    if payload.metadata.get("encoding") != ENCODING:
        return "plain"
    label = payload.metadata.get(META_DOMAIN, b"").decode(errors="replace")
    return label if label in DOMAINS else "unknown"


def _short(message: str) -> str:
    return message.split(";")[0][:120]


# --- the application ----------------------------------------------------------------------


def make_app(store: KeyStore, origins: tuple[str, ...], engine: Engine) -> web.Application:
    server = CodecServer(store, origins, engine)
    app = web.Application(middlewares=[cors(server.origins)], client_max_size=MAX_BODY)
    app.router.add_post("/encode", server.encode)
    app.router.add_post("/decode", server.decode)
    app.router.add_get("/login", server.login_form)
    app.router.add_post("/login", server.login)
    app.router.add_get("/logout", server.logout)
    app.router.add_get("/health", server.health)
    app.router.add_post("/{namespace}/encode", server.encode)
    app.router.add_post("/{namespace}/decode", server.decode)
    return app


def origins_from_env() -> tuple[str, ...]:
    raw = os.environ.get("CASEWORK_CODEC_UI_ORIGINS", ",".join(DEFAULT_ORIGINS))
    return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())


def main() -> None:
    """Serve until SIGTERM or SIGINT (aiohttp's run_app finishes open requests first).

    CASEWORK_CODEC_HOST (127.0.0.1), CASEWORK_CODEC_PORT (8234) and
    CASEWORK_CODEC_UI_ORIGINS (comma-separated, the dev server's UI by default);
    keys and database as for the worker (config.Settings)."""
    from activities.db import make_engine
    from infra.config import Settings
    from infra.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_format)
    store = settings.key_store()
    engine = make_engine(settings.database_url)
    host = os.environ.get("CASEWORK_CODEC_HOST", "127.0.0.1")
    port = int(os.environ.get("CASEWORK_CODEC_PORT", "8234"))
    origins = origins_from_env()
    app = make_app(store, origins, engine)

    async def _dispose(_app: web.Application) -> None:
        engine.dispose()

    app.on_cleanup.append(_dispose)
    log = get_logger(LOGGER)
    log.info("codec_server_started", host=host, port=port, origins=list(origins))
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=10)
    log.info("codec_server_stopped")


if __name__ == "__main__":
    main()
