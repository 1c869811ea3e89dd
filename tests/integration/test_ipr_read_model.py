"""The IPR read model and the feedback letter, on a real SQLite file (and PostgreSQL
when TEST_DATABASE_URL names one). Retries and replays never duplicate or regress."""

import io
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pypdf import PdfReader
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from temporalio.testing import ActivityEnvironment

from activities.db import (
    Base,
    FileEntryRecord,
    IprAcsslShareRecord,
    IprActivityRecord,
    IprNarrativeRecord,
    IprRecord,
)
from activities.ipr import IprActivities
from activities.ipr_records import FeedbackRequest, ipr_projection
from domain.ipr.criteria import ScreeningFacts, screen
from tests.file_store import store_for, stored_bytes
from tests.integration.ipr_data import Plan, build

IPR_TABLES = {"iprs", "ipr_narratives", "ipr_activities", "ipr_acssl_shares"}


def _rows(engine: Engine, ipr_id: str) -> dict[str, Any]:
    """Everything the read model holds for one IPR, as plain values."""
    with Session(engine) as s:
        ipr = s.get(IprRecord, ipr_id)
        assert ipr is not None
        narratives = s.scalars(
            select(IprNarrativeRecord)
            .where(IprNarrativeRecord.ipr_id == ipr_id)
            .order_by(IprNarrativeRecord.kind, IprNarrativeRecord.seq)
        ).all()
        activities = s.scalars(
            select(IprActivityRecord)
            .where(IprActivityRecord.ipr_id == ipr_id)
            .order_by(IprActivityRecord.activity_id)
        ).all()
        return {
            "version": ipr.version,
            "stage": ipr.stage,
            "reporting_year": ipr.reporting_year,
            "service_lines": ipr.service_lines,
            "activities_total": ipr.activities_total,
            "narratives": [(n.kind, n.seq, n.service_line, n.text) for n in narratives],
            "activities": [
                (a.activity_id, a.service_line, a.status, a.due_on, a.assured_on)
                for a in activities
            ],
        }


def test_the_models_match_the_migration(db: Engine) -> None:
    with db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    # Each diff is a tuple (or a list of tuples for column changes) naming its table.
    ours = [d for d in diffs if IPR_TABLES & set(map(str, _flatten(d)))]
    assert ours == []


def _flatten(diff: Any) -> list[Any]:
    if isinstance(diff, list):
        return [x for item in diff for x in _flatten(item)]
    if isinstance(diff, tuple):
        # Tables by name; columns, indexes and constraints by their table's name.
        return [getattr(getattr(x, "table", x), "name", x) for x in diff]
    return [diff]


def test_projecting_an_ipr_twice_or_out_of_order_leaves_the_newest_rows(db: Engine) -> None:
    plan = Plan(
        n=1,
        lines=("UC", "PIP"),
        end="closed",
        on=date(2022, 3, 31),
        learning=("UC", "PIP"),
        activities=("UC", "PIP", "UC"),
        outcomes=("UC",),
    )
    plan_open = Plan(**{**plan.__dict__, "end": "open", "open_at": "agreed_activities"})
    ipr_id = f"ipr-T-001/{uuid.uuid4()}"
    older = ipr_projection(ipr_id, build(plan_open))
    newer = ipr_projection(ipr_id, build(plan))
    assert older.row.version < newer.row.version
    project = IprActivities(db, store_for(db)).project_ipr
    env = ActivityEnvironment()

    # Narratives (2 learning, 3 activities) and 3 activity rows.
    assert env.run(project, older) == 5 + 3
    first = _rows(db, ipr_id)
    assert first["stage"] == "agreed_activities" and first["reporting_year"] is None
    assert [a[2] for a in first["activities"]] == ["open", "open", "open"]

    assert env.run(project, newer) == 6 + 3  # and now an outcome
    newest = _rows(db, ipr_id)
    for projection in (newer, older, newer, older):  # retries and replays out of order
        env.run(project, projection)
        assert _rows(db, ipr_id) == newest
    assert env.run(project, older) == 0  # an older version changes nothing
    assert newest["version"] == newer.row.version
    assert newest["stage"] == "closed" and newest["reporting_year"] == "2021-22"
    assert newest["service_lines"] == ["UC", "PIP"]
    assert newest["activities_total"] == 3
    assert newest["narratives"] == [
        ("activity", 1, "UC", "Activity 1 of review 1: UC to assure the IPRG"),
        ("activity", 2, "PIP", "Activity 2 of review 1: PIP to assure the IPRG"),
        ("activity", 3, "UC", "Activity 3 of review 1: UC to assure the IPRG"),
        ("learning", 1, "UC", "Learning 1 of review 1 for UC"),
        ("learning", 2, "PIP", "Learning 2 of review 1 for PIP"),
        ("outcome", 1, "UC", "Outcome 1 of review 1 for UC"),
    ]
    # Referred 60 days before closing (30 January), agreed on 14 February with each
    # activity due 30 days later, all assured on 19 February.
    assert newest["activities"] == [
        ("activity-1", "UC", "assured", date(2022, 3, 16), date(2022, 2, 19)),
        ("activity-2", "PIP", "assured", date(2022, 3, 16), date(2022, 2, 19)),
        ("activity-3", "UC", "assured", date(2022, 3, 16), date(2022, 2, 19)),
    ]


