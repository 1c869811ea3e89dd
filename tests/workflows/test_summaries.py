"""The projection activity's summary in the Web UI says what happened, in words, not
the events' sequence numbers."""

from datetime import UTC, datetime

from activities.records import EventRecord
from workflows.uc_case_core import _projection_summary


def _record(seq: int, type_: str) -> EventRecord:
    at = datetime(2026, 12, 2, tzinfo=UTC)
    return EventRecord(seq, type_, at, "o", "k", "o", "t", {})


def test_the_summary_names_what_happened() -> None:
    batch = [_record(3, "CallBackRequested"), _record(4, "JournalNoteAdded")]
    assert _projection_summary(batch) == "read model: call back requested, journal note added"


def test_a_long_batch_names_four_kinds_and_counts_the_rest() -> None:
    kinds = ["CaseOpened", "TaskOpened", "TaskEscalated", "StageMoved", "CaseClosed", "Other"]
    batch = [_record(n, k) for n, k in enumerate(kinds, 1)] + [_record(9, "TaskOpened")]
    summary = _projection_summary(batch)
    assert summary.endswith("stage moved and 2 more")
    assert not any(ch.isdigit() for ch in summary.replace("2 more", ""))
