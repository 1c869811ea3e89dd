"""Every saved history must replay on today's workflow code: the guard against a
change that would break running cases (use workflow.patched() for such changes)."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS

HISTORIES = sorted(
    p for p in (Path(__file__).parent.parent / "histories").glob("*.json") if p.name != "ids.json"
)


def _workflow_id(path: Path) -> str:
    """The workflow id the history ran under (recorded beside it by record.py): the
    workflows read it, so replay must give the same."""
    return json.loads((path.parent / "ids.json").read_text())[path.name]


def test_histories_are_saved() -> None:
    """One at least for every workflow type the worker runs."""
    types = {
        json.loads(p.read_text())["events"][0]["workflowExecutionStartedEventAttributes"][
            "workflowType"
        ]["name"]
        for p in HISTORIES
    }
    assert types == {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_saved_history_replays_on_current_code(path: Path) -> None:
    text = path.read_text()
    history = WorkflowHistory.from_json(_workflow_id(path), text)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