def _feedback_request(ipr_id: str) -> FeedbackRequest:
    decision = screen(
        ScreeningFacts(allegation=False, harm="none", external_reviews=("significant_case_review",))
    )
    return FeedbackRequest(
        ipr_id=ipr_id,
        reference="IPR-2021-0099",
        referrer_name="Morwenna Tregarthen",
        referrer_email="morwenna.tregarthen@dwp.gov.uk",
        referred_on=date(2021, 9, 1),
        decided_on=date(2021, 9, 3),
        reasons=decision.reasons,
        service_lines=("UC", "PIP"),
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def test_feedback_is_written_once_as_a_pdf_and_shared_with_acssl(
    db: Engine, tmp_path: Path
) -> None:
    ipr_id = f"ipr-IPR-2021-0099/{uuid.uuid4()}"
    request = _feedback_request(ipr_id)
    files = store_for(db)
    send = IprActivities(db, files).send_ipr_feedback
    env = ActivityEnvironment()

    first = env.run(send, request)
    assert first.created
    assert first.feedback_path == f"casework-files:letter/{ipr_id}/feedback.pdf"
    content = stored_bytes(first.feedback_path, files)
    assert content.startswith(b"%PDF")

    again = env.run(send, request)  # a retry
    assert again.feedback_path == first.feedback_path and not again.created
    assert stored_bytes(again.feedback_path, files) == content
    assert [e.name for e in files.entries(ipr_id)] == ["feedback.md", "feedback.pdf"]
    assert {e.subject for e in files.entries(ipr_id)} == {("ipr", "IPR-2021-0099")}

    reader = PdfReader(io.BytesIO(content))
    text = _words("\n".join(page.extract_text() for page in reader.pages))
    assert "Dear Morwenna Tregarthen" in text
    assert "will not be conducted" in text
    assert "Advanced Customer Support Senior Leaders" in text
    for reason in request.reasons:
        assert _words(reason) in text
    markdown = (files.get(ipr_id, "feedback.md") or b"").decode()
    assert "Dear Morwenna Tregarthen" in markdown
    assert all(f"- {reason}" in markdown for reason in request.reasons)

    with Session(db) as s:
        shares = s.scalars(
            select(IprAcsslShareRecord).where(IprAcsslShareRecord.ipr_id == ipr_id)
        ).all()
    assert len(shares) == 1
    assert shares[0].shared_on == date(2021, 9, 3)
    assert shares[0].service_lines == ["UC", "PIP"]
    assert shares[0].reasons == list(request.reasons)


def test_a_retry_after_a_crash_between_the_files_writes_the_missing_one(
    db: Engine, tmp_path: Path
) -> None:
    ipr_id = f"ipr-IPR-2021-0099/{uuid.uuid4()}"
    request = _feedback_request(ipr_id)
    files = store_for(db)
    send = IprActivities(db, files).send_ipr_feedback
    env = ActivityEnvironment()
    pdf = env.run(send, request).feedback_path
    content = stored_bytes(pdf, files)
    with Session(db) as s, s.begin():
        # As if the worker died after the Markdown copy, before the PDF.
        s.execute(
            delete(FileEntryRecord).where(
                FileEntryRecord.owner == ipr_id, FileEntryRecord.name == "feedback.pdf"
            )
        )
    retried = env.run(send, request)
    assert retried.created and stored_bytes(pdf, files) == content
    assert [e.name for e in files.entries(ipr_id)] == ["feedback.md", "feedback.pdf"]
    with Session(db) as s:
        assert (
            len(
                s.scalars(
                    select(IprAcsslShareRecord.ipr_id).where(IprAcsslShareRecord.ipr_id == ipr_id)
                ).all()
            )
            == 1
        )


def test_migration_0007_keeps_primary_lines_apart_from_finding_lines(tmp_path: Path) -> None:
    """Rows projected before 0007 held every line reached in `service_lines`: their
    finding lines come from their narratives and leave `service_lines`."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[2] / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0006")
    engine = create_engine(url)
    with engine.begin() as conn:
        for ipr_id, lines in (("ipr-A/1", '["PIP", "UC", "ACS"]'), ("ipr-B/1", '["ACS"]')):
            conn.execute(
                text(
                    "INSERT INTO iprs VALUES (:id, 'closed', 1, 'A', 0, '[]', :lines, 1, "
                    "'2021-05-01', '2021-09-01', '2021-22', 1, 0, 9)"
                ),
                {"id": ipr_id, "lines": lines},
            )
        rows = [
            ("ipr-A/1", "learning", 1, "UC"),
            ("ipr-A/1", "activity", 1, "ACS"),
            ("ipr-A/1", "outcome", 1, "UC"),
            ("ipr-B/1", "learning", 1, "ACS"),
        ]
        for ipr_id, kind, seq, line in rows:
            conn.execute(
                text("INSERT INTO ipr_narratives VALUES (:id, :kind, :seq, :line, 'text')"),
                {"id": ipr_id, "kind": kind, "seq": seq, "line": line},
            )
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            a, b = s.get(IprRecord, "ipr-A/1"), s.get(IprRecord, "ipr-B/1")
            assert a is not None and b is not None
            assert (a.service_lines, a.finding_lines) == (["PIP"], ["UC", "ACS"])
            # Only finding lines: kept, rather than a review with no line at all.
            assert (b.service_lines, b.finding_lines) == (["ACS"], ["ACS"])
    finally:
        engine.dispose()
