"""`starter.py tasks`, `work-available` and `reporting rebuild`: the reporting read
model (activities/reporting, docs/reporting.md), read from DATABASE_URL. Local: no
Temporal server.

    starter.py tasks [--team T] [--overdue] [--due-before D] [--json]
    starter.py work-available [--date D] [--team T] [--refresh] [--json | --csv]
    starter.py reporting rebuild [--case CASE_ID]

Printed as a table on a terminal, as tab-separated lines (never cut) when piped; `--json`
and `--csv` are the stable shapes docs/reporting.md describes."""

import argparse
import csv
import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from backoffice.inputs import BadInput
from backoffice.read_model import must_exist, read_model_engine
from backoffice.render import out, table
from domain import teams
from domain.dates import UK, business_date, start_of_day
from infra.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

ITEM_FIELDS = (
    "team",
    "ref_kind",
    "ref",
    "tenancy_ref",
    "item",
    "what",
    "why",
    "due_on",
    "due_at",
    "overdue",
    "escalated",
)
TASK_FIELDS = (
    "team",
    "case_id",
    "tenancy_ref",
    "task_id",
    "kind",
    "owner",
    "subject",
    "why",
    "due_at",
    "due_on",
    "opened_at",
    "escalated_at",
    "overdue",
)


def add_parsers(sub: Any) -> None:
    team_help = f"one of {', '.join(teams.TEAMS)}"
    t = sub.add_parser("tasks", help="open tasks across all cases (a team's inbox)")
    t.add_argument("--team", help=team_help)
    t.add_argument("--overdue", action="store_true", help="only tasks past their due time")
    t.add_argument("--due-before", help="only tasks due before this UK date (YYYY-MM-DD)")
    t.add_argument("--json", action="store_true", help="JSON (docs/reporting.md)")
    w = sub.add_parser("work-available", help="the day's Work Available Report, by team")
    w.add_argument("--date", help="the UK date (YYYY-MM-DD; default today)")
    w.add_argument("--team", help=team_help)
    w.add_argument(
        "--refresh", action="store_true", help="rebuild the day's report from the read model"
    )
    form = w.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="JSON (docs/reporting.md)")
    form.add_argument("--csv", action="store_true", help="CSV, one line per item")
    r = sub.add_parser("reporting", help="the reporting read model")
    rs = r.add_subparsers(dest="reporting_cmd", required=True)
    rb = rs.add_parser(
        "rebuild",
        help="migrate the database and refill the reporting tables from stored case events",
    )
    rb.add_argument("--case", action="append", help="only this case id (repeatable)")


# --- commands --------------------------------------------------------------------------


async def run_tasks(args: argparse.Namespace) -> int:
    team = _team(args.team)
    before = _date("--due-before", args.due_before)
    engine = _engine()
    try:
        tasks = open_tasks(engine, team, args.overdue, before, datetime.now(UTC))
    finally:
        engine.dispose()
    if args.json:
        _json({"count": len(tasks), "tasks": tasks})
        return 0
    headers = ("team", "tenancy", "task", "kind", "due", "why", "escalated")
    _print_table(
        headers,
        [
            (
                t["team"],
                t["tenancy_ref"] or t["case_id"],
                t["task_id"],
                t["kind"],
                _when(t["due_at"]) + (" (overdue)" if t["overdue"] else ""),
                t["why"],
                _when(t["escalated_at"]) if t["escalated_at"] else "",
            )
            for t in tasks
        ],
        empty="no open tasks" + (f" for {team}" if team else ""),
    )
    return 0


