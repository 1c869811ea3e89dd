"""`starter.py kpis`: the KPI board report from the SQL read model (docs/kpis.md).

    python starter.py kpis [--from 2026-04-01] [--to 2027-03-31] [--json] [--html FILE]

Needs no Temporal server: reads DATABASE_URL like `ipr-publication`. The figures are
computed in SQL (activities/reporting/kpis.py); `--html` writes one self-contained
file with the charts (backoffice/board_report.py, which alone imports matplotlib).
"""

import argparse
import json
from datetime import date, datetime
from pathlib import Path

from activities.reporting.kpis import KPIs, kpis
from activities.reporting.tables import ReportUcMove
from backoffice.inputs import BadInput
from backoffice.read_model import read_model_engine
from backoffice.render import out, pounds, table
from domain.dates import business_date
from infra.config import Settings


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def period(start: str | None, end: str | None, today: date) -> tuple[date | None, date]:
    """The period asked for; BadInput naming the option when it is not a period."""
    first, last = _day(start, "--from"), _day(end, "--to") or today
    if first is not None and first > last:
        raise BadInput(f"--from: {first} is after --to ({last}): the period would be empty")
    return first, last


def read_kpis(database_url: str, start: date | None, end: date) -> KPIs:
    engine = read_model_engine(database_url, ReportUcMove.__tablename__, "no reporting read model")
    try:
        return kpis(engine, start, end)
    finally:
        engine.dispose()


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_table(figures: KPIs) -> None:
    a, m, d = figures.arrears, figures.migration, figures.dhp
    rows = [
        ["Residents on UC", str(figures.residents_on_uc)],
        ["Arrears change since moving to UC (total)", pounds(a["change_total"])],
        [
            "Arrears change since moving to UC (per resident)",
            pounds(a["change_per_resident"], "-"),
        ],
    ]
    for x in figures.arrangements:
        name = x.kind.upper()
        rows += [
            [
                f"{name}: requested / decided / granted",
                f"{x.requested} / {x.decided} / {x.granted}",
            ],
            [f"{name}: granted of requested", _rate(x.granted_of_requested)],
            [f"{name}: granted of decided", _rate(x.granted_of_decided)],
            [
                f"{name}: median days to a decision",
                "-" if x.median_days_to_decision is None else f"{x.median_days_to_decision:g}",
            ],
        ]
    rows += [
        ["Migration notices received", str(m["notices"])],
        ["Claims by the deadline day", str(m["claimed_by_deadline"])],
        ["Claims by the final deadline", str(m["claimed_by_final_deadline"])],
        ["Lapsed (no claim by the final deadline)", str(m["lapsed"])],
        ["Managed migration completion", _rate(m["completion_rate"])],
        [
            "Transitional protection kept",
            f"{m['protection_kept']} ({_rate(m['protection_kept_rate'])})",
        ],
        ["DHP applications", str(d["applications"])],
        ["DHP awarded / refused", f"{d['by_status']['awarded']} / {d['by_status']['refused']}"],
        ["DHP monthly amounts awarded (total)", pounds(d["monthly_amount_awarded_total"])],
    ]
    table(["figure", "value"], rows)


async def run_kpis(args: argparse.Namespace) -> int:
    """`starter.py kpis`: reads the SQL read model only, no Temporal server."""
    start, end = period(args.start, args.end, business_date(datetime.now().astimezone()))
    figures = read_kpis(Settings().database_url, start, end)
    if args.html:
        from backoffice.board_report import write_report

        path = write_report(figures, Path(args.html))
        if not args.json:
            out.print(str(path), highlight=False, markup=False)
    if args.json:
        print(json.dumps(figures.to_json(), default=str, indent=2))
    elif not args.html:
        print_table(figures)
    return 0
