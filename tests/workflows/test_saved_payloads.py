"""Every payload of every saved history parses with today's models, as the workflows
read it back: each start and continue-as-new input, update and signal.

The replay test (test_replay.py) proves today's code replays what ran; this one names
the payload and field a model change breaks, and covers what a replay can miss (a
handler that never ran in the recorded run, a carried field replay never reads). A
failure here means a running case would fail on deploy: add the field with a default,
or give the input a version bump and an upcaster (domain/upcast.py; docs/patches.md,
"Changing a payload's shape").

Encrypted histories are decoded with the test-only key ring and wrapped data keys saved
beside them, as the replay test does."""

import copy
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payloads
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from domain.arrangements import lifecycle as life
from domain.case import commands as case_commands
from domain.case.parsing import InvalidCommand, _adapter, parse
from domain.ipr import commands as ipr_commands
from domain.migration.commands import MIGRATION_COMMANDS, ResidentDied
from domain.upcast import upcast
from tests.workflows.test_replay import (
    ENCRYPTED,
    FOLDER,
    HISTORIES,
    _workflow_id,
    saved_keys_converter,
)
from worker import WORKFLOWS
from workflows import agreed_activity, payment_arrangement
from workflows.contracts import (
    ActivityInput,
    ArrangementInput,
    CaseInput,
    IprInput,
    MigrationInput,
)

# What each workflow type parses, by where it comes from (the workflows' parse calls).
INPUTS: dict[str, type] = {
    "UCCase": CaseInput,
    "IPR": IprInput,
    "ManagedMigration": MigrationInput,
    "PaymentArrangement": ArrangementInput,
    "AgreedActivity": ActivityInput,
}
# The scheduled workflows (workflows/scheduled.py) take no input, updates or signals:
# their day comes from the schedule's start time.
NO_INPUT = {"WorkAvailableReport", "EscalationDigest", "RetentionSweep"}
UPDATES: dict[str, dict[str, type]] = {
    "UCCase": case_commands.COMMANDS,
    "IPR": ipr_commands.COMMANDS,
    "ManagedMigration": MIGRATION_COMMANDS,
    "PaymentArrangement": payment_arrangement.COMMANDS,
    "AgreedActivity": agreed_activity.COMMANDS,
}
SIGNALS: dict[str, dict[str, type]] = {
    "UCCase": {
        "migration_progress": case_commands.RecordMigrationProgress,
        "arrangement_progress": case_commands.RecordArrangementProgress,
    },
    "IPR": {"activity_progress": ipr_commands.RecordActivityProgress},
    "ManagedMigration": {"stop": ResidentDied},
    "PaymentArrangement": {"stop": life.StopArrangement},
    "AgreedActivity": {},
}

_STARTED = "workflow_execution_started_event_attributes"
_CONTINUED = "workflow_execution_continued_as_new_event_attributes"
_ACCEPTED = "workflow_execution_update_accepted_event_attributes"
_ADMITTED = "workflow_execution_update_admitted_event_attributes"
_SIGNALED = "workflow_execution_signaled_event_attributes"


@dataclass(frozen=True)
class Stored:
    """One payload as a workflow receives it (plain JSON), and what it parses it as."""

    what: str  # start, continue_as_new, update, signal
    kind: type
    raw: Any
    where: str
    first_run: bool = False  # a start input of a run that continued none


async def _stored_payloads(path: Path, converter: DataConverter) -> list[Stored]:
    history = WorkflowHistory.from_json(_workflow_id(path), path.read_text())
    workflow_type = getattr(history.events[0], _STARTED).workflow_type.name
    found = []
    for event in history.events:
        for what, kind, payloads, first_run in _payloads_of(event, workflow_type):
            raw = await converter.decode(list(payloads.payloads), [Any])
            assert len(raw) == 1, f"event {event.event_id}: one argument expected"
            where = f"{path.parent.name}/{path.name} event {event.event_id} ({what})"
            found.append(Stored(what, kind, raw[0], where, first_run))
    return found


def _payloads_of(
    event: HistoryEvent, workflow_type: str
) -> Iterator[tuple[str, type, Payloads, bool]]:
    which = event.WhichOneof("attributes")
    if which == _STARTED:
        started = event.workflow_execution_started_event_attributes
        first = not started.continued_execution_run_id
        if workflow_type in NO_INPUT:
            assert not started.input.payloads, f"{workflow_type} takes no input"
            return
        yield "start", INPUTS[workflow_type], started.input, first
    elif which == _CONTINUED:
        continued = event.workflow_execution_continued_as_new_event_attributes
        yield "continue_as_new", INPUTS[continued.workflow_type.name], continued.input, False
    elif which in (_ACCEPTED, _ADMITTED):
        attributes = getattr(event, which)
        request = attributes.accepted_request if which == _ACCEPTED else attributes.request
        if request.input.name:  # an accepted event after an admitted one may omit it
            name = request.input.name
            assert name in UPDATES[workflow_type], f"no command type for update {name}"
            yield "update", UPDATES[workflow_type][name], request.input.args, False
    elif which == _SIGNALED:
        signal = event.workflow_execution_signaled_event_attributes
        name = signal.signal_name
        assert name in SIGNALS[workflow_type], f"no command type for signal {name}"
        yield "signal", SIGNALS[workflow_type][name], signal.input, False


