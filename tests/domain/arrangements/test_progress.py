"""An arrangement's progress travels to its case as one value, in its old flat shape."""

from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic_core import to_jsonable_python

from domain.arrangements.case_notice import CaseNotice
from domain.arrangements.progress import ArrangementProgress, progress_fields
from domain.case import commands as c
from domain.case import events as e
from domain.case.model import ArrangementSummary
from domain.case.parsing import InvalidCommand, parse

PROGRESS = ArrangementProgress(
    form_sha256="a" * 64,
    form_path="forms/uc47.pdf",
    pack_sha256="b" * 64,
    pack_path="forms/apa1.pdf",
    start_date=date(2026, 3, 31),
    granted_rate=Decimal("12.5"),
    review_dates=(date(2026, 6, 30), date(2026, 9, 30)),
)

# What a child has always sent (workflows/payment_arrangement.py): the notice's fields,
# flat, with the request's status and the envelope.
OLD_FLAT_NOTICE = {
    "kind": "arrangement_outcome",
    "text": "APA request uc-apa-T-1-1 granted",
    "task": None,
    "escalate": False,
    "form_sha256": "a" * 64,
    "form_path": "forms/uc47.pdf",
    "pack_sha256": "b" * 64,
    "pack_path": "forms/apa1.pdf",
    "start_date": "2026-03-31",
    "granted_rate": "12.5",
    "review_dates": ["2026-06-30", "2026-09-30"],
    "status": "granted",
    "arrangement_id": "uc-apa-T-1-1",
    "case_key": "T-1",
    "active": True,
}


def test_the_notice_command_event_and_record_each_carry_the_progress() -> None:
    names = {f.name for f in fields(ArrangementProgress)}
    for carrier in (CaseNotice, c.RecordArrangementProgress, e.ArrangementProgressed):
        assert issubclass(carrier, ArrangementProgress)
        assert names <= {f.name for f in fields(carrier)}
    assert issubclass(ArrangementSummary, ArrangementProgress)


def test_a_notice_goes_on_the_wire_in_the_flat_shape_it_always_had() -> None:
    notice = CaseNotice("arrangement_outcome", "granted", **progress_fields(PROGRESS))
    wire = to_jsonable_python(notice)
    assert set(wire) == {"kind", "text", "task", "escalate"} | {
        f.name for f in fields(ArrangementProgress)
    }
    assert "progress" not in wire


def test_an_old_flat_notice_parses_and_its_progress_passes_on_whole() -> None:
    command = parse(c.RecordArrangementProgress, OLD_FLAT_NOTICE, stored=True)
    assert progress_fields(command) == progress_fields(PROGRESS)
    event = e.ArrangementProgressed(
        at=datetime(2026, 3, 31, tzinfo=UTC),
        by="payment_arrangement",
        arrangement_id=command.arrangement_id,
        kind=command.kind,
        text=command.text,
        status=command.status,
        **progress_fields(command),
    )
    assert ArrangementProgress(**progress_fields(event)) == PROGRESS


@pytest.mark.parametrize(
    ("field", "value"),
    [("form_sha256", "0" * 65), ("pack_path", "p" * 1001), ("granted_rate", "12.555")],
)
def test_the_limits_on_a_notice_still_hold(field: str, value: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        parse(c.RecordArrangementProgress, {**OLD_FLAT_NOTICE, field: value}, stored=True)
    assert refused.value.field == field
