"""Erasure by key destruction: refused while the case runs; afterwards its history
decodes nowhere, the read model keeps only anonymous facts, reports are unchanged,
and the audit says who, when and why. Retention says when it is due."""

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.db import (
    CaseEventRecord,
    CaseRecord,
    ErasureRecord,
    FileEntryRecord,
    JournalRecord,
)
from activities.files.blobs import Blobs, DatabaseBlobs
from activities.files.names import Subject as FileSubject
from activities.files.s3 import S3Blobs, subject_token
from activities.files.store import FileStore
from activities.forms import FormNotStored, FormStore, structured
from activities.outbox import FileOutbox
from backoffice.erasure import (
    ErasureRefused,
    due_for_erasure,
    erase,
    erase_stored,
    scrub,
)
from backoffice.publication import build_publication, to_markdown
from domain.case import commands as c
from infra.codec import EncryptionCodec
from infra.keystore import KeyStore, SubjectErased
from tests import s3
from tests.factories import opening
from tests.helpers import eventually
from tests.integration.ipr_data import fresh_engine, project
from tests.integration.test_ipr_publication import PLANS
from tests.integration.test_outbox import LANDLORD
from tests.integration.test_outbox import REQUEST as FORM
from workflows.ids import Subject
from workflows.uc_case import UCCase, case_workflow_id


async def _closed_case(env: WorkflowEnvironment, task_queue: str) -> tuple[str, WorkflowHandle]:
    ref = f"ERA-{uuid.uuid4().hex[:8]}"
    handle = await env.client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
    )
    await handle.execute_update(
        "add_journal_note",
        c.AddJournalNote(by="o", kind="note", text="Morgan Testperson rang about arrears"),
    )
    await handle.execute_update(
        "close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing")
    )
    return ref, handle


def _facts(engine: Engine, ref: str) -> list[tuple[object, ...]]:
    """What a report reads of a case: dates, stage, status, amounts, outcome."""
    with Session(engine) as s:
        return [
            (r.opened_at, r.closed_at, r.stage, r.status, r.balance, r.monthly_rent, r.outcome)
            for r in s.scalars(select(CaseRecord).where(CaseRecord.tenancy_ref == ref))
        ]


async def test_a_running_case_cannot_be_erased(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine, key_store: KeyStore
) -> None:
    ref, handle = await _closed_case(dev_env, dev_worker)  # closed, but watched: running
    await eventually(
        lambda: _listed(dev_env, handle.id), bool
    )  # visibility is eventually consistent
    with pytest.raises(ErasureRefused, match=f"uc-case-{ref} still running.*terminate"):
        await erase(dev_env.client, engine, key_store, Subject("uc", ref), by="dpo", reason="r")
    with Session(engine) as s:
        assert s.scalars(select(ErasureRecord).where(ErasureRecord.subject == ref)).first() is None
    view = await handle.query("case_view")
    assert view["resident"]["full_name"] == "Morgan Testperson"  # nothing changed


