"""Erasure by key destruction: refused while the case runs; afterwards its history
decodes nowhere, the read model keeps only anonymous facts, reports are unchanged,
and the audit says who, when and why. Retention says when it is due."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.db import CaseEventRecord, CaseRecord, ErasureRecord, JournalRecord
from backoffice.erasure import (
    ErasureRefused,
    due_for_erasure,
    erase,
    erase_stored,
    scrub,
)
from domain.case import commands as c
from infra.codec import EncryptionCodec
from infra.keystore import KeyStore, SubjectErased
from publication import build_publication, to_markdown
from tests.factories import opening
from tests.helpers import eventually
from tests.integration.ipr_data import fresh_engine, project
from tests.integration.test_ipr_publication import PLANS
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
