"""Workflow ids and their subject (workflows/ids.py): the codec picks a subject's key
by the id, erasure finds a subject's workflows and files by it. Child ids are per
case since 2026-12-02 (workflows/ids.py); ids from before keep mapping."""

import pytest

from activities.outbox import _folder_name
from backoffice.erasure import _folder_subject
from workflows import ids as child_ids
from workflows.ids import Subject, subject_of, workflow_ids_pattern

SCOPE = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"  # a first run id


@pytest.mark.parametrize(
    ("workflow_id", "subject"),
    [
        # Per case (new shapes); refs with hyphens, as tenancy refs and IPR references are.
        (child_ids.migration_id("HA-100", SCOPE), Subject("uc", "HA-100")),
        (child_ids.arrangement_id("HA-100", SCOPE, 1), Subject("uc", "HA-100")),
        (child_ids.arrangement_id("HA-100-7", SCOPE, 12), Subject("uc", "HA-100-7")),
        (child_ids.activity_id("IPR-2026-017", SCOPE, 2), Subject("ipr", "IPR-2026-017")),
        # Per tenancy (old shapes), as running children from before still have.
        ("uc-case-HA-100", Subject("uc", "HA-100")),
        ("uc-migration-HA-100", Subject("uc", "HA-100")),
        ("uc-apa-HA-100-1", Subject("uc", "HA-100")),
        ("ipr-IPR-2026-017-activity-2", Subject("ipr", "IPR-2026-017")),
        ("ipr-IPR-2026-017", Subject("ipr", "IPR-2026-017")),
        ("daily-report", Subject("ops", None)),
    ],
)
def test_new_and_old_id_shapes_map_to_the_same_subject(workflow_id: str, subject: Subject) -> None:
    assert subject_of(workflow_id) == subject


def test_new_ids_have_the_shapes_documented_and_old_ones_are_kept_without_a_scope() -> None:
    assert child_ids.migration_id("HA-1", SCOPE) == f"uc-migration-HA-1/{SCOPE}"
    assert child_ids.arrangement_id("HA-1", SCOPE, 3) == f"uc-apa-HA-1/{SCOPE}-3"
    assert child_ids.activity_id("R-1", SCOPE, 2) == f"ipr-R-1/{SCOPE}-activity-2"
    assert child_ids.migration_id("HA-1", None) == "uc-migration-HA-1"
    assert child_ids.arrangement_id("HA-1", None, 3) == "uc-apa-HA-1-3"
    assert child_ids.activity_id("R-1", None, 2) == "ipr-R-1-activity-2"


def test_the_visibility_prefixes_find_both_shapes_and_the_filter_keeps_only_the_subject() -> None:
    subject = Subject("uc", "HA-1")
    prefixes = workflow_ids_pattern(subject)
    ids = [
        "uc-case-HA-1",
        "uc-migration-HA-1",
        child_ids.migration_id("HA-1", SCOPE),
        "uc-apa-HA-1-2",
        child_ids.arrangement_id("HA-1", SCOPE, 2),
    ]
    for workflow_id in ids:
        assert any(workflow_id.startswith(p) for p in prefixes), workflow_id
        assert subject_of(workflow_id) == subject
    # A longer ref shares the prefix; the exact filter leaves it out.
    longer = child_ids.arrangement_id("HA-10", SCOPE, 1)
    assert subject_of(longer) != subject
    ipr = workflow_ids_pattern(Subject("ipr", "R-1"))
    assert child_ids.activity_id("R-1", SCOPE, 1).startswith(ipr)


@pytest.mark.parametrize(
    "arrangement", [child_ids.arrangement_id("HA-1-2", SCOPE, 1), "uc-apa-HA-1-2-1"]
)
def test_an_outbox_folder_of_either_shape_belongs_to_its_tenancy(arrangement: str) -> None:
    # The submission key is "<arrangement id>-1"; '/' never reaches the path.
    folder = _folder_name(f"{arrangement}-1")
    assert "/" not in folder
    assert _folder_subject(folder) == Subject("uc", "HA-1-2")


@pytest.mark.parametrize("scope", [SCOPE, None])
def test_a_state_carried_before_it_named_its_children_gets_the_names_its_scope_gave(
    scope: str | None,
) -> None:
    """CaseInput and IprInput v1 carried `id_scope`; the upcaster (workflows/contracts.py)
    turns it into the children's names, the same ids the scope made before."""
    from datetime import UTC, datetime

    from pydantic_core import to_jsonable_python

    from domain.case.decide import open_case
    from domain.case.evolve import initial_state
    from domain.case.parsing import parse
    from domain.policy import CasePolicy
    from tests.factories import opening as case_opening
    from workflows.contracts import CaseInput

    opening = case_opening("HA-1")
    [opened] = open_case(opening, datetime(2026, 6, 1, tzinfo=UTC))
    state = initial_state(opened, CasePolicy(), child_ids.case_children("HA-1", scope))  # type: ignore[arg-type]
    carried = to_jsonable_python(state)
    del carried["children"]
    raw = {**to_jsonable_python(opening), "carried": {**carried, "id_scope": scope}}
    raw.pop("schema_version", None)
    loaded = parse(CaseInput, raw, stored=True)
    assert loaded.carried is not None
    assert loaded.carried.children.the_one() == child_ids.migration_id("HA-1", scope)
    assert loaded.carried.children.nth(3) == child_ids.arrangement_id("HA-1", scope, 3)
    assert loaded.carried == state
