"""The KPI board report's figures (docs/kpis.md), each computed by one SQL query over
the reporting tables (`activities/reporting/tables.py`): counts, sums, medians and
groupings happen in the database, and only the aggregates come back, so the time does
not grow with what Python would have to load (bench/kpis.py: 100,000 cases).

A period [`start`, `end`] (business dates, both included) selects the flows: the
migration notices issued, the payment arrangements requested and the DHP applications
started in it, and the decisions made in it for the success-rate chart. The stock
figures (residents on UC, the arrears change since the move) are as at `end`, using
each case's latest rent balance. Portable SQL: the same queries run on SQLite and
PostgreSQL."""

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Engine,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from activities.reporting.tables import (
    ReportArrangement,
    ReportMigration,
    ReportSustainment,
    ReportUcMove,
)

KINDS = ("apa", "mptl", "tpd")
# Months on UC grouped in the arrears trajectory: 0, 1, ... and a last "N or more".
TRAJECTORY_MONTHS = 24
PENCE = Decimal("0.01")


# --- portable SQL --------------------------------------------------------------------


class days_between(FunctionElement[int]):  # an SQL function, named like one
    """Whole days from the first date to the second (`later - earlier`)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_pg(element: Any, compiler: Any, **kw: Any) -> str:
    earlier, later = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between)
def _days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    earlier, later = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


def _month(day: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a date column (ISO text on both dialects)."""
    return func.substr(cast(day, String), 1, 7)


def _month_number(day: Any) -> ColumnElement[int]:
    """Months since year 0 of a date column or value: year * 12 + month."""
    text = cast(day, String)
    return cast(func.substr(text, 1, 4), Integer) * 12 + cast(func.substr(text, 6, 2), Integer)


def _in_period(column: Any, start: date | None, end: date) -> ColumnElement[bool]:
    return and_(column >= start, column <= end) if start is not None else column <= end


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(value: Any) -> str:
    return str(Decimal(str(value or 0)).quantize(PENCE, rounding=ROUND_HALF_UP))


# --- the figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class ArrangementFigures:
    kind: str
    requested: int
    decided: int  # granted or refused
    granted: int
    refused: int
    withdrawn: int
    granted_of_requested: float | None  # docs/rules.md#kpis wording: granted / requested
    granted_of_decided: float | None  # the wording: granted / decided
    median_days_to_decision: float | None


@dataclass(frozen=True)
class MonthRate:
    month: str  # YYYY-MM, the month DWP's decision was recorded
    kind: str
    decided: int
    granted: int
    granted_of_decided: float | None


@dataclass(frozen=True)
class TrajectoryPoint:
    months_on_uc: int  # the last point holds TRAJECTORY_MONTHS or more
    residents: int
    change_total: str
    change_per_resident: str


@dataclass(frozen=True)
class KPIs:
    period_from: date | None
    period_to: date
    residents_on_uc: int
    arrears: dict[str, Any]
    arrangements: list[ArrangementFigures]
    migration: dict[str, Any]
    dhp: dict[str, Any]
    success_by_month: list[MonthRate] = field(default_factory=list)
    arrears_trajectory: list[TrajectoryPoint] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["period_from"], data["period_to"]
        period = {
            "from": self.period_from.isoformat() if self.period_from else None,
            "to": self.period_to.isoformat(),
        }
        return {"period": period, **data}


