"""Reading starter.py's input: JSON from a file, stdin or inline; payloads checked
as the server would check them; command-line arguments checked before they name a
workflow; relative dates in samples. Bad input raises BadInput (exit 2)."""

import argparse
import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any


class BadInput(Exception):
    """Input that breaks a rule; the message names where, the field and the rule."""


def parse(kind: type, raw: Any, where: str, today: date | None = None) -> Any:
    """`raw` as a `kind`, checked as the server would and against today's date
    (domain/values.py; `today` for samples resolved against another day), and small
    enough to send; or BadInput naming the field."""
    from domain.bounds import MAX_PAYLOAD_BYTES
    from domain.case.parsing import InvalidCommand
    from domain.case.parsing import parse as parse_payload
    from domain.dates import business_date

    if where.lstrip()[:1] in ("{", "["):
        where = "inline JSON"  # never echo the payload: it may hold personal data
    size = len(json.dumps(raw, default=str).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise BadInput(
            f"{where}: {size:,} bytes; one payload is at most {MAX_PAYLOAD_BYTES:,} bytes "
            f"({MAX_PAYLOAD_BYTES // 1024} KB); nothing was sent"
        )
    try:
        return parse_payload(kind, raw, today=today or business_date(datetime.now(UTC)))
    except InvalidCommand as error:
        raise BadInput(f"{where}: {error}") from None


def check_argument(name: str, value: Any, kind: Any) -> Any:
    """A command-line argument (a reference, a request id, a query) as `kind`, or
    BadInput naming the argument and the rule, before it names a workflow or is sent."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as error:
        raise BadInput(f"{name}: {error.errors()[0]['msg']}") from None


def check_arguments(args: argparse.Namespace) -> None:
    """Every argument that names a workflow or reaches the server, checked locally."""
    if getattr(args, "ref", None) is not None and args.cmd in ("send", "show", "form"):
        from domain.case.model import TenancyRef

        check_argument("ref", args.ref, TenancyRef)
    if getattr(args, "reference", None) is not None:
        from domain.ipr.model import Reference as IprReference

        check_argument("reference", args.reference, IprReference)
    if getattr(args, "request_id", None) is not None:
        from domain.values import Label

        check_argument("--request-id", args.request_id, Label)
    if args.cmd == "list" and args.query is not None:
        from typing import Annotated

        from pydantic import Field

        from domain.values import ONE_LINE

        check_argument("--query", args.query, Annotated[str, Field(max_length=1000), ONE_LINE])
    if args.cmd == "form":
        if args.number < 1:
            raise BadInput("number: arrangements are numbered from 1 (see `show`)")
        if args.out and not Path(args.out).resolve().parent.is_dir():
            raise BadInput(f"--out: the folder {Path(args.out).parent} does not exist")


def read_json(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else None
    inline = source.lstrip()[:1] in ("{", "[")
    where = "inline JSON" if inline else source  # inline JSON may hold personal data
    if text is None:
        text = source if inline else _file_text(source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"{where}: not valid JSON: {error.msg} at line {error.lineno}") from None


def _file_text(source: str) -> str:
    """A file's text; a name that is not a readable file is read as inline JSON."""
    try:
        return Path(source).read_text()
    except (OSError, UnicodeDecodeError):
        return source


_RELATIVE = re.compile(r"@(?:today([+-]\d+)|now([+-]\d+)([dh]))")


def _relative(text: str, now: datetime) -> str:
    match = _RELATIVE.fullmatch(text)
    if match is None:
        raise BadInput(f"{text!r}: must be @today+N, @today-N, @now+Nd or @now+Nh (N a number)")
    days, amount, unit = match.groups()
    if days is not None:
        return (now.astimezone(UTC).date() + timedelta(days=int(days))).isoformat()
    step = timedelta(days=1) if unit == "d" else timedelta(hours=1)
    at = now.astimezone(UTC).replace(microsecond=0) + int(amount) * step
    return at.isoformat().replace("+00:00", "Z")


def resolve_relative(value: Any, now: datetime) -> Any:
    """`value` with every "@today±N" string made a date and every "@now±Nd" or
    "@now±Nh" an aware UTC datetime, relative to the aware `now`; dicts and lists
    are walked, anything else is kept."""
    if isinstance(value, dict):
        return {key: resolve_relative(item, now) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_relative(item, now) for item in value]
    if isinstance(value, str) and value.startswith(("@today", "@now")):
        return _relative(value, now)
    return value


def sample_part(raw: Any, now: datetime, where: str) -> Any:
    """A part of a samples file with its relative dates resolved, or BadInput naming it."""
    try:
        return resolve_relative(raw, now)
    except BadInput as error:
        raise BadInput(f"{where}: {error}") from None


def one_of(option: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise BadInput(f"{option}: must be one of {', '.join(allowed)}; not {value!r}")