async def run_work_available(args: argparse.Namespace) -> int:
    team = _team(args.team)
    day = _date("--date", args.date) or business_date(datetime.now(UTC))
    engine = _engine()
    try:
        report = work_available(engine, day, team, args.refresh, Settings().work_available_days)
    finally:
        engine.dispose()
    if args.json:
        _json(report)
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=("day", *ITEM_FIELDS), lineterminator="\n")
        writer.writeheader()
        for item in report["items"]:
            writer.writerow({"day": report["day"], **item})
    else:
        counts = ", ".join(f"{k} {v}" for k, v in report["by_team"].items() if v)
        out.print(
            f"Work Available Report {report['day']} (deadlines to {report['until']}; built "
            f"{_when(report['built_at'])}): {report['total']} item(s)"
            + (f": {counts}" if counts else ""),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        _print_table(
            ("team", "case / IPR", "what", "due", "why", "flags"),
            [
                (
                    i["team"],
                    i["tenancy_ref"] or i["ref"],
                    i["what"],
                    _when(i["due_at"]) if i["due_at"] else i["due_on"],
                    i["why"],
                    " ".join(
                        f
                        for f, on in (("overdue", i["overdue"]), ("escalated", i["escalated"]))
                        if on
                    ),
                )
                for i in report["items"]
            ],
            empty="nothing needs action" + (f" for {team}" if team else ""),
        )
    return 0


async def run_reporting(args: argparse.Namespace) -> int:
    from activities.db import make_engine, migrate
    from activities.reporting.events import rebuild

    url = Settings().database_url
    must_exist(url)
    migrate(url)
    engine = make_engine(url)
    try:
        cases = rebuild(engine, args.case)
    finally:
        engine.dispose()
    out.print(f"reporting tables rebuilt for {cases} case(s)", highlight=False, markup=False)
    return 0


# --- queries ---------------------------------------------------------------------------


def open_tasks(
    engine: "Engine", team: str | None, overdue: bool, before: date | None, now: datetime
) -> list[dict[str, Any]]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from activities.db import CaseRecord
    from activities.reporting.tables import ReportTask as T

    query = (
        select(T, CaseRecord.tenancy_ref)
        .outerjoin(CaseRecord, CaseRecord.case_id == T.case_id)
        .where(T.status == "open")
        .order_by(T.due_at, T.case_id, T.task_id)
    )
    if team:
        query = query.where(T.team == team)
    if overdue:
        query = query.where(T.due_at < now)
    if before:
        query = query.where(T.due_at < start_of_day(before))
    with Session(engine) as session:
        rows = session.execute(query).all()
    return [
        {
            "team": t.team,
            "case_id": t.case_id,
            "tenancy_ref": ref,
            "task_id": t.task_id,
            "kind": t.kind,
            "owner": t.owner,
            "subject": t.subject,
            "why": t.why,
            "due_at": _iso(t.due_at),
            "due_on": business_date(_utc(t.due_at)).isoformat(),
            "opened_at": _iso(t.opened_at),
            "escalated_at": _iso(t.escalated_at),
            "overdue": _utc(t.due_at) < now,
        }
        for t, ref in rows
    ]


def work_available(
    engine: "Engine", day: date, team: str | None, refresh: bool, horizon_days: int
) -> dict[str, Any]:
    """The day's stored report (built and stored first if the day has none, or on
    `refresh`), as the `--json` shape."""
    from datetime import timedelta

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from activities.db import CaseRecord
    from activities.reporting.tables import WorkAvailableItem as W
    from activities.reporting.tables import WorkAvailableRun
    from activities.reporting.work_available import store

    with Session(engine) as session:
        run = session.get(WorkAvailableRun, day)
    if run is None or refresh:
        store(engine, day, horizon_days)
    with Session(engine) as session:
        run = session.get(WorkAvailableRun, day)
        assert run is not None
        query = (
            select(W, CaseRecord.tenancy_ref)
            .outerjoin(CaseRecord, CaseRecord.case_id == W.ref)
            .where(W.day == day)
            .order_by(W.due_on, W.ref, W.item)
        )
        if team:
            query = query.where(W.team == team)
        rows = session.execute(query).all()
        built_at, horizon = run.built_at, run.horizon_days
    order = {t: n for n, t in enumerate(teams.TEAMS)}
    items: list[dict[str, Any]] = sorted(
        (
            {
                "team": w.team,
                "ref_kind": w.ref_kind,
                "ref": w.ref,
                "tenancy_ref": ref,
                "item": w.item,
                "what": w.what,
                "why": w.why,
                "due_on": w.due_on.isoformat(),
                "due_at": _iso(w.due_at),
                "overdue": w.overdue,
                "escalated": w.escalated,
            }
            for w, ref in rows
        ),
        key=lambda i: (order.get(str(i["team"]), len(order)), str(i["due_on"])),
    )
    by_team = {t: 0 for t in teams.TEAMS if team in (None, t)}
    for item in items:
        by_team[item["team"]] = by_team.get(item["team"], 0) + 1
    return {
        "day": day.isoformat(),
        "until": (day + timedelta(days=horizon)).isoformat(),
        "horizon_days": horizon,
        "built_at": _iso(built_at),
        "team": team,
        "total": len(items),
        "by_team": by_team,
        "items": items,
    }


# --- input and output ------------------------------------------------------------------


def _engine() -> "Engine":
    return read_model_engine(
        Settings().database_url,
        "work_available_runs",
        "no reporting tables yet",
        "run `starter.py reporting rebuild` (it migrates the database and fills them "
        "from the stored case events)",
    )


def _team(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return teams.check_team(raw)
    except ValueError as error:
        raise BadInput(f"--{error}") from None


def _date(flag: str, raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{flag}: must be a date YYYY-MM-DD, not {raw!r}") from None


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for what was stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else _utc(value).isoformat()


def _when(iso: str | None) -> str:
    """A UTC instant as UK local time, e.g. "Tue 8 Dec 2026 14:00"."""
    if not iso:
        return ""
    local = datetime.fromisoformat(iso).astimezone(UK)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def _json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def _print_table(headers: tuple[str, ...], rows: list[tuple[Any, ...]], empty: str) -> None:
    if not rows:
        out.print(empty, highlight=False, markup=False)
        return
    # A table at a terminal, tab-separated lines when piped: never cut (render.table).
    table(list(headers), [[str(x) for x in row] for row in rows])