def arrears_figures(engine: Engine, end: date) -> tuple[int, dict[str, Any], list[TrajectoryPoint]]:
    """Residents on UC by `end`; the change in their rent arrears since the move
    (latest balance minus the balance on the day they moved onto UC), in all and by
    whole calendar months on UC (capped at TRAJECTORY_MONTHS): the trajectory.

    One scan: the residents are grouped by the month they moved (one cheap expression
    a row), those groups into months on UC, and the totals are window sums over the
    groups, carried on every row."""
    m = ReportUcMove
    change = m.current_balance - m.balance_on_move
    month = _month(m.moved_on).label("month")
    by_month = (
        select(
            month,
            func.count().label("n"),
            func.count(m.balance_on_move).label("measured"),
            func.sum(change).label("change"),
            func.sum(case((change > 0, 1), else_=0)).label("up"),
            func.sum(case((change < 0, 1), else_=0)).label("down"),
        )
        .where(m.moved_on.is_not(None), m.moved_on <= end)
        .group_by(month)
        .subquery()
    )
    g = by_month.c
    months = _month_number(literal(end, Date)) - _month_number(g.month)
    bucket = case((months >= TRAJECTORY_MONTHS, TRAJECTORY_MONTHS), else_=months).label("b")
    query = (
        select(
            bucket,
            func.sum(g.measured),
            func.sum(g.change),
            *(func.sum(func.sum(x)).over() for x in (g.n, g.measured, g.change, g.up, g.down)),
        )
        .group_by(bucket)
        .order_by(bucket)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    residents, measured, total, up, down = rows[0][3:] if rows else (0, 0, 0, 0, 0)
    total = Decimal(str(total or 0))
    measured = int(measured or 0)
    trajectory = [
        TrajectoryPoint(int(b), int(n), _money(t), _money(Decimal(str(t or 0)) / n))
        for b, n, t, *_ in rows
        if n
    ]
    return (
        int(residents or 0),
        {
            "residents_measured": measured,
            "change_total": _money(total),
            "change_per_resident": _money(total / measured) if measured else None,
            "residents_arrears_up": int(up or 0),
            "residents_arrears_down": int(down or 0),
        },
        trajectory,
    )


def arrangement_figures(engine: Engine, start: date | None, end: date) -> list[ArrangementFigures]:
    """Per kind, the requests made in the period and what DWP decided on them; the
    median days from request to the decision being recorded, over those decided."""
    a = ReportArrangement
    period = _in_period(a.requested_on, start, end)
    decided = a.outcome.in_(("granted", "refused"))
    counts = (
        select(
            a.kind,
            func.count(),
            func.sum(case((decided, 1), else_=0)),
            func.sum(case((a.outcome == "granted", 1), else_=0)),
            func.sum(case((a.outcome == "refused", 1), else_=0)),
            func.sum(case((a.outcome == "withdrawn", 1), else_=0)),
        )
        .where(period)
        .group_by(a.kind)
    )
    # The median: the middle one (or the mean of the middle two) of each kind's days,
    # read off the distribution of days (a row per kind and number of days, with the
    # running count), so the database sorts a few hundred rows, not every request.
    days = days_between(a.requested_on, a.decided_on).label("days")
    spread = (
        select(a.kind.label("kind"), days, func.count().label("c"))
        .where(period, decided, a.decided_on.is_not(None))
        .group_by(a.kind, days)
        .subquery()
    )
    running = select(
        spread.c.kind,
        spread.c.days,
        # Cast: PostgreSQL sums a count as numeric, where // would not be whole.
        cast(
            func.sum(spread.c.c).over(partition_by=spread.c.kind, order_by=spread.c.days), Integer
        ).label("upto"),
        cast(func.sum(spread.c.c).over(partition_by=spread.c.kind), Integer).label("of"),
    ).subquery()
    low = func.min(case((running.c.upto >= (running.c.of + 1) // 2, running.c.days)))
    high = func.min(case((running.c.upto >= (running.c.of + 2) // 2, running.c.days)))
    middle = select(running.c.kind, cast(low + high, Numeric(12, 2)) / 2).group_by(running.c.kind)
    with engine.connect() as conn:
        by_kind = {row[0]: row[1:] for row in conn.execute(counts)}
        medians = {kind: value for kind, value in conn.execute(middle)}
    figures = []
    for kind in KINDS:
        requested, n_decided, granted, refused, withdrawn = (
            int(x or 0) for x in by_kind.get(kind, (0, 0, 0, 0, 0))
        )
        median = medians.get(kind)
        figures.append(
            ArrangementFigures(
                kind=kind,
                requested=requested,
                decided=n_decided,
                granted=granted,
                refused=refused,
                withdrawn=withdrawn,
                granted_of_requested=_rate(granted, requested),
                granted_of_decided=_rate(granted, n_decided),
                median_days_to_decision=None if median is None else float(median),
            )
        )
    return figures


def success_by_month(engine: Engine, start: date | None, end: date) -> list[MonthRate]:
    """Granted of decided, by kind and the month the decision was recorded in."""
    a = ReportArrangement
    month = _month(a.decided_on).label("month")
    query = (
        select(
            month,
            a.kind,
            func.count(),
            func.sum(case((a.outcome == "granted", 1), else_=0)),
        )
        .where(
            a.outcome.in_(("granted", "refused")),
            a.decided_on.is_not(None),
            _in_period(a.decided_on, start, end),
        )
        .group_by(month, a.kind)
        .order_by(month, a.kind)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [MonthRate(m, kind, n, int(g or 0), _rate(int(g or 0), n)) for m, kind, n, g in rows]


def migration_figures(engine: Engine, start: date | None, end: date) -> dict[str, Any]:
    """The managed migrations whose notice was issued in the period: the funnel from
    notice to claim, completion (claims by the deadline day / notices) and protection."""
    g = ReportMigration
    claimed = g.claim_on.is_not(None)
    by_deadline = and_(claimed, g.claim_on <= g.deadline_day)
    by_final = and_(claimed, g.claim_on <= g.final_deadline)
    # No claim by the final deadline, and the final deadline has passed (by `end`, or
    # the migration says so).
    lapsed = and_(~by_final, or_(g.status == "lapsed", g.final_deadline < end))
    query = select(
        func.count(),
        func.sum(case((by_deadline, 1), else_=0)),
        func.sum(case((by_final, 1), else_=0)),
        func.sum(case((lapsed, 1), else_=0)),
        *(func.sum(case((g.protection == p, 1), else_=0)) for p in PROTECTION),
    ).where(_in_period(g.notice_on, start, end))
    with engine.connect() as conn:
        notices, deadline, final, lapsed_n, *protection = (
            int(x or 0) for x in conn.execute(query).one()
        )
    by_status = dict(zip(PROTECTION, protection, strict=True))
    kept = by_status["active"] + by_status["suspended"]
    protected = kept + by_status["ended"]
    return {
        "notices": notices,
        "claimed_by_deadline": deadline,
        "claimed_by_final_deadline": final,
        "lapsed": lapsed_n,
        "open": notices - final - lapsed_n,
        "completion_rate": _rate(deadline, notices),
        "protection": by_status,
        "protection_kept": kept,
        "protection_kept_rate": _rate(kept, protected),
    }


PROTECTION = ("pending", "active", "suspended", "ended", "none")
DHP_STATUSES = ("requested", "in_progress", "awaiting_decision", "awarded", "refused", "declined")


def dhp_figures(engine: Engine, start: date | None, end: date) -> dict[str, Any]:
    """Discretionary Housing Payment applications started in the period: how many
    reached each status, the awards' monthly amounts and their length."""
    s = ReportSustainment
    awarded = s.status == "awarded"
    query = select(
        func.count(),
        *(func.sum(case((s.status == x, 1), else_=0)) for x in DHP_STATUSES),
        func.sum(case((awarded, s.amount), else_=None)),
        func.avg(case((awarded, s.amount), else_=None)),
        func.avg(
            case(
                (
                    and_(awarded, s.award_from.is_not(None), s.award_to.is_not(None)),
                    cast(days_between(s.award_from, s.award_to) + 1, Numeric(12, 2)),
                ),
                else_=None,
            )
        ),
    ).where(s.kind == "dhp", _in_period(s.started_on, start, end))
    with engine.connect() as conn:
        total, *rest = conn.execute(query).one()
    by_status = {x: int(n or 0) for x, n in zip(DHP_STATUSES, rest, strict=False)}
    monthly_total, monthly_mean, days = rest[len(DHP_STATUSES) :]
    decided = by_status["awarded"] + by_status["refused"]
    return {
        "applications": int(total or 0),
        "by_status": by_status,
        "awarded_of_decided": _rate(by_status["awarded"], decided),
        "monthly_amount_awarded_total": _money(monthly_total),
        "monthly_amount_awarded_mean": None if monthly_mean is None else _money(monthly_mean),
        "award_days_mean": None if days is None else round(float(days), 1),
    }


def kpis(engine: Engine, start: date | None, end: date) -> KPIs:
    """Every figure of the board report for the period [`start`, `end`]."""
    residents, arrears, trajectory = arrears_figures(engine, end)
    return KPIs(
        period_from=start,
        period_to=end,
        residents_on_uc=residents,
        arrears=arrears,
        arrangements=arrangement_figures(engine, start, end),
        migration=migration_figures(engine, start, end),
        dhp=dhp_figures(engine, start, end),
        success_by_month=success_by_month(engine, start, end),
        arrears_trajectory=trajectory,
    )
