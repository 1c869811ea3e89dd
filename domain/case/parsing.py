"""Turning plain JSON into commands, with refusals that name the field and the rule."""

from datetime import date
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.errors import DomainError


class InvalidCommand(DomainError):
    """A payload that does not fit its command's shape."""


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


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
    bounds of domain/values.py are not applied again."""
    if isinstance(raw, kind):
        return raw
    context = {"today": today, "stored": stored}
    try:
        return _adapter(kind).validate_python(raw, context=context)
    except ValidationError as error:
        found = problems(error)
        field = found[0][0]
        rule = "; ".join(msg if loc == field else f"{loc}: {msg}" for loc, msg in found)
        raise InvalidCommand(field, rule) from None