async def _listed(env: WorkflowEnvironment, workflow_id: str) -> bool:
    found = [w async for w in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    return bool(found)


async def test_an_erased_case_decodes_nowhere_and_reports_are_unchanged(
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    engine: Engine,
    key_store: KeyStore,
    tmp_path: Path,
) -> None:
    ref, handle = await _closed_case(dev_env, dev_worker)
    await eventually(lambda: _async(_facts(engine, ref)), lambda f: bool(f) and f[0][1] is not None)
    # Closed and watched: it has to be ended before erasure (here, as an operator would).
    await handle.terminate(reason="erasure requested")
    await eventually(lambda: _status(dev_env, handle.id), lambda s: s == "TERMINATED")
    before = _facts(engine, ref)
    history = await handle.fetch_history()  # raw: decoding happens below
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert (await EncryptionCodec(key_store).decode(started))[0].data  # decodes before

    result = await erase(
        dev_env.client,
        engine,
        key_store,
        Subject("uc", ref),
        by="dpo-1",
        reason="subject access: erasure request 42",
        files=tmp_path,
    )
    assert result.keys_destroyed == 1 and result.rows_scrubbed >= 3

    # The history no longer decodes: here, in a fresh process's store, and in the client.
    with pytest.raises(SubjectErased, match="erased: data key dk-"):
        await EncryptionCodec(KeyStore(engine, key_store.ring)).decode(started)
    with pytest.raises(Exception, match="erased"):
        await handle.query("case_view")
    # The read model keeps the anonymous facts and nothing of the person.
    assert _facts(engine, ref) == before
    with Session(engine) as s:
        case = s.scalars(select(CaseRecord).where(CaseRecord.tenancy_ref == ref)).one()
        assert (case.resident_name, case.address) == ("[erased]", "[erased]")
        texts = list(
            s.scalars(select(JournalRecord.text).where(JournalRecord.case_id == case.case_id))
        )
        assert texts and set(texts) == {"[erased]"}
        data = " ".join(
            str(d)
            for d in s.scalars(
                select(CaseEventRecord.data).where(CaseEventRecord.case_id == case.case_id)
            )
        )
        for personal in ("Morgan", "AB123456C", "Example Road", "1980-04-02", "rang about"):
            assert personal not in data
        assert "stable_arrears_clearing" in data and "250" in data  # facts kept
        audit = s.scalars(select(ErasureRecord).where(ErasureRecord.subject == ref)).one()
        assert (audit.domain, audit.by, audit.keys_destroyed) == ("uc", "dpo-1", 1)
        assert audit.reason == "subject access: erasure request 42"


async def _async(value: object) -> object:
    return value


async def _status(env: WorkflowEnvironment, workflow_id: str) -> str:
    found = [w async for w in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    return found[0].status.name if found and found[0].status else ""


def test_erasing_an_ipr_leaves_the_publication_unchanged(
    tmp_path: Path, key_store: KeyStore
) -> None:
    engine = fresh_engine(tmp_path)
    project(engine, tmp_path / "files", PLANS)
    store = KeyStore(engine, key_store.ring)
    plan = PLANS[0]
    store.for_subject("ipr", plan.ref)  # the review's data key
    before = {y: to_markdown(build_publication(engine, y)) for y in ("2021-22", "2022-23")}
    result = erase_stored(engine, store, Subject("ipr", plan.ref), by="dpo", reason="request")
    assert result.keys_destroyed == 1
    assert {y: to_markdown(build_publication(engine, y)) for y in before} == before
    with pytest.raises(SubjectErased):
        store.by_id(_key_id(engine, plan.ref))


def _key_id(engine: Engine, subject: str) -> str:
    from activities.db import DataKeyRecord

    with Session(engine) as s:
        return s.scalars(select(DataKeyRecord.key_id).where(DataKeyRecord.subject == subject)).one()


def test_scrub_keeps_facts_and_drops_the_person() -> None:
    event = {
        "at": "2026-01-01T00:00:00Z",
        "resident": {"full_name": "Jo Bloggs", "ni_number": "AB123456C"},
        "tenancy": {"address": "1 High Street"},
        "amount": "12.50",
        "outcome": "granted",
        "note": "Jo said she was struggling",
        "tasks": [{"note": "ring Jo", "due_at": "2026-02-01"}],
    }
    assert scrub(event) == {
        "at": "2026-01-01T00:00:00Z",
        "resident": "[erased]",
        "tenancy": "[erased]",
        "amount": "12.50",
        "outcome": "granted",
        "note": "[erased]",
        "tasks": [{"note": "[erased]", "due_at": "2026-02-01"}],
    }


def test_retention_lists_closed_subjects_past_six_years(tmp_path: Path) -> None:
    engine = fresh_engine(tmp_path)
    now = datetime(2026, 12, 2, tzinfo=UTC)

    def case(ref: str, n: int, closed: datetime | None) -> CaseRecord:
        return CaseRecord(
            case_id=f"uc-case-{ref}/run-{n}",
            workflow_id=f"uc-case-{ref}",
            tenancy_ref=ref,
            resident_name="X",
            address="Y",
            opening_reason="arrears_trigger",
            stage="closed",
            status="completed" if closed else "open",
            arrears_band="none",
            vulnerability_tier="none",
            balance=Decimal(0),
            monthly_rent=Decimal(400),
            escalated=False,
            next_action_due=None,
            opened_at=now - timedelta(days=4000),
            closed_at=closed,
            outcome="stable_arrears_clearing" if closed else None,
            version=1,
        )

    with Session(engine) as s, s.begin():
        s.add(case("OLD", 1, now - timedelta(days=365 * 6 + 10)))
        s.add(case("RECENT", 1, now - timedelta(days=365 * 5)))
        s.add(case("MIXED", 1, now - timedelta(days=365 * 8)))
        s.add(case("MIXED", 2, None))  # a later case still open
    due = due_for_erasure(engine, now.date(), 6)
    assert [(d.domain, d.subject) for d in due] == [("uc", "OLD")]
    assert due[0].due_on <= date(2026, 12, 2)
    assert due_for_erasure(engine, now.date(), 10) == []


def test_an_erasure_that_would_erase_nothing_is_refused(
    tmp_path: Path, key_store: KeyStore
) -> None:
    engine = fresh_engine(tmp_path)
    store = KeyStore(engine, key_store.ring)
    with pytest.raises(ErasureRefused, match="nothing is held for case NOPE-1"):
        erase_stored(engine, store, Subject("uc", "NOPE-1"), by="dpo", reason="r")
    store.for_subject("ipr", "IPR-X")
    erase_stored(engine, store, Subject("ipr", "IPR-X"), by="dpo", reason="r")
    with pytest.raises(ErasureRefused, match="IPR IPR-X was already erased on 20"):
        erase_stored(engine, store, Subject("ipr", "IPR-X"), by="dpo", reason="again")
    with Session(engine) as s:
        assert [r.reason for r in s.scalars(select(ErasureRecord))] == ["r"]


def test_the_erase_command_refuses_bad_input_before_anything(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import shared_env

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "starter.py", "erase", *args],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "", "TEMPORAL_ADDRESS": "127.0.0.1:1", **shared_env()},
        )

    done = run("case", "HA-1", "--by", "dpo")
    assert done.returncode == 2 and "--reason" in done.stderr
    done = run("case", "HA-1", "--reason", "asked")
    assert done.returncode == 2 and "--by" in done.stderr
    done = run("HA-1")
    assert done.returncode == 2
    done = run("--due", "--json")
    assert done.returncode == 0, done.stderr
    assert isinstance(__import__("json").loads(done.stdout), list)


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with s3.moto_server() as endpoint:
        yield endpoint


