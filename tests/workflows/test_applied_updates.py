"""The record of applied update ids a workflow carries across continue-as-new."""

import pytest
from temporalio import workflow

from workflows import shell
from workflows.contracts import CommandResult
from workflows.shell import UPDATES_REMEMBERED, AppliedUpdates


def _as_update(monkeypatch: pytest.MonkeyPatch, update_id: str) -> None:
    info = workflow.UpdateInfo(id=update_id, name="add_journal_note")
    monkeypatch.setattr(shell.workflow, "current_update_info", lambda: info)


def test_a_retried_update_id_gets_its_first_result_in_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    applied = AppliedUpdates()
    _as_update(monkeypatch, "request-1")
    assert applied.earlier_result() is None
    applied.record(CommandResult(version=2, events=["JournalNoteAdded"]))
    next_run = AppliedUpdates(applied.carried())
    assert next_run.earlier_result() == CommandResult(version=2, events=["JournalNoteAdded"])
    _as_update(monkeypatch, "request-2")
    assert next_run.earlier_result() is None


def test_only_the_latest_update_ids_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    applied = AppliedUpdates()
    for n in range(UPDATES_REMEMBERED + 10):
        _as_update(monkeypatch, f"u{n}")
        applied.record(CommandResult(version=n, events=[]))
    carried = applied.carried()
    assert len(carried) == UPDATES_REMEMBERED
    assert carried[0].update_id == "u10" and carried[-1].update_id == f"u{UPDATES_REMEMBERED + 9}"
