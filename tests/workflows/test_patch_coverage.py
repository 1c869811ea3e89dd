"""Every registered patch has a saved history from before it: one of the patch's
workflow types that never took it (no `core_patch` marker with its id), so the
replay test (test_replay.py) runs today's code down the old path it keeps.

The patches come from the register's table (docs/patches.md), each with the
workflow types of its row. A patch taken only on a rare path (a refused child
start, a continue-as-new with work pending) may lack a history from after it; none
may lack one from before it, or the branch that keeps running cases working goes
untested until a deploy meets it."""

import json
import re
from base64 import b64decode
from pathlib import Path

import pytest

from tests.workflows.test_replay import HISTORIES
from worker import WORKFLOWS

REGISTER = Path(__file__).parent.parent.parent / "docs" / "patches.md"
WORKFLOW_TYPES = {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]
PATCH_MARKER = "core_patch"


def registered_patches() -> dict[str, set[str]]:
    """Patch id -> the workflow types its row names (the `workflow` column)."""
    patches: dict[str, set[str]] = {}
    for line in REGISTER.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.fullmatch(r"`[a-z0-9-]+`", cells[0]):
            continue
        types = set(re.findall(r"`([A-Za-z]+)`", cells[2])) & WORKFLOW_TYPES
        assert types, f"{cells[0]}: no workflow type of the worker named in {cells[2]!r}"
        patches[cells[0].strip("`")] = types
    return patches


PATCHES = registered_patches()


def _workflow_type(events: list[dict]) -> str:
    started = events[0]["workflowExecutionStartedEventAttributes"]
    return str(started["workflowType"]["name"])


def _patches_taken(events: list[dict]) -> set[str]:
    """The ids of the patch markers a history holds (plain JSON, never through the
    codec: core writes them)."""
    taken = set()
    for event in events:
        marker = event.get("markerRecordedEventAttributes")
        if not marker or marker.get("markerName") != PATCH_MARKER:
            continue
        for payload in marker["details"]["patch-data"]["payloads"]:
            taken.add(json.loads(b64decode(payload["data"]))["id"])
    return taken


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


SAVED = {
    _label(p): (_workflow_type(events), _patches_taken(events))
    for p in HISTORIES
    for events in [json.loads(p.read_text())["events"]]
}


def coverage() -> dict[str, tuple[list[str], list[str]]]:
    """Patch id -> (histories of its workflow types from before it, those after)."""
    table = {}
    for patch, types in PATCHES.items():
        mine = [(name, taken) for name, (kind, taken) in sorted(SAVED.items()) if kind in types]
        table[patch] = (
            [name for name, taken in mine if patch not in taken],
            [name for name, taken in mine if patch in taken],
        )
    return table


def test_the_register_lists_patches() -> None:
    assert len(PATCHES) >= 10
    assert "case-opens-in-init" in PATCHES and PATCHES["case-opens-in-init"] == {"UCCase"}


def test_every_patch_marker_in_a_saved_history_is_registered() -> None:
    taken = set().union(*(patches for _, patches in SAVED.values()))
    assert taken <= PATCHES.keys(), sorted(taken - PATCHES.keys())


@pytest.mark.parametrize("patch", sorted(PATCHES))
def test_every_registered_patch_has_a_saved_history_from_before_it(patch: str) -> None:
    before, _ = coverage()[patch]
    assert before, (
        f"no saved history of {sorted(PATCHES[patch])} without patch {patch}: the old "
        "path it keeps is never replayed"
    )


if __name__ == "__main__":  # the table, for the register and reviews
    for patch, (before, after) in coverage().items():
        print(
            f"{patch}: before {len(before)} e.g. {before[:1]}; after {len(after)} e.g. {after[:1]}"
        )
