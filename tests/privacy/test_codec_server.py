"""The codec server: only a signed-in operator decodes, only their domains, only for
the UI's origins, and every request leaves an audit row without any content."""

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from google.protobuf.json_format import MessageToDict, ParseDict
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.db import CodecAuditRecord
from infra import keys, tokens
from infra.codec import ENCODING, META_KEY_ID, EncryptionCodec
from infra.codec_server import COOKIE, make_app
from infra.keystore import KeyStore

UI = "http://localhost:8233"
SECRET = "Jo Bloggs of 7 Sample Lane"


@pytest.fixture
async def http(key_store: KeyStore, engine: Engine) -> AsyncIterator[TestClient[Any, Any]]:
    app = make_app(key_store, (UI, "http://127.0.0.1:8233"), engine)
    async with TestClient(TestServer(app)) as client:
        yield client


def _token(store: KeyStore, *domains: str, operator: str = "op.one", **kw: Any) -> str:
    return tokens.issue(store.ring, operator, list(domains), **kw)


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _plain(value: object = SECRET) -> list[Payload]:
    return pydantic_data_converter.payload_converter.to_payloads([value])


def _body(payloads: list[Payload]) -> dict[str, Any]:
    return MessageToDict(Payloads(payloads=payloads))


def _payloads(body: dict[str, Any]) -> list[Payload]:
    return list(ParseDict(body, Payloads()).payloads)


def _ns() -> str:
    return f"ns-{uuid.uuid4().hex[:8]}"


def _audit(engine: Engine, namespace: str) -> list[CodecAuditRecord]:
    with Session(engine) as s:
        return list(
            s.scalars(
                select(CodecAuditRecord)
                .where(CodecAuditRecord.namespace == namespace)
                .order_by(CodecAuditRecord.id)
            )
        )


async def _sealed(store: KeyStore, workflow_id: str, value: object = SECRET) -> list[Payload]:
    return await EncryptionCodec(store).for_workflow(workflow_id).encode(_plain(value))


# --- the contract -------------------------------------------------------------------------


