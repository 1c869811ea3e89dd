"""Older shapes of a stored payload, brought up to today's before it is parsed.

A type that a workflow carries across continue-as-new (the workflow inputs in
workflows/contracts.py) declares its shape's version as the default of a
`schema_version` field: whatever today's code builds is stamped with today's version.
A payload written before versions existed has no `schema_version`: it is version 1.

Renaming or reshaping a field of such a type: bump the default, and register the step
from the old version, beside the type:

    @upcaster(CaseInput, 1)
    def _balance_renamed(raw: dict[str, Any]) -> dict[str, Any]:
        raw["arrears"] = raw.pop("balance", None)
        return raw

`upcast` applies every step from the payload's version to today's, on plain JSON,
before pydantic sees it (domain/case/parsing.py `parse`). A payload from a newer
release (a deploy rolled back) is refused, never guessed at: the workflow task fails
and is retried until a worker that knows the version takes it.

Adding a field with a default needs no step and no bump; nor does removing one from
what is read as stored (domain/case/parsing.py ignores keys today's model no longer
has). A first run's input is still read as at the edge (workflows/shell.py
`continued_run`): removing a field from anything a workflow's input holds at its first
run needs a bump and a step that drops the key. See docs/patches.md, "Changing a
payload's shape"."""

from collections.abc import Callable
from typing import Any

VERSION_FIELD = "schema_version"
# A payload with no version was written before versions existed.
FIRST_VERSION = 1

Raw = dict[str, Any]
Step = Callable[[Raw], Raw]

_STEPS: dict[tuple[type, int], Step] = {}


class UnknownVersion(Exception):
    """A payload whose version today's code cannot bring up to date. Not a DomainError
    on purpose: inside a workflow it is no refusal of the payload (a workflow catching
    DomainError would fail the run) but a worker too old for it, so it fails the
    workflow task, retried until a worker that knows the version takes it."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


def upcaster(kind: type, from_version: int) -> Callable[[Step], Step]:
    """Register `step` as turning a `kind` payload of `from_version` into the next."""

    def register(step: Step) -> Step:
        key = (kind, from_version)
        if key in _STEPS:
            raise ValueError(f"{kind.__name__} already has an upcaster from v{from_version}")
        _STEPS[key] = step
        return step

    return register


def current_version(kind: type) -> int | None:
    """Today's version of `kind` (its `schema_version` default), None if unversioned."""
    fields = getattr(kind, "__dataclass_fields__", None) or getattr(kind, "model_fields", {})
    found = fields.get(VERSION_FIELD)
    default = getattr(found, "default", None)
    return default if isinstance(default, int) else None


def missing_steps(kind: type) -> list[int]:
    """The versions below today's that have no step (each bump needs one)."""
    current = current_version(kind) or FIRST_VERSION
    return [v for v in range(FIRST_VERSION, current) if (kind, v) not in _STEPS]


def upcast(kind: type, raw: Any) -> Any:
    """`raw` in today's shape of `kind`; anything but a JSON object, or an unversioned
    `kind`, is returned as it is (pydantic then says what is wrong with it)."""
    current = current_version(kind)
    if current is None or not isinstance(raw, dict):
        return raw
    found = raw.get(VERSION_FIELD, FIRST_VERSION)
    if not isinstance(found, int) or isinstance(found, bool):
        return raw
    if found > current:
        raise UnknownVersion(
            VERSION_FIELD,
            f"written by a newer release (v{found}); this one knows {kind.__name__} "
            f"up to v{current}",
        )
    if found == current:
        return raw
    shaped = dict(raw)
    for version in range(found, current):
        step = _STEPS.get((kind, version))
        if step is None:
            raise UnknownVersion(VERSION_FIELD, f"no upcaster for {kind.__name__} from v{version}")
        shaped = step(shaped)
    return {**shaped, VERSION_FIELD: current}
