"""The KPI board report's queries at scale (issue 13, section 4): the time of every
figure of `starter.py kpis` over N cases' reporting rows, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.kpis [--cases 100000] [--rounds 5]

Seeds a fresh read model (migrated by Alembic, as the worker does) with N cases'
rows in the reporting tables: each case a move onto UC (80%, with a balance on the
move and now), an arrangement request (60%: APA, MPTL or TPD, most decided), a
managed migration (30%) and a DHP (20%), dated across two years, from a fixed seed.
Then times `activities.reporting.kpis.kpis` (all its queries, one connection each)
over the last 12 months, and prints min/median/max against the 0.5 s target. No
dev server here: the figures are SQL only. PostgreSQL is the throwaway cluster of
tests/postgres.py (or TEST_DATABASE_URL); without one, only SQLite is measured.
"""

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from activities.db import make_engine, migrate
from activities.reporting.kpis import kpis
from activities.reporting.tables import (
    ReportArrangement,
    ReportMigration,
    ReportSustainment,
    ReportUcMove,
)
from bench import common as b
from domain.migration.deadlines import final_deadline

TARGET = 0.5
END = date(2026, 11, 30)
START = END - timedelta(days=364)
CHUNK = 5000


def _rows(n: int, seed: int = 13) -> Iterator[tuple[str, dict[str, Any]]]:
    rnd = random.Random(seed)
    for i in range(n):
        case_id = f"uc-case-B-{i}/run-1"
        opened = END - timedelta(days=rnd.randrange(730))
        opening = Decimal(rnd.randrange(0, 300000)) / 100
        moved = opened - timedelta(days=rnd.randrange(-120, 240)) if rnd.random() < 0.8 else None
        current = opening + Decimal(rnd.randrange(-100000, 100000)) / 100
        yield (
            "uc",
            {
                "case_id": case_id,
                "moved_on": moved,
                "balance_on_move": opening if moved else None,
                "opening_balance": opening,
                "current_balance": current,
                "balance_on": opened,
                "seq": 5,
            },
        )
        if rnd.random() < 0.6:
            requested = opened + timedelta(days=rnd.randrange(60))
            decided = rnd.random() < 0.8
            outcome = rnd.choice(("granted", "granted", "refused")) if decided else None
            yield (
                "arr",
                {
                    "case_id": case_id,
                    "arrangement_id": f"uc-apa-B-{i}-1",
                    "kind": rnd.choice(("apa", "mptl", "tpd")),
                    "apa_type": None,
                    "requested_on": requested,
                    "submitted_on": requested,
                    "objection_until": None,
                    "status": outcome or "awaiting_outcome",
                    "active": outcome != "refused",
                    "outcome": outcome,
                    "decided_on": requested + timedelta(days=rnd.randrange(5, 90))
                    if decided
                    else None,
                    "start_date": None,
                    "deduction_rate": None,
                    "granted_rate": None,
                    "review_dates": [],
                    "ended_on": None,
                    "seq": 9,
                },
            )
        if rnd.random() < 0.3:
            notice = opened + timedelta(days=rnd.randrange(30))
            deadline = notice + timedelta(days=95)
            final = final_deadline(deadline)
            fate = rnd.random()
            claim = (
                notice + timedelta(days=rnd.randrange(90))
                if fate < 0.7
                else deadline + timedelta(days=10)
                if fate < 0.8
                else None
            )
            yield (
                "mig",
                {
                    "case_id": case_id,
                    "notice_on": notice,
                    "deadline_day": deadline,
                    "final_deadline": final,
                    "reissued": False,
                    "tax_credits": False,
                    "status": "claimed" if claim else "lapsed",
                    "protection": rnd.choice(("active", "active", "suspended", "ended"))
                    if claim
                    else "none",
                    "claim_on": claim,
                    "active": True,
                    "seq": 7,
                },
            )
        if rnd.random() < 0.2:
            started = opened + timedelta(days=rnd.randrange(60))
            awarded = rnd.random() < 0.6
            yield (
                "dhp",
                {
                    "case_id": case_id,
                    "action_id": "action-1",
                    "kind": "dhp",
                    "team": "welfare_benefits",
                    "status": "awarded" if awarded else "refused",
                    "started_on": started,
                    "applied_on": started,
                    "decided_on": started + timedelta(days=20),
                    "ended_on": started + timedelta(days=20),
                    "award_from": started + timedelta(days=30) if awarded else None,
                    "award_to": started + timedelta(days=210) if awarded else None,
                    "amount": Decimal(rnd.randrange(5000, 40000)) / 100 if awarded else None,
                    "seq": 11,
                },
            )


TABLES = {
    "uc": ReportUcMove.__table__,
    "arr": ReportArrangement.__table__,
    "mig": ReportMigration.__table__,
    "dhp": ReportSustainment.__table__,
}


def seed(engine: Engine, n: int) -> dict[str, int]:
    counts = dict.fromkeys(TABLES, 0)
    pending: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLES}
    with engine.begin() as conn:
        for table, row in _rows(n):
            pending[table].append(row)
            counts[table] += 1
            if len(pending[table]) >= CHUNK:
                conn.execute(insert(TABLES[table]), pending[table])
                pending[table] = []
        for table, rows in pending.items():
            if rows:
                conn.execute(insert(TABLES[table]), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return counts


def measure(name: str, url: str, cases: int, rounds: int) -> None:
    migrate(url)
    engine = make_engine(url)
    try:
        began = time.perf_counter()
        counts = seed(engine, cases)
        print(
            f"{name}: seeded {cases} cases in {time.perf_counter() - began:.1f} s "
            f"(rows: {', '.join(f'{k} {v}' for k, v in counts.items())})"
        )
        kpis(engine, START, END)  # warm: the connection pool, the page cache
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            figures = kpis(engine, START, END)
            times.append(time.perf_counter() - began)
        worst = max(times)
        print(
            f"{name}: kpis() over {START}..{END}: min {min(times):.3f} s, "
            f"median {statistics.median(times):.3f} s, max {worst:.3f} s; "
            f"target {TARGET} s: {'met' if worst < TARGET else 'NOT met'} "
            f"(max/target {worst / TARGET:.2f})"
        )
        m = figures.migration
        print(
            f"{name}: residents on UC {figures.residents_on_uc}, arrears change per resident "
            f"£{figures.arrears['change_per_resident']}, notices {m['notices']}, completion "
            f"{m['completion_rate']}, months charted {len(figures.success_by_month)}"
        )
    finally:
        engine.dispose()


def main(cases: int, rounds: int) -> None:
    from tests.postgres import postgres_server

    print(f"machine: {b.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", f"sqlite:///{Path(tmp) / 'kpis.db'}", cases, rounds)
    with postgres_server() as fresh_database:
        if fresh_database is None:
            print("postgresql: no server binaries and no TEST_DATABASE_URL: not measured")
            return
        measure("postgresql", fresh_database(), cases, rounds)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    main(args.cases, args.rounds)
