"""Turning plain JSON into commands, with refusals that name the field and the rule."""

import copy
from datetime import date
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.errors import DomainError
from domain.upcast import UnknownVersion, upcast


class InvalidCommand(DomainError):
    """A payload that does not fit its command's shape."""


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


# The errors pydantic gives a key the model does not have: a dataclass's, a model's.
_UNKNOWN_KEY = frozenset({"unexpected_keyword_argument", "extra_forbidden"})
# Unknown keys are all reported in one pass; more rounds are a safety margin, not a loop.
_ROUNDS = 3

Loc = tuple[int | str, ...]


def _validate(kind: type, raw: Any, context: dict[str, Any], *, stored: bool) -> Any:
    """`raw` as a `kind`. Stored: keys today's model no longer has are ignored, at any
    depth. Every model is declared `extra="forbid"` (edges refuse an unknown key), and
    pydantic-core reuses each class's own validator inside any other, so no second
    "ignore" config reaches nested types; instead the keys pydantic reports as unknown
    are dropped from the payload where it says, and the payload is validated again.
    Anything else wrong is reported as at an edge."""
    adapter = _adapter(kind)
    for _ in range(_ROUNDS):
        try:
            return adapter.validate_python(raw, context=context)
        except ValidationError as error:
            if not stored:
                raise
            unknown = _unknown_keys(raw, error.errors())
            if not unknown:
                raise
            raw = _without(raw, unknown)
    return adapter.validate_python(raw, context=context)


def _locate(raw: Any, loc: Loc) -> tuple[Loc, list[tuple[Loc, int | str]], bool]:
    """Where `loc` leads in the JSON `raw`: the path that exists, the union branch
    labels stepped over on the way (a part of a loc that is no key: pydantic names the
    branch of a union it tried, such as `Uc47Data`) with the place of each, and whether
    the whole loc was followed (two parts in a row that are not in the payload: the
    error is about something absent, such as a missing field)."""
    node, path, stepped = raw, Loc(), False
    labels: list[tuple[Loc, int | str]] = []
    for part in loc:
        found = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if found:
            node, path, stepped = node[part], (*path, part), False
        elif not stepped:
            labels.append((path, part))
            stepped = True
        else:
            return path, labels, False
    return path, labels, True


def _unknown_keys(raw: Any, errors: list[Any]) -> set[tuple[Loc, str]]:
    """The (object's path, key) pairs to drop: the keys pydantic reports as unknown.
    Inside a union every branch tried reports on the payload, and one branch's
    unknown key may be another's own field; so at each union the one branch whose only
    complaints are unknown keys is taken (the one with fewest, if more), and only its
    keys go. No such branch (a branch is wrong otherwise too; a union inside a union's
    branch): nothing under that union is dropped, and the payload is refused."""
    clean: dict[tuple[Loc, int | str], bool] = {}
    counts: dict[tuple[Loc, int | str], int] = {}
    candidates: list[tuple[tuple[Loc, str], list[tuple[Loc, int | str]]]] = []
    for e in errors:
        loc = tuple(e["loc"])
        unknown = e["type"] in _UNKNOWN_KEY and bool(loc) and isinstance(loc[-1], str)
        path, labels, followed = _locate(raw, loc[:-1] if unknown else loc)
        droppable = unknown and followed
        for branch in labels:
            clean[branch] = clean.get(branch, True) and droppable
            counts[branch] = counts.get(branch, 0) + 1
        if droppable:
            candidates.append(((path, str(loc[-1])), labels))
    taken: dict[Loc, int | str] = {}
    for (place, label), only_unknown in clean.items():
        best = taken.get(place)
        if only_unknown and (best is None or counts[(place, label)] < counts[(place, best)]):
            taken[place] = label
    return {key for key, labels in candidates if all(taken.get(p) == b for p, b in labels)}


def _without(raw: Any, keys: set[tuple[Loc, str]]) -> Any:
    """A copy of the JSON `raw` without `keys` (each an object's path and a key)."""
    copied = copy.deepcopy(raw)
    for path, key in keys:
        node = copied
        for part in path:
            node = node[part]
        node.pop(key, None)
    return copied


def problems(error: ValidationError) -> list[tuple[str, str]]:
    return [(_path(e["loc"]), e["msg"]) for e in error.errors()]


def _path(loc: tuple[int | str, ...]) -> str:
    """A field's dotted path; a part that is not printable (a bad dict key) is escaped,
    so a refusal never carries a control character itself."""
    parts = [p if str(p).isprintable() else str(p).encode("unicode_escape").decode() for p in loc]
    return ".".join(map(str, parts)) or "(whole value)"


def parse(kind: type, raw: Any, *, today: date | None = None, stored: bool = False) -> Any:
    """`raw` (JSON-shaped, or already a `kind`) as a `kind`, or InvalidCommand.

    `today`: also check the limits relative to today (clients; domain/values.py).
    `stored`: a payload accepted earlier, read back from history or carried state: the
    bounds of domain/values.py are not applied again, and keys today's model no longer
    has are ignored at any depth (edges, `stored=False`, still refuse them).

    A versioned `kind` (a `schema_version` field: the workflow inputs) is first
    brought up to today's shape by its upcasters (domain/upcast.py), stored or not: a
    first run's input is read back from history too. A payload from a newer release:
    stored, UnknownVersion (a deploy rolled back: the workflow task fails and is retried
    until a worker that knows the version takes it); at an edge, InvalidCommand."""
    if isinstance(raw, kind):
        return raw
    try:
        raw = upcast(kind, raw)
    except UnknownVersion as error:
        if stored:
            raise
        raise InvalidCommand(error.field, error.rule) from None
    context = {"today": today, "stored": stored}
    try:
        return _validate(kind, raw, context, stored=stored)
    except ValidationError as error:
        found = problems(error)
        field = found[0][0]
        rule = "; ".join(msg if loc == field else f"{loc}: {msg}" for loc, msg in found)
        raise InvalidCommand(field, rule) from None
