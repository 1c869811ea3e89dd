"""Reading a payload back from history or carried state (`parse(..., stored=True)`):
keys today's models no longer have are ignored at any depth while edges still refuse
them, and versioned payloads are brought up to today's shape by their upcasters
(domain/upcast.py). Test-only types stand in for a model's future change."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.dataclasses import dataclass

from domain.case.commands import AddJournalNote
from domain.case.model import STRICT
from domain.case.parsing import InvalidCommand, parse
from domain.ipr.commands import Referral
from domain.upcast import UnknownVersion, current_version, missing_steps, upcast, upcaster
from workflows.contracts import (
    ActivityInput,
    ArrangementInput,
    CaseInput,
    IprInput,
    MigrationInput,
)

# --- removed fields --------------------------------------------------------------------


class _Contact(BaseModel):
    model_config = STRICT
    phone: str


@dataclass(frozen=True, config=STRICT)
class _Leaf:
    amount: Decimal
    contact: _Contact | None = None


@dataclass(frozen=True, config=STRICT)
class _Branch:
    leaves: tuple[_Leaf, ...]
    notes: dict[str, str]


@dataclass(frozen=True, config=STRICT)
class _A:
    a: int


@dataclass(frozen=True, config=STRICT)
class _B:
    b: int


@dataclass(frozen=True, config=STRICT)
class _Root:
    name: str
    branch: _Branch
    either: _A | _B


ROOT: dict[str, Any] = {
    "name": "r",
    "branch": {"leaves": [{"amount": "1.50", "contact": {"phone": "0"}}], "notes": {"k": "v"}},
    "either": {"a": 1},
}
# A key that a model had when the payload was written, at every depth.
OLD_ROOT: dict[str, Any] = {
    "name": "r",
    "gone": 1,
    "branch": {
        "gone": [1],
        "leaves": [{"amount": "1.50", "gone": {}, "contact": {"phone": "0", "gone": None}}],
        "notes": {"k": "v"},
    },
    "either": {"a": 1, "gone": "x"},
}


def test_a_removed_field_is_ignored_at_every_depth_when_stored() -> None:
    assert parse(_Root, OLD_ROOT, stored=True) == parse(_Root, ROOT)


def test_an_edge_still_refuses_every_unknown_key() -> None:
    with pytest.raises(InvalidCommand) as info:
        parse(_Root, OLD_ROOT)
    said = str(info.value)
    for place in ("gone", "branch.gone", "branch.leaves.0.gone", "branch.leaves.0.contact.gone"):
        assert said.startswith(f"{place}: ") or f"; {place}: " in said
    assert "either." in said and "gone" in said.split("either.", 1)[1]


def test_a_union_keeps_the_fields_only_one_branch_has() -> None:
    """`_B` reports `a` as unknown: it is `_A`'s own field, and stays."""
    assert parse(_Root, {**ROOT, "either": {"a": 1, "gone": 2}}, stored=True).either == _A(a=1)
    assert parse(_Root, {**ROOT, "either": {"b": 2, "gone": 2}}, stored=True).either == _B(b=2)


def test_a_stored_payload_that_is_wrong_otherwise_is_still_refused() -> None:
    """Dropping unknown keys never turns a bad payload into another branch's."""
    with pytest.raises(InvalidCommand) as info:
        parse(_Root, {**ROOT, "either": {"a": "x", "gone": 2}}, stored=True)
    assert info.value.field.startswith("either")
    with pytest.raises(InvalidCommand) as info:
        parse(_Root, {**OLD_ROOT, "name": None}, stored=True)
    assert info.value.field == "name"


def test_a_map_is_not_pruned() -> None:
    """A dict field's keys are data, not fields: none is dropped."""
    raw = {**ROOT, "branch": {**ROOT["branch"], "notes": {"k": "v", "gone": "w"}}}
    assert parse(_Root, raw, stored=True).branch.notes == {"k": "v", "gone": "w"}


