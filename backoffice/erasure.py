"""Erasure by key destruction, and the retention rule that says when it is due.

Erasing a subject (a tenancy, or an IPR reference) destroys its data keys, so
every payload of its workflows stops decoding everywhere at once, and removes
the person's data from the read model, keeping the anonymous facts that reports
need: dates, stages, outcomes, amounts, service lines (docs/rules.md#personal-data;
docs/privacy.md).
It is refused while any workflow of the subject runs: end it first.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowExecutionStatus

from activities.db import (
    CaseEventRecord,
    CaseRecord,
    DataKeyRecord,
    ErasureRecord,
    IprRecord,
    JournalRecord,
)
from activities.files.names import Subject as FileSubject
from activities.files.store import FileStore
from domain.dates import add_months
from infra.file_store import open_file_store
from infra.keystore import KeyStore
from workflows.ids import Subject, subject_of, workflow_ids_pattern

ERASED = "[erased]"
# Keys of event data that hold a person's data or free text (anything a person
# wrote may name someone); dates, amounts, stages and outcomes stay for reports.
PERSONAL_KEYS = frozenset(
    {
        "resident",
        "tenancy",
        "full_name",
        "name",
        "date_of_birth",
        "date_of_death",
        "ni_number",
        "address",
        "phone",
        "email",
        "contact",
        "informant",
        "appointee",
        "representative",
        "bank",
        "account_name",
        "account_number",
        "sort_code",
        "notes",
        "note",
        "text",
        "summary",
        "reason",
        "description",
        "subject",
        "narrative",
        "details",
    }
)


class ErasureRefused(Exception):
    """Why a subject cannot be erased now; the message says what to do."""


@dataclass(frozen=True)
class Erasure:
    domain: str
    subject: str
    keys_destroyed: int
    rows_scrubbed: int
    files_removed: int
    at: datetime


@dataclass(frozen=True)
class Due:
    domain: str
    subject: str
    closed_on: date
    due_on: date


async def running_workflows(client: Client, subject: Subject) -> list[str]:
    """Workflow ids of the subject that still run (visibility, then filtered
    exactly: a prefix alone would also find a longer reference)."""
    running = []
    for prefix in workflow_ids_pattern(subject):
        query = f"WorkflowId STARTS_WITH {_quoted(prefix)} AND ExecutionStatus = 'Running'"
        async for execution in client.list_workflows(query):
            if (
                subject_of(execution.id) == subject
                and execution.status == WorkflowExecutionStatus.RUNNING
            ):
                running.append(execution.id)
    return running


async def erase(
    client: Client,
    engine: Engine,
    store: KeyStore,
    subject: Subject,
    *,
    by: str,
    reason: str,
    files: Path | None = None,
    now: datetime | None = None,
    file_store: FileStore | None = None,
) -> Erasure:
    if subject.ref is None or subject.domain not in ("uc", "ipr"):
        raise ErasureRefused("erase takes a tenancy reference (case) or an IPR reference (ipr)")
    running = await running_workflows(client, subject)
    if running:
        command = (
            "terminate"
            if subject.domain == "ipr"
            else "close the case and let it complete, or terminate"
        )
        raise ErasureRefused(
            f"refused: {', '.join(sorted(running))} still running; {command} "
            f"(`temporal workflow terminate -w {sorted(running)[0]} --reason ...`) and erase again"
        )
    return erase_stored(
        engine,
        store,
        subject,
        by=by,
        reason=reason,
        files=files,
        now=now,
        file_store=file_store,
    )


def erase_stored(
    engine: Engine,
    store: KeyStore,
    subject: Subject,
    *,
    by: str,
    reason: str,
    files: Path | None = None,
    now: datetime | None = None,
    file_store: FileStore | None = None,
) -> Erasure:
    """The part that needs no Temporal: keys, read model, files, audit row. Files are
    the subject's entries and blobs in the shared file store (`file_store`, else the
    one configured over `engine`: infra/file_store.py) and, under `files`, folders
    written on a worker's disk before the store existed."""
    assert subject.ref is not None
    now = now or datetime.now(UTC)
    _check_held(engine, subject)
    destroyed = store.destroy(subject.domain, subject.ref, now)
    with Session(engine) as session, session.begin():
        scrubbed = _scrub_case(session, subject.ref) if subject.domain == "uc" else 0
        session.add(
            ErasureRecord(
                domain=subject.domain,
                subject=subject.ref,
                at=now,
                by=by,
                reason=reason,
                keys_destroyed=destroyed,
                rows_scrubbed=scrubbed,
            )
        )
    shared = file_store or open_file_store(engine, store)
    removed = shared.erase_subject(FileSubject(subject.domain, subject.ref))
    removed += _remove_files(files, subject) if files else 0
    return Erasure(subject.domain, subject.ref, destroyed, scrubbed, removed, now)


