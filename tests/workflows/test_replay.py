"""Every saved history must replay on today's workflow code: the guard against a
change that would break running cases (use workflow.patched() for such changes)."""

import base64
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def _workflow_id(history_json: str) -> str:
    """The workflow id, from the tenancy in the start event's input."""
    start = json.loads(history_json)["events"][0]["workflowExecutionStartedEventAttributes"]
    opening = json.loads(base64.b64decode(start["input"]["payloads"][0]["data"]))
    prefix = "uc-migration" if start["workflowType"]["name"] == "ManagedMigration" else "uc-case"
    return f"{prefix}-{opening['tenancy_ref']}"


def test_histories_are_saved() -> None:
    assert len(HISTORIES) >= 2


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_saved_history_replays_on_current_code(path: Path) -> None:
    text = path.read_text()
    history = WorkflowHistory.from_json(_workflow_id(text), text)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