@pytest.mark.parametrize("backend", ["database", "s3"])
def test_erasing_a_case_removes_its_forms_and_submissions_from_the_store_and_the_disk(
    tmp_path: Path,
    key_store: KeyStore,
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = fresh_engine(tmp_path)
    keys = KeyStore(engine, key_store.ring)
    blobs: Blobs = DatabaseBlobs(engine)
    if backend == "s3":
        endpoint = request.getfixturevalue("moto")
        for name, value in s3.CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        bucket = s3.new_bucket(endpoint)
        blobs = S3Blobs(bucket, endpoint_url=endpoint)
    files = FileStore(engine, keys, blobs)
    ref, other = f"ERA-{uuid.uuid4().hex[:6]}", f"KEEP-{uuid.uuid4().hex[:6]}"
    mine = replace(FORM, case_id=f"uc-case-{ref}/run-1")
    stored = FormStore(files).save(mine, LANDLORD)
    FileOutbox(files, clock=lambda: datetime(2026, 2, 2, tzinfo=UTC)).submit(
        f"uc-apa-{ref}/run-1-1-1", stored, structured(mine, LANDLORD)
    )
    kept = FormStore(files).save(replace(FORM, case_id=f"uc-case-{other}/run-1"), LANDLORD)
    # A folder a worker wrote on its disk before the shared store: removed too.
    legacy = tmp_path / "data" / "forms" / f"uc-case-{ref}_run-1-0a1b2c3d"
    legacy.mkdir(parents=True)
    (legacy / "UC47-0000000000000000.pdf").write_bytes(b"%PDF- old")

    result = erase_stored(
        engine,
        keys,
        Subject("uc", ref),
        by="dpo",
        reason="request",
        files=tmp_path / "data",
        file_store=files,
    )
    assert result.files_removed == 2 + 3 + 1  # the form's PDF and JSON, the submission, disk
    assert not legacy.exists()
    with Session(engine) as s:
        subjects = set(s.scalars(select(FileEntryRecord.subject)))
    assert subjects == {other}
    assert files.entries(f"uc-apa-{ref}/run-1-1-1") == []
    assert FormStore(files).read(kept.sha256).content  # another tenancy's form stays
    with pytest.raises(FormNotStored):
        FormStore(files).read(stored.sha256)
    if backend == "s3":
        held = s3.objects(request.getfixturevalue("moto"), bucket)
        assert len(held) == 2  # the other tenancy's PDF and JSON
        assert all(subject_token(FileSubject("uc", other)) in key for key in held)
