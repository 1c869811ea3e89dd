"""starter.py's privacy commands: the key ring, operator tokens for the codec
server, erasure and the retention sweep (docs/privacy.md)."""

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from infra import keys
from infra.config import Settings

# What the commands need is imported when they run: `starter.py --help` builds their
# parsers and nothing else.
COMMANDS = ("keys", "codec-token", "erase")


class PrivacyBadInput(Exception):
    """Bad input for a privacy command; starter.py exits 2 with the message."""


def _checked(option: str, value: str, kind: Any) -> str:
    """An argument that is audited or names a subject, within its rules (who: one line
    of at most 64 characters, as the audit column holds; why: text without control
    characters; a reference: the workflow id's rules)."""
    from pydantic import TypeAdapter, ValidationError

    try:
        checked: str = TypeAdapter(kind).validate_python(value)
    except ValidationError as error:
        raise PrivacyBadInput(f"{option}: {error.errors()[0]['msg']}") from None
    return checked


def add_parsers(sub: Any) -> None:
    k = sub.add_parser("keys", help="create the key ring, or rotate a domain's key")
    k.add_argument("action", choices=("init", "rotate", "show"))
    k.add_argument("--domain", choices=keys.DOMAINS, help="the domain to rotate")
    t = sub.add_parser("codec-token", help="issue an operator's token for the codec server")
    t.add_argument("--operator", required=True, help="who decodes (recorded in the audit)")
    t.add_argument(
        "--domain",
        action="append",
        choices=("uc", "ipr", "ops"),
        required=True,
        help="what the token may decode: uc (UC cases), ipr (IPRs) or ops (the scheduled "
        "runs, which hold no personal data); repeat for several",
    )
    t.add_argument("--hours", type=float, default=8.0, help="lifetime (default 8)")
    e = sub.add_parser(
        "erase",
        help="erase a subject's personal data (destroys its key), or list/apply what is due",
    )
    e.add_argument("kind", nargs="?", choices=("case", "ipr"), help="case (tenancy) or ipr")
    e.add_argument("ref", nargs="?", help="tenancy reference or IPR reference")
    e.add_argument("--reason", help="why (recorded in the audit)")
    e.add_argument("--by", help="who erases (staff id, recorded in the audit)")
    e.add_argument("--due", action="store_true", help="list what retention makes due")
    e.add_argument("--apply", action="store_true", help="with --due: erase what is due")
    e.add_argument("--json", action="store_true", help="print JSON")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.cmd == "keys":
        return _keys(args, settings)
    if args.cmd == "codec-token":
        from domain.values import Actor
        from infra import tokens

        domains = sorted(set(args.domain))
        _checked("--operator", args.operator, Actor)
        if not 0 < args.hours <= 24 * 31:
            raise PrivacyBadInput("--hours: a token lives more than 0 and at most 744 hours")
        try:
            token = tokens.issue(keys.load(settings.data_dir), args.operator, domains, args.hours)
        except tokens.TokenError as error:
            raise PrivacyBadInput(str(error)) from None
        print(token)
        return 0
    return await _erase(args, settings)


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from backoffice.render import out

    path = keys.default_key_file(settings.data_dir)
    if args.action == "init":
        created = keys.ensure(path)
        out.print(f"{path} {'created (mode 0600)' if created else 'already exists: kept'}")
        return 0
    ring = keys.load(settings.data_dir)
    if args.action == "rotate":
        if args.domain is None:
            raise PrivacyBadInput("--domain: rotate takes the domain whose key to rotate")
        ring = keys.rotate(ring, args.domain)
        keys.save(ring, path)
        out.print(f"{args.domain}: {ring.newest(args.domain).key_id} now wraps new data keys")
        return 0
    for key in ring.keys:  # ids and dates only, never key material
        mark = "\tnewest" if key == ring.newest(key.domain) else ""
        out.print(f"{key.domain}\t{key.key_id}\t{key.created}{mark}", highlight=False)
    return 0


async def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from activities.db import make_engine
    from backoffice import erasure
    from backoffice.render import err, out
    from domain.case.model import TenancyRef
    from domain.ipr.model import Reference
    from domain.values import Actor, Text
    from infra.config import connect
    from workflows.ids import Subject

    if args.due:
        if args.kind or args.ref:
            raise PrivacyBadInput("erase --due takes no case or reference")
        engine = make_engine(settings.database_url)
        today = datetime.now(UTC).date()
        if not args.apply:
            _print_due(erasure.due_for_erasure(engine, today, settings.retention_years), args.json)
            return 0
        client = await connect()
        swept = await erasure.sweep(
            client,
            engine,
            settings.key_store(),
            today,
            settings.retention_years,
            files=settings.data_dir,
        )
        for refusal in swept.refused:
            err.print(
                f"{refusal.due.domain} {refusal.due.subject}: {refusal.why}",
                highlight=False,
                markup=False,
            )
        out.print(f"erased {len(swept.erased)} of {len(swept.due)} due", highlight=False)
        return 0 if not swept.refused else 1
    if not args.kind or not args.ref:
        raise PrivacyBadInput("erase: give `case TENANCY_REF` or `ipr REFERENCE`, or --due")
    if not args.reason or not args.reason.strip():
        raise PrivacyBadInput("--reason: say why the data is erased (it is audited)")
    if not args.by or not args.by.strip():
        raise PrivacyBadInput("--by: say who erases (it is audited)")
    _checked("--by", args.by.strip(), Actor)
    _checked("--reason", args.reason.strip(), Text)
    _checked("ref", args.ref, TenancyRef if args.kind == "case" else Reference)
    domain = "uc" if args.kind == "case" else "ipr"
    engine = make_engine(settings.database_url)
    client = await connect()
    try:
        result = await erasure.erase(
            client,
            engine,
            settings.key_store(),
            Subject(domain, args.ref),
            by=args.by.strip(),
            reason=args.reason.strip(),
            files=settings.data_dir,
        )
    except erasure.ErasureRefused as error:
        err.print(f"[red]refused[/red]: {error}", highlight=False)
        return 1
    out.print(
        f"erased {args.kind} {args.ref}: {result.keys_destroyed} key(s) destroyed, "
        f"{result.rows_scrubbed} read-model row(s) scrubbed, "
        f"{result.files_removed} file(s) removed",
        highlight=False,
    )
    return 0


def _print_due(due: list[Any], as_json: bool) -> None:
    from backoffice.render import out

    if as_json:
        print(
            json.dumps(
                [
                    {
                        "domain": d.domain,
                        "subject": d.subject,
                        "closed_on": str(d.closed_on),
                        "due_on": str(d.due_on),
                    }
                    for d in due
                ]
            )
        )
        return
    for d in due:
        out.print(f"{d.domain}\t{d.subject}\tclosed {d.closed_on}\tdue {d.due_on}", highlight=False)
    out.print(f"{len(due)} due for erasure", highlight=False)