@dataclass(frozen=True)
class Refusal:
    due: Due
    why: str


@dataclass(frozen=True)
class Sweep:
    """What a retention sweep found due, erased and could not erase (with why)."""

    due: list[Due]
    erased: list[Erasure]
    refused: list[Refusal]


async def sweep(
    client: Client,
    engine: Engine,
    store: KeyStore,
    today: date,
    retention_years: int,
    *,
    files: Path | None = None,
) -> Sweep:
    """Erase every subject retention makes due on `today` (`erase --due --apply`, and
    the `retention-sweep` schedule). A subject that cannot be erased now (a workflow of
    it still runs) is refused and left for a later sweep; the others go ahead. Run
    again, it finds only what is still due: what it erased is no longer held."""
    due = due_for_erasure(engine, today, retention_years)
    erased, refused = [], []
    for item in due:
        try:
            erased.append(
                await erase(
                    client,
                    engine,
                    store,
                    Subject(item.domain, item.subject),
                    by="retention-sweep",
                    reason=f"retention: closed {item.closed_on}, kept {retention_years} years",
                    files=files,
                )
            )
        except ErasureRefused as error:
            refused.append(Refusal(item, str(error)))
    return Sweep(due, erased, refused)


def _check_held(engine: Engine, subject: Subject) -> None:
    """Refuse an erasure that would erase nothing: a mistyped reference, or one
    already erased (an audit row should mean something was done)."""
    with Session(engine) as session:
        held = list(
            session.scalars(
                select(DataKeyRecord).where(
                    DataKeyRecord.domain == subject.domain, DataKeyRecord.subject == subject.ref
                )
            )
        )
        live_rows = 0
        if subject.domain == "uc":
            live_rows = (
                session.scalar(
                    select(func.count())
                    .select_from(CaseRecord)
                    .where(
                        CaseRecord.tenancy_ref == subject.ref, CaseRecord.resident_name != ERASED
                    )
                )
                or 0
            )
    if any(k.wrapped is not None for k in held) or live_rows:
        return
    kind = "case" if subject.domain == "uc" else "IPR"
    erased = [k.erased_at for k in held if k.erased_at is not None]
    if erased:
        raise ErasureRefused(f"{kind} {subject.ref} was already erased on {max(erased).date()}")
    raise ErasureRefused(f"nothing is held for {kind} {subject.ref}: check the reference")


def _scrub_case(session: Session, tenancy_ref: str) -> int:
    case_ids = list(
        session.scalars(select(CaseRecord.case_id).where(CaseRecord.tenancy_ref == tenancy_ref))
    )
    if not case_ids:
        return 0
    rows = session.execute(
        update(CaseRecord)
        .where(CaseRecord.case_id.in_(case_ids))
        .values(resident_name=ERASED, address=ERASED)
    ).rowcount  # type: ignore[attr-defined]
    rows += session.execute(
        update(JournalRecord).where(JournalRecord.case_id.in_(case_ids)).values(text=ERASED)
    ).rowcount  # type: ignore[attr-defined]
    for event in session.scalars(
        select(CaseEventRecord).where(CaseEventRecord.case_id.in_(case_ids))
    ):
        scrubbed = scrub(event.data)
        if scrubbed != event.data:
            event.data = scrubbed
            rows += 1
    return int(rows)