async def test_a_uc_operator_round_trips_a_uc_subject_through_encode_and_decode(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    token = _token(key_store, "uc")
    workflow_id = f"uc-case-CS-{uuid.uuid4().hex[:8]}"
    encoded = await http.post(
        "/encode",
        json=_body(_plain()),
        headers=_bearer(token, **{"X-Casework-Workflow-Id": workflow_id}),
    )
    assert encoded.status == 200, await encoded.text()
    raw = await encoded.text()
    assert SECRET not in raw and base64.b64encode(SECRET.encode()).decode()[:12] not in raw
    [sealed] = _payloads(json.loads(raw))
    assert sealed.metadata["encoding"] == ENCODING
    subject_key = key_store.for_subject("uc", workflow_id.removeprefix("uc-case-"))
    assert sealed.metadata[META_KEY_ID].decode() == subject_key.key_id

    decoded = await http.post("/decode", json=json.loads(raw), headers=_bearer(token))
    assert decoded.status == 200, await decoded.text()
    assert _payloads(await decoded.json()) == _plain()


async def test_the_namespace_comes_from_the_path_then_the_header_then_default(
    http: TestClient[Any, Any], key_store: KeyStore, engine: Engine
) -> None:
    token = _token(key_store, "uc")
    ns = _ns()
    workflow_id = f"uc-case-NS-{uuid.uuid4().hex[:8]}"
    encoded = await http.post(
        f"/{ns}/encode",
        json=_body(_plain()),
        headers=_bearer(token, **{"X-Casework-Workflow-Id": workflow_id}),
    )
    assert encoded.status == 200
    decoded = await http.post(
        f"/{ns}/decode", json=await encoded.json(), headers=_bearer(token, **{"X-Namespace": "no"})
    )
    assert decoded.status == 200
    assert _payloads(await decoded.json()) == _plain()
    assert [(r.action, r.workflow_id) for r in _audit(engine, ns)] == [
        ("encode", workflow_id),
        ("decode", None),
    ]
    header_ns = _ns()
    answer = await http.post(
        "/decode", json=_body(_plain()), headers=_bearer(token, **{"X-Namespace": header_ns})
    )
    assert answer.status == 200
    assert len(_audit(engine, header_ns)) == 1


async def test_legacy_plaintext_payloads_pass_through_decode_unchanged(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    answer = await http.post(
        "/decode", json=_body(_plain({"a": 1})), headers=_bearer(_token(key_store, "ipr"))
    )
    assert answer.status == 200
    assert _payloads(await answer.json()) == _plain({"a": 1})


# --- who may decode -------------------------------------------------------------------------


def _expired(store: KeyStore) -> str:
    return _token(store, "uc", hours=1, now=datetime.now(UTC) - timedelta(hours=2))


def _foreign(_store: KeyStore) -> str:
    return tokens.issue(keys.generate(), "op.one", ["uc"])


@pytest.mark.parametrize(
    ("make_headers", "message"),
    [
        (lambda s: {}, "sign in first"),
        (lambda s: _bearer(_expired(s)), "token expired at"),
        (lambda s: _bearer(_foreign(s)), "token signature invalid"),
        (lambda s: _bearer("not-a-jwt"), "token is malformed"),
        (lambda s: {"Authorization": f"Basic {_token(s, 'uc')}"}, "Bearer"),
    ],
    ids=["missing", "expired", "other-secret", "garbage", "not-bearer"],
)
async def test_a_request_without_a_valid_token_is_refused_and_nothing_is_decoded(
    http: TestClient[Any, Any], key_store: KeyStore, engine: Engine, make_headers: Any, message: str
) -> None:
    ns = _ns()
    sealed = await _sealed(key_store, "uc-case-AUTH-1")
    answer = await http.post(
        "/decode", json=_body(sealed), headers={**make_headers(key_store), "X-Namespace": ns}
    )
    assert answer.status == 401
    body = await answer.json()
    assert message in body["message"] and "payloads" not in body
    assert SECRET not in await answer.text()
    [row] = _audit(engine, ns)
    assert row.operator == "anonymous" and row.outcome.startswith("401 ")


async def test_a_uc_token_cannot_decode_an_ipr_payload(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    ipr = await _sealed(key_store, "ipr-R-DOM-1")
    answer = await http.post("/decode", json=_body(ipr), headers=_bearer(_token(key_store, "uc")))
    assert answer.status == 403
    assert "ipr domain" in (await answer.json())["message"]
    assert SECRET not in await answer.text()
    # Relabelling the payload as UC does not help: the key itself is checked.
    relabelled = Payload(metadata={**ipr[0].metadata, "casework-domain": b"uc"}, data=ipr[0].data)
    answer = await http.post(
        "/decode", json=_body([relabelled]), headers=_bearer(_token(key_store, "uc"))
    )
    assert answer.status == 403
    assert "ipr domain" in (await answer.json())["message"]


async def test_an_erased_subject_answers_gone_saying_it_was_erased(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    ref = f"ERASE-{uuid.uuid4().hex[:8]}"
    sealed = await _sealed(key_store, f"uc-case-{ref}")
    key_store.destroy("uc", ref, datetime.now(UTC))
    answer = await http.post(
        "/decode", json=_body(sealed), headers=_bearer(_token(key_store, "uc"))
    )
    assert answer.status == 410
    assert (await answer.json())["message"].startswith("erased: data key dk-")


async def test_another_domain_is_not_even_told_that_a_subject_was_erased(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    ref = f"R-ERASE-{uuid.uuid4().hex[:8]}"
    sealed = await _sealed(key_store, f"ipr-{ref}")
    key_store.destroy("ipr", ref, datetime.now(UTC))
    answer = await http.post(
        "/decode", json=_body(sealed), headers=_bearer(_token(key_store, "uc"))
    )
    assert answer.status == 403
    assert "erased" not in (await answer.json())["message"]


async def test_a_tampered_ciphertext_or_an_unknown_key_is_unprocessable_naming_the_key(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    [sealed] = await _sealed(key_store, "uc-case-TAMPER-HTTP")
    key_id = sealed.metadata[META_KEY_ID].decode()
    flipped = Payload(
        metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    )
    token = _token(key_store, "uc")
    answer = await http.post("/decode", json=_body([flipped]), headers=_bearer(token))
    assert answer.status == 422
    assert f"{key_id} does not authenticate" in (await answer.json())["message"]
    unknown = Payload(
        metadata={"encoding": ENCODING, META_KEY_ID: b"dk-00000000", "casework-domain": b"uc"},
        data=b"0" * 40,
    )
    answer = await http.post("/decode", json=_body([unknown]), headers=_bearer(token))
    assert answer.status == 422
    assert "dk-00000000" in (await answer.json())["message"]


# --- what may be encoded ----------------------------------------------------------------------


async def test_encode_seals_with_the_token_domain_or_the_named_one(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    single = await http.post(
        "/encode", json=_body(_plain()), headers=_bearer(_token(key_store, "ipr"))
    )
    assert single.status == 200
    [sealed] = _payloads(await single.json())
    assert sealed.metadata[META_KEY_ID].decode() == key_store.ring.newest("ipr").key_id

    both = _token(key_store, "uc", "ipr")
    unnamed = await http.post("/encode", json=_body(_plain()), headers=_bearer(both))
    assert unnamed.status == 400
    assert "X-Casework-Domain" in (await unnamed.json())["message"]
    named = await http.post(
        "/encode", json=_body(_plain()), headers=_bearer(both, **{"X-Casework-Domain": "uc"})
    )
    assert named.status == 200
    [sealed] = _payloads(await named.json())
    assert sealed.metadata[META_KEY_ID].decode() == key_store.ring.newest("uc").key_id
    outside = await http.post(
        "/encode", json=_body(_plain()), headers=_bearer(both, **{"X-Casework-Domain": "ops"})
    )
    assert outside.status == 403


async def test_encode_for_a_workflow_outside_the_token_domains_is_forbidden(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    answer = await http.post(
        "/encode",
        json=_body(_plain()),
        headers=_bearer(_token(key_store, "uc"), **{"X-Casework-Workflow-Id": "ipr-R-ENC-1"}),
    )
    assert answer.status == 403
    assert "ipr domain" in (await answer.json())["message"]


# --- malformed requests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"this is not json", "not JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"payload": []}', "unknown field 'payload'"),
        (b'{"payloads": "x"}', "payloads: must be a list"),
        (b'{"payloads": [7]}', "payloads[0]: must be an object"),
        (b'{"payloads": [{"data": "!!not base64!!"}]}', "payloads[0].data: not base64"),
        (
            b'{"payloads": [{"metadata": {"encoding": "***"}, "data": ""}]}',
            "payloads[0].metadata.encoding: not base64",
        ),
    ],
)
async def test_a_malformed_body_is_a_bad_request_naming_the_field(
    http: TestClient[Any, Any], key_store: KeyStore, body: bytes, field: str
) -> None:
    answer = await http.post(
        "/decode",
        data=body,
        headers=_bearer(_token(key_store, "uc"), **{"Content-Type": "application/json"}),
    )
    assert answer.status == 400
    assert field in (await answer.json())["message"]


async def test_no_payloads_is_proto3_json_for_an_empty_list(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    """What the CLI sends for a query without arguments."""
    answer = await http.post("/decode", data=b"{}", headers=_bearer(_token(key_store, "uc")))
    assert answer.status == 200
    assert _payloads(await answer.json()) == []


async def test_a_body_over_the_limit_is_refused(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    answer = await http.post(
        "/decode",
        data=b"x" * (5 * 1024 * 1024),
        headers=_bearer(_token(key_store, "uc"), **{"Content-Type": "application/json"}),
    )
    assert answer.status == 413
    assert "over" in (await answer.json())["message"]


# --- CORS ---------------------------------------------------------------------------------------


async def test_a_preflight_from_the_ui_origin_is_allowed_with_credentials(
    http: TestClient[Any, Any],
) -> None:
    answer = await http.options(
        "/default/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace,authorization",
        },
    )
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == UI
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    allowed = answer.headers["Access-Control-Allow-Headers"]
    for header in ("content-type", "x-namespace", "authorization", "x-casework-workflow-id"):
        assert header in allowed


async def test_another_origin_gets_no_preflight_and_no_cors_headers(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    evil = "http://evil.example"
    answer = await http.options(
        "/decode", headers={"Origin": evil, "Access-Control-Request-Method": "POST"}
    )
    assert answer.status == 403
    assert "Access-Control-Allow-Origin" not in answer.headers
    sealed = await _sealed(key_store, "uc-case-CORS-1")
    posted = await http.post(
        "/decode", json=_body(sealed), headers=_bearer(_token(key_store, "uc"), Origin=evil)
    )
    assert posted.status == 403
    assert "Access-Control-Allow-Origin" not in posted.headers
    assert SECRET not in await posted.text()
    ours = await http.post(
        "/decode", json=_body(sealed), headers=_bearer(_token(key_store, "uc"), Origin=UI)
    )
    assert ours.status == 200
    assert ours.headers["Access-Control-Allow-Origin"] == UI


# --- signing in -----------------------------------------------------------------------------------


async def test_signing_in_sets_a_session_cookie_that_decodes(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    form = await http.get("/login")
    assert form.status == 200 and 'name="token"' in await form.text()
    token = _token(key_store, "uc", operator="caseworker.7")
    answer = await http.post("/login", data={"token": token})
    assert answer.status == 200
    page = await answer.text()
    assert "caseworker.7" in page and "uc" in page and token not in page
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={token};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 8 * 3600 - 60 < max_age <= 8 * 3600

    sealed = await _sealed(key_store, "uc-case-COOKIE-1")
    decoded = await http.post(
        "/decode", json=_body(sealed), headers={"Cookie": f"{COOKIE}={token}", "Origin": UI}
    )
    assert decoded.status == 200
    assert _payloads(await decoded.json()) == _plain()

    out = await http.get("/logout")
    assert out.status == 200
    assert f"{COOKIE}=" in out.headers["Set-Cookie"] and "Max-Age=0" in out.headers["Set-Cookie"]


async def test_signing_in_with_a_bad_token_shows_why_and_sets_no_cookie(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    answer = await http.post("/login", data={"token": _expired(key_store)})
    assert answer.status == 401
    assert "token expired at" in await answer.text()
    assert "Set-Cookie" not in answer.headers


async def test_sign_in_returns_to_the_ui_only_for_an_allowed_origin(
    http: TestClient[Any, Any], key_store: KeyStore
) -> None:
    token = _token(key_store, "uc")
    back = f"{UI}/namespaces/default/workflows"
    answer = await http.post("/login", data={"token": token, "next": back}, allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == back
    assert COOKIE in answer.headers["Set-Cookie"]
    elsewhere = await http.post(
        "/login", data={"token": token, "next": "http://evil.example/"}, allow_redirects=False
    )
    assert elsewhere.status == 200 and "Location" not in elsewhere.headers


# --- the audit trail ----------------------------------------------------------------------------


async def test_every_request_is_audited_with_who_where_and_how_many_but_no_content(
    http: TestClient[Any, Any], key_store: KeyStore, engine: Engine
) -> None:
    ns = _ns()
    token = _token(key_store, "uc", operator="auditor.1")
    sealed = await _sealed(key_store, "uc-case-AUDIT-1")
    sealed += await _sealed(key_store, "uc-case-AUDIT-1", {"name": SECRET})
    ipr = await _sealed(key_store, "ipr-R-AUDIT-1")
    with capture_logs() as logs:
        ok = await http.post(
            "/decode",
            json=_body(sealed),
            headers=_bearer(token, **{"X-Namespace": ns, "X-Workflow-Id": "uc-case-AUDIT-1"}),
        )
        refused = await http.post(
            "/decode", json=_body(ipr), headers=_bearer(token, **{"X-Namespace": ns})
        )
        anonymous = await http.post("/decode", json=_body(sealed), headers={"X-Namespace": ns})
    assert (ok.status, refused.status, anonymous.status) == (200, 403, 401)
    rows = _audit(engine, ns)
    assert [
        (r.operator, r.action, r.workflow_id, r.payloads, r.domains, r.outcome.split(" ")[0])
        for r in rows
    ] == [
        ("auditor.1", "decode", "uc-case-AUDIT-1", 2, "uc", "ok"),
        ("auditor.1", "decode", None, 1, "ipr", "403"),
        ("anonymous", "decode", None, 0, "", "401"),  # nothing read before sign-in
    ]
    lines = [line for line in logs if line.get("event") == "codec_request"]
    assert [(line["operator"], line["outcome"]) for line in lines] == [
        (r.operator, r.outcome) for r in rows
    ]
    everything = json.dumps([vars(r) for r in rows], default=str) + json.dumps(lines, default=str)
    assert SECRET not in everything and "Bloggs" not in everything


async def test_health_answers_without_a_token(http: TestClient[Any, Any]) -> None:
    answer = await http.get("/health")
    assert answer.status == 200 and (await answer.json())["status"] == "ok"
