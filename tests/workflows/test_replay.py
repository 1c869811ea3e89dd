"""Every saved history must replay on today's workflow code: the guard against a
change that would break running cases (use workflow.patched() for such changes).

Histories recorded before payloads were encrypted replay through the codec as
plain payloads do; encrypted ones (histories/encrypted/) through the codec with the
test-only key ring and wrapped data keys saved beside them."""

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from activities.db import DataKeyRecord, make_engine, migrate
from infra import keys
from infra.codec import ENCODING, encrypting_converter
from infra.keystore import KeyStore
from worker import WORKFLOWS

FOLDER = Path(__file__).parent.parent / "histories"
ENCRYPTED = FOLDER / "encrypted"
HISTORIES = sorted(
    p
    for folder in (FOLDER, ENCRYPTED)
    for p in folder.glob("*.json")
    if p.name not in ("ids.json", "data_keys.json", "test-keyring.json")
)


def _workflow_id(path: Path) -> str:
    """The workflow id the history ran under (recorded beside it by record.py): the
    workflows read it, so replay must give the same."""
    return json.loads((path.parent / "ids.json").read_text())[path.name]


@pytest.fixture(scope="module")
def replay_converter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DataConverter]:
    yield from saved_keys_converter(tmp_path_factory.mktemp("replay"))


def saved_keys_converter(folder: Path) -> Iterator[DataConverter]:
    """The codec over a key store (in `folder`) holding the saved data keys."""
    url = f"sqlite:///{folder / 'keys.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        for k in json.loads((ENCRYPTED / "data_keys.json").read_text()):
            session.add(
                DataKeyRecord(
                    **{**k, "created_at": datetime.fromisoformat(k["created_at"])},
                    erased_at=None,
                )
            )
    yield encrypting_converter(KeyStore(engine, keys.load_file(ENCRYPTED / "test-keyring.json")))
    engine.dispose()


def test_histories_are_saved() -> None:
    """One at least for every workflow type the worker runs, plain and encrypted."""
    for folder in (FOLDER, ENCRYPTED):
        types = {
            json.loads(p.read_text())["events"][0]["workflowExecutionStartedEventAttributes"][
                "workflowType"
            ]["name"]
            for p in HISTORIES
            if p.parent == folder
        }
        assert types == {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]


def test_encrypted_histories_hold_no_plain_payload() -> None:
    encoding = b"binary/encrypted"
    assert encoding == ENCODING
    for path in (p for p in HISTORIES if p.parent == ENCRYPTED):
        text = path.read_text()
        assert "Morgan Testperson" not in text and "AB123456C" not in text
        history = WorkflowHistory.from_json(_workflow_id(path), text)
        started = history.events[0].workflow_execution_started_event_attributes
        assert all(p.metadata["encoding"] == ENCODING for p in started.input.payloads)


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_saved_history_replays_on_current_code(
    path: Path, replay_converter: DataConverter
) -> None:
    text = path.read_text()
    history = WorkflowHistory.from_json(_workflow_id(path), text)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=replay_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
