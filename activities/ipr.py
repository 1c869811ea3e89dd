"""The IPR's activities: project it (anonymised) into SQL, and, when the criteria are not
met, write the referrer's feedback letter and record the case's share with the Advanced
Customer Support Senior Leaders (docs/rules.md#ipr-criteria). Both are idempotent: a retried or
replayed call leaves the same rows and never writes a second or different letter."""

import io
from dataclasses import asdict
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import ListFlowable
from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from temporalio import activity

from activities.db import IprAcsslShareRecord, IprActivityRecord, IprNarrativeRecord, IprRecord
from activities.files.names import EntryConflict, Subject
from activities.files.store import Entry, FileStore
from activities.files.subjects import of_ipr
from activities.ipr_records import FeedbackRequest, FeedbackResult, IprProjection
from infra.logs import get_logger

log = get_logger(__name__)

FEEDBACK_TITLE = "Internal Process Review referral: feedback"
ACSSL = "Advanced Customer Support Senior Leaders (ACSSL)"
LETTER = "letter"


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _letter(request: FeedbackRequest) -> tuple[str, list[str], list[str], list[str]]:
    """(salutation, paragraphs before the reasons, the reasons, paragraphs after)."""
    lines = ", ".join(request.service_lines) or "none recorded"
    before = [
        f"Thank you for your referral {request.reference}, received on "
        f"{_day(request.referred_on)}.",
        f"We looked at it on {_day(request.decided_on)}. It does not meet "
        "the criteria for an Internal Process Review, so an Internal Process Review will "
        "not be conducted.",
        "These are the reasons:",
    ]
    after = [
        f"The case has been shared with the {ACSSL}, so that any learning from it is not "
        f"lost. Service lines involved: {lines}.",
        "If something you know changes this picture (for example, DWP is asked to take part "
        "in a Safeguarding Adults Review, a Significant Case Review or a Domestic Homicide "
        "Review, or is named an Interested Party at an inquest), please make a new "
        "referral with that information.",
        "Internal Process Review team",
    ]
    return f"Dear {request.referrer_name},", before, list(request.reasons), after


def feedback_markdown(request: FeedbackRequest) -> str:
    salutation, before, reasons, after = _letter(request)
    parts = [
        f"# {FEEDBACK_TITLE}",
        f"To: {request.referrer_name} <{request.referrer_email}>",
        salutation,
        *before,
        "\n".join(f"- {reason}" for reason in reasons),
        *after,
    ]
    return "\n\n".join(parts) + "\n"


_STYLES = getSampleStyleSheet()


def _para(text: str, style: str = "BodyText") -> Paragraph:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, _STYLES[style])


def feedback_pdf(request: FeedbackRequest) -> bytes:
    """An A4 letter. invariant=1 pins reportlab's creation date and document id, so a
    retry renders the same bytes."""
    salutation, before, reasons, after = _letter(request)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        title=FEEDBACK_TITLE,
        author="casework",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    )
    story: list[Flowable] = [
        _para(FEEDBACK_TITLE, "Title"),
        _para(f"To: {request.referrer_name} <{request.referrer_email}>"),
        Spacer(1, 4 * mm),
        _para(salutation),
        *(_para(p) for p in before),
        ListFlowable(
            [_para(r) for r in reasons],
            bulletType="bullet",
            start="•",
            bulletFontName="Helvetica",
        ),
        *(_para(p) for p in after),
    ]
    doc.build(story)
    return buffer.getvalue()


class IprActivities:
    def __init__(self, engine: Engine, files: FileStore) -> None:
        self._engine = engine
        # The referrer's letters, in the shared file store under the IPR's id.
        self._files = files
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    @activity.defn(name="project_ipr")
    def project_ipr(self, projection: IprProjection) -> int:
        """Upsert the IPR's row (only ever forward in version) and, when this projection
        is the newest, replace its narratives and activities, all in one transaction.
        Returns the narrative and activity rows written (0 if a newer version is held)."""
        row = asdict(projection.row)
        ipr_id = row["ipr_id"]
        iprs = IprRecord.__table__
        upsert = self._insert(iprs).values(**row)
        upsert = upsert.on_conflict_do_update(
            index_elements=[iprs.c.ipr_id],
            set_={k: upsert.excluded[k] for k in row if k != "ipr_id"},
            where=iprs.c.version < upsert.excluded.version,
        )
        narratives = [{"ipr_id": ipr_id, **asdict(n)} for n in projection.narratives]
        activities = [{"ipr_id": ipr_id, **asdict(a)} for a in projection.activities]
        with Session(self._engine) as session, session.begin():
            session.execute(upsert)
            held = session.scalar(select(IprRecord.version).where(IprRecord.ipr_id == ipr_id))
            if held != row["version"]:
                log.info("ipr projection older than held", version=row["version"], held=held)
                return 0
            for table in (IprNarrativeRecord, IprActivityRecord):
                session.execute(delete(table).where(table.ipr_id == ipr_id))
            if narratives:
                session.execute(self._insert(IprNarrativeRecord.__table__).values(narratives))
            if activities:
                session.execute(self._insert(IprActivityRecord.__table__).values(activities))
        log.info(
            "ipr projected",
            version=row["version"],
            narratives=len(narratives),
            activities=len(activities),
        )
        return len(narratives) + len(activities)

    def _letter(
        self, request: FeedbackRequest, name: str, content: bytes, subject: Subject
    ) -> Entry:
        """Written once: a letter already sent stays the letter sent, even if today's
        code would word it differently."""
        try:
            return self._files.put(LETTER, request.ipr_id, name, content, subject)
        except EntryConflict:
            held = self._files.entry(request.ipr_id, name)
            assert held is not None
            return held

    @activity.defn(name="send_ipr_feedback")
    def send_ipr_feedback(self, request: FeedbackRequest) -> FeedbackResult:
        """Write the referrer's letter once (PDF and a Markdown copy), then record the
        ACSSL share. A retry finds the letter in place and the share row held."""
        subject = of_ipr(request.reference)
        # Markdown first: a worker killed in between leaves no PDF, so the retry writes both.
        self._letter(request, "feedback.md", feedback_markdown(request).encode(), subject)
        pdf = self._letter(request, "feedback.pdf", feedback_pdf(request), subject)
        share = {
            "ipr_id": request.ipr_id,
            "shared_on": request.decided_on,
            "service_lines": list(request.service_lines),
            "reasons": list(request.reasons),
        }
        with Session(self._engine) as session, session.begin():
            session.execute(
                self._insert(IprAcsslShareRecord.__table__).values(**share).on_conflict_do_nothing()
            )
        log.info("ipr feedback sent and shared with ACSSL", created=pdf.created)
        return FeedbackResult(feedback_path=pdf.locator, created=pdf.created)