def scrub(value: Any) -> Any:
    """Event data without the person: personal and free-text keys say [erased]."""
    if isinstance(value, dict):
        return {k: (_erased(v) if k in PERSONAL_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _erased(value: Any) -> Any:
    return None if value is None else ERASED


def _remove_files(root: Path, subject: Subject) -> int:
    """Generated forms, outbox submissions and letters of the subject's workflows.
    Folder names start with the workflow id (activities/forms.py, outbox.py, ipr.py)."""
    removed = 0
    for folder in _subject_folders(root, subject):
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
                removed += 1
            else:
                path.rmdir()
        folder.rmdir()
    return removed


def _subject_folders(root: Path, subject: Subject) -> Iterable[Path]:
    if not root.exists():
        return []
    found = []
    for kind in root.iterdir():
        if not kind.is_dir():
            continue
        for folder in kind.iterdir():
            if folder.is_dir() and _folder_subject(folder.name) == subject:
                found.append(folder)
    return found


def _folder_subject(name: str) -> Subject:
    """The subject of a case or IPR folder ("<workflow id>_<run id>-<hash>") or an
    outbox submission folder ("<arrangement id>-<n>"; a per-case arrangement id
    "uc-apa-<ref>/<scope>-<m>" makes "uc-apa-<ref>_<scope>-<m>-<n>-<hash>")."""
    workflow_id = name.split("_", 1)[0]
    if workflow_id.startswith("uc-apa-") and "_" in name:
        # The "/" before the case's scope became "_": the ref is all before it.
        return Subject("uc", workflow_id.removeprefix("uc-apa-"))
    candidate = subject_of(workflow_id)
    if candidate.domain == "uc" and workflow_id.startswith("uc-apa-"):
        # "<arrangement id>-<n>": drop the submission number first.
        candidate = subject_of(workflow_id.rsplit("-", 1)[0])
    return candidate


def due_for_erasure(engine: Engine, today: date, retention_years: int) -> list[Due]:
    """Subjects whose every record closed more than ``retention_years`` ago and whose
    personal data is still held (docs/rules.md#personal-data: six years after closure by
    default)."""
    cutoff = add_months(today, -12 * retention_years)
    due: list[Due] = []
    with Session(engine) as session:
        cases = session.execute(
            select(
                CaseRecord.tenancy_ref,
                func.max(CaseRecord.closed_at),
                func.count(CaseRecord.case_id) - func.count(CaseRecord.closed_at),
            )
            .where(CaseRecord.resident_name != ERASED)
            .group_by(CaseRecord.tenancy_ref)
        ).all()
        for ref, closed_at, still_open in cases:
            if still_open == 0 and closed_at is not None and closed_at.date() <= cutoff:
                closed = closed_at.date()
                due.append(Due("uc", ref, closed, add_months(closed, 12 * retention_years)))
        live_ipr = set(
            session.scalars(
                select(DataKeyRecord.subject).where(
                    DataKeyRecord.domain == "ipr", DataKeyRecord.wrapped.is_not(None)
                )
            )
        )
        for ipr_id, closed_on in session.execute(select(IprRecord.ipr_id, IprRecord.closed_on)):
            ipr_ref = subject_of(ipr_id.split("/", 1)[0]).ref
            if (
                ipr_ref is not None
                and ipr_ref in live_ipr
                and closed_on is not None
                and closed_on <= cutoff
            ):
                live_ipr.discard(ipr_ref)  # once per reference
                due.append(
                    Due("ipr", ipr_ref, closed_on, add_months(closed_on, 12 * retention_years))
                )
    return sorted(due, key=lambda d: (d.due_on, d.domain, d.subject))


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