def test_real_commands_and_models_ignore_removed_fields_when_stored() -> None:
    note = {"by": "officer-1", "text": "called", "removed_in_2027": True}
    assert parse(AddJournalNote, note, stored=True) == parse(
        AddJournalNote, {"by": "officer-1", "text": "called"}
    )
    with pytest.raises(InvalidCommand) as info:
        parse(AddJournalNote, note)
    assert info.value.field == "removed_in_2027"
    referral = {
        "reference": "IPR-1",
        "referrer": {"name": "A", "role": "B", "email": "a@b", "gone": 1},  # a BaseModel
        "received_on": "2026-06-01",
        "customer": {"full_name": "C", "gone": 2},
        "summary": "s",
        "service_lines": ["UC"],
    }
    parsed = parse(Referral, referral, stored=True)
    assert parsed.referrer.email == "a@b" and parsed.customer.full_name == "C"
    with pytest.raises(InvalidCommand) as info:
        parse(Referral, referral)
    assert "referrer.gone: " in str(info.value) and "customer.gone: " in str(info.value)


# --- versions and upcasters ------------------------------------------------------------


@dataclass(frozen=True, config=STRICT)
class _State:
    arrears: Decimal


@dataclass(frozen=True, config=STRICT)
class _Carried:
    """v1 called the state's `arrears` `balance`; v2 renamed it and the top-level
    `ref` became `tenancy_ref`."""

    tenancy_ref: str
    carried: _State | None = None
    schema_version: int = 2


@upcaster(_Carried, 1)
def _renamed(raw: dict[str, Any]) -> dict[str, Any]:
    raw["tenancy_ref"] = raw.pop("ref")
    if isinstance(raw.get("carried"), dict):
        raw["carried"] = {**raw["carried"]}
        raw["carried"]["arrears"] = raw["carried"].pop("balance")
    return raw


@dataclass(frozen=True, config=STRICT)
class _Unstepped:
    schema_version: int = 3


@upcaster(_Unstepped, 1)
def _one(raw: dict[str, Any]) -> dict[str, Any]:
    return raw


def test_a_renamed_field_is_carried_over_by_its_upcaster() -> None:
    v1 = {"ref": "HA-1", "carried": {"balance": "12.50"}}  # written before versions
    today = _Carried(tenancy_ref="HA-1", carried=_State(Decimal("12.50")))
    assert parse(_Carried, v1, stored=True) == today
    assert parse(_Carried, {**v1, "schema_version": 1}, stored=True) == today
    assert v1 == {"ref": "HA-1", "carried": {"balance": "12.50"}}  # the payload is not changed
    assert upcast(_Carried, v1)["schema_version"] == 2


def test_a_payload_of_todays_version_is_not_upcast() -> None:
    raw = {"tenancy_ref": "HA-1", "schema_version": 2}
    assert upcast(_Carried, raw) is raw
    assert parse(_Carried, raw, stored=True) == _Carried(tenancy_ref="HA-1")


def test_an_upcast_payload_may_also_hold_removed_fields() -> None:
    v1 = {"ref": "HA-1", "carried": {"balance": "1", "gone": 1}, "gone": 2}
    assert parse(_Carried, v1, stored=True).carried == _State(Decimal("1"))


def test_whatever_today_builds_carries_todays_version() -> None:
    assert _Carried(tenancy_ref="HA-1").schema_version == 2
    assert CaseInput.__dataclass_fields__["schema_version"].default == current_version(CaseInput)


def test_a_payload_from_a_newer_release_is_never_guessed_at() -> None:
    """Stored (a deploy rolled back): UnknownVersion, which fails the workflow task to
    be retried, not a refusal a workflow would turn into a failed run. At an edge: a
    refusal naming the field."""
    raw = {"tenancy_ref": "HA-1", "schema_version": 3}
    with pytest.raises(UnknownVersion, match="newer release"):
        parse(_Carried, raw, stored=True)
    with pytest.raises(InvalidCommand) as info:
        parse(_Carried, raw)
    assert info.value.field == "schema_version"


def test_a_bump_without_its_upcaster_is_found() -> None:
    assert missing_steps(_Unstepped) == [2]
    with pytest.raises(UnknownVersion, match="no upcaster for _Unstepped from v2"):
        parse(_Unstepped, {}, stored=True)


def test_an_upcaster_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already has an upcaster"):
        upcaster(_Carried, 1)(_renamed)


@pytest.mark.parametrize(
    "kind", [CaseInput, IprInput, MigrationInput, ArrangementInput, ActivityInput]
)
def test_every_carried_input_is_versioned_with_every_step(kind: type) -> None:
    assert current_version(kind) is not None
    assert missing_steps(kind) == []