def _workflow_type(path: Path) -> str:
    history = WorkflowHistory.from_json(_workflow_id(path), path.read_text())
    return str(getattr(history.events[0], _STARTED).workflow_type.name)


def _events(path: Path, attributes: tuple[str, ...]) -> int:
    history = WorkflowHistory.from_json(_workflow_id(path), path.read_text())
    return sum(event.WhichOneof("attributes") in attributes for event in history.events)


@pytest.fixture(scope="module")
def converter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DataConverter]:
    yield from saved_keys_converter(tmp_path_factory.mktemp("payloads"))


def test_every_signal_a_workflow_takes_has_its_type() -> None:
    """Updates are registered from the COMMANDS tables above; signals are declared."""
    for workflow_class in WORKFLOWS:
        definition = workflow_class.__temporal_workflow_definition  # type: ignore[attr-defined]
        if definition.name in NO_INPUT:
            assert not {n for n in definition.signals if n} and not definition.updates
            continue
        assert definition.name in INPUTS
        assert {n for n in definition.signals if n} == set(SIGNALS[definition.name])


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_saved_payloads_parse_with_todays_models(
    path: Path, converter: DataConverter
) -> None:
    found = await _stored_payloads(path, converter)
    counts = Counter(s.what for s in found)
    assert counts["start"] >= 1 or _workflow_type(path) in NO_INPUT
    assert counts["continue_as_new"] == _events(path, (_CONTINUED,))
    # Each accepted update once (from its admitted event if the accepted one omits it).
    assert counts["update"] == _events(path, (_ACCEPTED,))
    assert counts["signal"] == _events(path, (_SIGNALED,))
    failures = []
    for s in found:
        try:
            parse(s.kind, s.raw, stored=True)
        except InvalidCommand as error:
            failures.append(f"{s.where}: {s.kind.__name__}: {error}")
            continue
    assert not failures, "\n".join(failures)


async def test_the_histories_hold_every_kind_of_payload(converter: DataConverter) -> None:
    """What the test above covers is there to cover: starts of every workflow type,
    a continue-as-new, updates and signals, in both folders."""
    for folder in (FOLDER, ENCRYPTED):
        found = [
            s for p in HISTORIES if p.parent == folder for s in await _stored_payloads(p, converter)
        ]
        assert {s.what for s in found} == {"start", "continue_as_new", "update", "signal"}
        assert {s.kind for s in found if s.what == "start"} == set(INPUTS.values())


# --- removed fields, measured on real payloads -------------------------------------------

PLAIN = [p for p in HISTORIES if p.parent == FOLDER]
GONE = "zz_field_removed_since"


def _objects(raw: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every JSON object in `raw`, outermost first."""
    if isinstance(raw, dict):
        yield path
        for key, value in raw.items():
            yield from _objects(value, (*path, key))
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            yield from _objects(value, (*path, index))


def _with_old_key(raw: Any, places: list[tuple[Any, ...]]) -> Any:
    changed = copy.deepcopy(raw)
    for place in places:
        node = changed
        for part in place:
            node = node[part]
        node[GONE] = {"written": "by an older release"}
    return changed


def _edge_refuses_as_unknown(kind: type, raw: Any, place: tuple[Any, ...]) -> bool:
    """Whether the edge refuses the key at `place` as unknown (an object of a model
    that forbids extras), rather than taking it (a map's key, a model that ignores).
    The edge sees the payload in today's shape, as `parse` does (an upcaster may have
    moved the object, as v3 moved `carried.journal` to `journal`)."""
    try:
        _adapter(kind).validate_python(upcast(kind, raw), context={"stored": True})
    except ValidationError as error:
        return any(
            e["type"] in ("unexpected_keyword_argument", "extra_forbidden") and e["loc"][-1] == GONE
            for e in error.errors()
        )
    return False


@pytest.mark.parametrize(
    "path", [p for p in PLAIN if _workflow_type(p) not in NO_INPUT], ids=lambda p: p.stem
)
async def test_a_removed_field_is_ignored_at_every_depth(
    path: Path, converter: DataConverter
) -> None:
    """Every object of every payload in turn, then all at once, gets a key today's
    model does not have: the edge refuses it, the stored parse gives what the payload
    gives without it."""
    depths = Counter[int]()
    for s in await _stored_payloads(path, converter):
        expected = parse(s.kind, s.raw, stored=True)
        models = []
        for place in _objects(s.raw):
            changed = _with_old_key(s.raw, [place])
            if not _edge_refuses_as_unknown(s.kind, changed, place):
                continue
            models.append(place)
            depths[len(place)] += 1
            assert parse(s.kind, changed, stored=True) == expected, f"{s.where} at {place}"
        if models:
            everywhere = _with_old_key(s.raw, models)
            assert parse(s.kind, everywhere, stored=True) == expected, s.where
    assert depths[0] >= 1  # the top level of at least one payload
    if path.stem in ("uc_case_replay-2", "uc_apa_replay-4-1"):
        # carried.journal.N (journal.N once upcast), carried.policy.*; supporting.N.data
        # (a union branch)
        assert max(depths) >= 3, depths
