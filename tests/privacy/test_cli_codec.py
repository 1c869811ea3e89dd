"""The real `temporal` CLI reads a case on the real dev server only through the
codec server, and only with a token for the case's domain."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from activities.db import CodecAuditRecord
from backoffice.cases import open_case
from infra import tokens
from infra.keystore import KeyStore
from tests.codec_server import codec_server, readable, temporal_cli, unique_ref
from tests.factories import opening
from tests.helpers import settled_history_length
from worker import build_worker

NAME = "Morgan Testperson"
# A refused decode makes `workflow show` retry until the command's deadline.
REFUSED_DEADLINE = ("--command-timeout", "5s")


@pytest.fixture(scope="module")
async def case_and_codec(
    dev_env: WorkflowEnvironment,
    engine: Engine,
    key_store: KeyStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[str, str]]:
    """A UC case on the dev server and a codec server; yields (workflow id, endpoint)."""
    task_queue = f"cli-codec-{uuid.uuid4()}"
    files: Path = tmp_path_factory.mktemp("cli-codec-files")
    async with build_worker(dev_env.client, task_queue, engine, files=files):
        handle = (await open_case(dev_env.client, task_queue, opening(unique_ref("CLI")))).handle
        await settled_history_length(handle)
        async with codec_server(key_store, engine) as endpoint:
            yield handle.id, endpoint


def _show(workflow_id: str, *extra: str) -> tuple[str, ...]:
    return ("workflow", "show", "-w", workflow_id, "-o", "json", *extra)


def _query(workflow_id: str) -> tuple[str, ...]:
    return ("workflow", "query", "-w", workflow_id, "--type", "case_view", "-o", "json")


async def test_a_uc_operator_reads_the_case_history_through_the_codec_server(
    dev_env: WorkflowEnvironment,
    case_and_codec: tuple[str, str],
    key_store: KeyStore,
    engine: Engine,
) -> None:
    workflow_id, endpoint = case_and_codec
    operator = f"cli.{uuid.uuid4().hex[:6]}"
    token = tokens.issue(key_store.ring, operator, ["uc"])
    code, out, err = await temporal_cli(
        dev_env, *_show(workflow_id), codec=endpoint, auth=f"Bearer {token}"
    )
    assert code == 0, err
    assert NAME in readable(out)
    assert "binary/encrypted" not in readable(out)
    with Session(engine) as s:
        rows = s.scalars(
            select(CodecAuditRecord).where(CodecAuditRecord.operator == operator)
        ).all()
    assert rows and {(r.action, r.outcome) for r in rows} == {("decode", "ok")}
    assert all(NAME not in f"{r.domains}{r.outcome}{r.workflow_id}" for r in rows)


async def test_without_codec_auth_the_cli_shows_no_plaintext_and_reports_the_refusal(
    dev_env: WorkflowEnvironment, case_and_codec: tuple[str, str]
) -> None:
    workflow_id, endpoint = case_and_codec
    code, out, err = await temporal_cli(
        dev_env, *_show(workflow_id, *REFUSED_DEADLINE), codec=endpoint
    )
    assert code != 0
    assert NAME not in readable(out) and NAME not in err
    code, out, err = await temporal_cli(dev_env, *_query(workflow_id), codec=endpoint)
    assert code != 0 and NAME not in readable(out)
    assert "Unauthorized" in err and "sign in first" in err
    # Without the codec server at all, the history is ciphertext.
    code, out, err = await temporal_cli(dev_env, *_show(workflow_id))
    assert code == 0, err
    assert "YmluYXJ5L2VuY3J5cHRlZA==" in out  # base64 of binary/encrypted
    assert NAME not in readable(out)


async def test_an_ipr_operator_cannot_read_a_uc_case_through_the_cli(
    dev_env: WorkflowEnvironment, case_and_codec: tuple[str, str], key_store: KeyStore
) -> None:
    workflow_id, endpoint = case_and_codec
    auth = f"Bearer {tokens.issue(key_store.ring, 'ipr.reviewer', ['ipr'])}"
    code, out, err = await temporal_cli(
        dev_env, *_show(workflow_id, *REFUSED_DEADLINE), codec=endpoint, auth=auth
    )
    assert code != 0
    assert NAME not in readable(out) and NAME not in err
    code, out, err = await temporal_cli(dev_env, *_query(workflow_id), codec=endpoint, auth=auth)
    assert code != 0 and NAME not in readable(out)
    assert "Forbidden" in err and "uc domain" in err
