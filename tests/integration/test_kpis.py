"""The KPI board report's figures, figure by figure, against a small fixture: cases
driven through the domain's decide/evolve (the commands a back office and the cases'
children send), projected by the real projection (`Projection.project_case`, which
fills the reporting tables), on SQLite and PostgreSQL. Every expected value below is
worked out by hand from the fixture's inputs."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.projection import Projection
from activities.records import EventRecord, ProjectionBatch, case_row
from activities.reporting.kpis import kpis
from backoffice.inputs import BadInput
from backoffice.kpis import period
from domain.case import commands as c
from domain.case.decide import decide, open_case
from domain.case.evolve import evolve, initial_state
from domain.case.journal import describe
from domain.policy import CasePolicy
from tests.factories import claim_status, opening
from workflows.ids import case_children

START, END = date(2026, 1, 1), date(2026, 6, 30)


def _at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(11), tzinfo=UTC)


def _record(event: Any, seq: int) -> EventRecord:
    kind, outcome, text = describe(event)
    return EventRecord(
        seq=seq,
        type=type(event).__name__,
        at=event.at,
        author=event.by,
        journal_kind=kind,
        journal_outcome=outcome,
        journal_text=text,
        data=to_jsonable_python(event),
    )


def _case(
    engine: Engine, ref: str, opened: str, steps: list[tuple[str, Any]], **open_: Any
) -> None:
    """Open case `ref` on day `opened`, apply (day, command) steps, and project them."""
    case_id = f"uc-case-{ref}/run-1"
    [first] = open_case(opening(ref, **open_), _at(opened))
    state = initial_state(first, CasePolicy(), case_children(ref, None))  # type: ignore[arg-type]
    records = [_record(first, state.version)]
    for day, command in steps:
        if callable(command):  # a command that needs the case's state (an id it made)
            command = command(state)
        # K-4's deduction is decided as one accepted before its legal conditions
        # (docs/rules.md#third-party-deductions): K-4 records no claim, so it stays
        # off UC in these figures, which are about the read model, not those rules.
        for event in decide(state, command, _at(day), tpd_conditions=False):
            state = evolve(state, event)
            records.append(_record(event, state.version))
    batch = ProjectionBatch(case=case_row(case_id, case_id.split("/")[0], state), events=records)
    result = ActivityEnvironment().run(Projection(engine).project_case, batch)
    assert not result.set_aside


def _decided(arrangement_id: str, kind: str, status: str) -> c.RecordArrangementProgress:
    return c.RecordArrangementProgress(
        arrangement_id=arrangement_id,
        kind="arrangement_decided",
        text=f"DWP {status} the request",
        status=status,
        active=status == "granted",
    )


def _request(kind: str) -> c.RequestPaymentArrangement:
    rate = Decimal("15.00") if kind == "tpd" else None
    return c.RequestPaymentArrangement(by="income-09", kind=kind, deduction_rate=rate)  # type: ignore[arg-type]


def _movement(kind: str, amount: str, on: str) -> c.RecordRentMovement:
    return c.RecordRentMovement(
        by="income-09", kind=kind, amount=Decimal(amount), on=date.fromisoformat(on)
    )  # type: ignore[arg-type]


@pytest.fixture
def fixture(db: Engine) -> Engine:
    return fill(db)


def fill(db: Engine) -> Engine:
    """The fixture's five cases, projected into the read model `db`."""
    # 1: on UC from 1 Feb 2026; £1,200 + £100 charged before the move = £1,300 on the
    # move, £400 paid since: £900, a change of -£400. MPTL requested 10 Feb, granted
    # 2 Mar (20 days).
    _case(
        db,
        "K-1",
        "2026-01-05",
        [
            ("2026-01-20", _movement("charge", "100.00", "2026-01-20")),
            ("2026-02-03", claim_status("2026-02-01")),
            ("2026-02-10", _request("mptl")),
            ("2026-03-02", _decided("uc-apa-K-1-1", "mptl", "granted")),
            ("2026-03-10", _movement("payment", "400.00", "2026-03-10")),
        ],
        balance=Decimal("1200.00"),
    )
    # 2: on UC from 1 Nov 2025, before the case opened with £500: £500 on the move;
    # £250 charged since: +£250. APA requested 15 Jan, granted 25 Jan (10 days).
    _case(
        db,
        "K-2",
        "2026-01-05",
        [
            ("2026-01-06", claim_status("2025-11-01")),
            ("2026-01-07", c.RecordVulnerabilityAssessment(by="o", factors=("homeless",))),
            ("2026-01-15", _request("apa")),
            ("2026-01-25", _decided("uc-apa-K-2-1", "apa", "granted")),
            ("2026-02-01", _movement("charge", "250.00", "2026-02-01")),
        ],
        balance=Decimal("500.00"),
    )
    # 3: not on UC. An MPTL requested 1 Mar, undecided. A migration notice of 2 Feb
    # (deadline day 5 May), claimed 20 Apr, protection active. A DHP awarded
    # £120 a month from 1 Mar to 31 Aug 2026 (184 days).
    _case(
        db,
        "K-3",
        "2026-01-05",
        [
            ("2026-03-01", _request("mptl")),
            (
                "2026-02-02",
                c.RecordMigrationNotice(
                    by="income-09",
                    notice_issued=date(2026, 2, 2),
                    deadline_day=date(2026, 5, 5),
                ),
            ),
            (
                "2026-04-20",
                c.RecordMigrationProgress(
                    kind="migration_claim",
                    text="claim made 2026-04-20",
                    status="claimed",
                    protection="active",
                ),
            ),
            ("2026-02-01", c.StartSustainmentAction(by="ts-1", kind="dhp")),
            (
                "2026-02-20",
                lambda state: c.UpdateSustainmentAction(
                    by="ts-1",
                    action_id=state.sustainment[0].action_id,
                    status="awarded",
                    award_from=date(2026, 3, 1),
                    award_to=date(2026, 8, 31),
                    amount=Decimal("120.00"),
                    applied_on=date(2026, 2, 2),
                    decided_on=date(2026, 2, 19),
                ),
            ),
        ],
        balance=Decimal("1200.00"),
    )
    # 4: a TPD requested 10 Feb, refused 11 Apr (60 days). A notice of 2 Mar that
    # lapsed. A DHP refused.
    _case(
        db,
        "K-4",
        "2026-01-05",
        [
            ("2026-02-10", _request("tpd")),
            ("2026-04-11", _decided("uc-apa-K-4-1", "tpd", "refused")),
            (
                "2026-03-02",
                c.RecordMigrationNotice(
                    by="income-09",
                    notice_issued=date(2026, 3, 2),
                    deadline_day=date(2026, 6, 2),
                ),
            ),
            (
                "2026-06-20",
                c.RecordMigrationProgress(
                    kind="migration_lapsed",
                    text="no claim by the final deadline",
                    status="lapsed",
                    protection="none",
                ),
            ),
            ("2026-02-01", c.StartSustainmentAction(by="ts-1", kind="dhp")),
            (
                "2026-02-25",
                lambda state: c.UpdateSustainmentAction(
                    by="ts-1",
                    action_id=state.sustainment[0].action_id,
                    status="refused",
                    applied_on=date(2026, 2, 2),
                    decided_on=date(2026, 2, 24),
                ),
            ),
        ],
        balance=Decimal("1200.00"),
    )
    # 5: a notice before the period: not counted.
    _case(
        db,
        "K-5",
        "2025-11-20",
        [
            (
                "2025-12-01",
                c.RecordMigrationNotice(
                    by="income-09",
                    notice_issued=date(2025, 12, 1),
                    deadline_day=date(2026, 3, 2),
                ),
            ),
        ],
    )
    return db


def test_each_figure_matches_the_fixture(fixture: Engine) -> None:
    figures = kpis(fixture, START, END)
    # K-1 and K-2 are on UC: -£400 and +£250 since the move.
    assert figures.residents_on_uc == 2
    assert figures.arrears == {
        "residents_measured": 2,
        "change_total": "-150.00",
        "change_per_resident": "-75.00",
        "residents_arrears_up": 1,
        "residents_arrears_down": 1,
    }
    by_kind = {x.kind: x for x in figures.arrangements}
    apa, mptl, tpd = by_kind["apa"], by_kind["mptl"], by_kind["tpd"]
    assert (apa.requested, apa.decided, apa.granted, apa.refused) == (1, 1, 1, 0)
    assert (apa.granted_of_requested, apa.granted_of_decided) == (1.0, 1.0)
    assert apa.median_days_to_decision == 10
    # Two MPTLs requested, one granted, one undecided.
    assert (mptl.requested, mptl.decided, mptl.granted) == (2, 1, 1)
    assert (mptl.granted_of_requested, mptl.granted_of_decided) == (0.5, 1.0)
    assert mptl.median_days_to_decision == 20
    assert (tpd.requested, tpd.decided, tpd.granted, tpd.refused) == (1, 1, 0, 1)
    assert (tpd.granted_of_requested, tpd.granted_of_decided) == (0.0, 0.0)
    assert tpd.median_days_to_decision == 60
    assert [(r.month, r.kind, r.decided, r.granted) for r in figures.success_by_month] == [
        ("2026-01", "apa", 1, 1),
        ("2026-03", "mptl", 1, 1),
        ("2026-04", "tpd", 1, 0),
    ]
    # K-3 claimed before its deadline day, K-4 lapsed; K-5's notice predates the period.
    assert figures.migration == {
        "notices": 2,
        "claimed_by_deadline": 1,
        "claimed_by_final_deadline": 1,
        "lapsed": 1,
        "open": 0,
        "completion_rate": 0.5,
        "protection": {"pending": 0, "active": 1, "suspended": 0, "ended": 0, "none": 1},
        "protection_kept": 1,
        "protection_kept_rate": 1.0,
    }
    assert figures.dhp == {
        "applications": 2,
        "by_status": {
            "requested": 0,
            "in_progress": 0,
            "awaiting_decision": 0,
            "awarded": 1,
            "refused": 1,
            "declined": 0,
        },
        "awarded_of_decided": 0.5,
        "monthly_amount_awarded_total": "120.00",
        "monthly_amount_awarded_mean": "120.00",
        "award_days_mean": 184.0,
    }
    # K-1 moved in Feb 2026 (4 whole months by June), K-2 in Nov 2025 (7).
    assert [
        (p.months_on_uc, p.residents, p.change_total, p.change_per_resident)
        for p in figures.arrears_trajectory
    ] == [(4, 1, "-400.00", "-400.00"), (7, 1, "250.00", "250.00")]


def test_the_period_selects_the_flows(fixture: Engine) -> None:
    """Only February: the requests of 10 Feb, the notice of 2 Feb, the DHPs of 1 Feb;
    the decisions recorded in February (none); residents as at 28 Feb (K-1, K-2)."""
    figures = kpis(fixture, date(2026, 2, 1), date(2026, 2, 28))
    assert figures.residents_on_uc == 2
    assert {x.kind: x.requested for x in figures.arrangements} == {"apa": 0, "mptl": 1, "tpd": 1}
    assert figures.migration["notices"] == 1 and figures.migration["lapsed"] == 0
    assert figures.dhp["applications"] == 2
    assert figures.success_by_month == []
    # Without --from: everything up to --to, K-5's notice of December 2025 too.
    assert kpis(fixture, None, END).migration["notices"] == 3


def test_the_json_shape_is_the_documented_one(fixture: Engine) -> None:
    data = kpis(fixture, START, END).to_json()
    assert list(data) == [
        "period",
        "residents_on_uc",
        "arrears",
        "arrangements",
        "migration",
        "dhp",
        "success_by_month",
        "arrears_trajectory",
    ]
    assert data["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
    assert data["arrangements"][0]["kind"] == "apa"


def test_the_html_report_holds_the_figures_and_three_svg_charts(
    fixture: Engine, tmp_path: Path
) -> None:
    from backoffice.board_report import CHARTS, write_report

    page = write_report(kpis(fixture, START, END), tmp_path / "board.html").read_text()
    assert page.count("<svg") == 3 and all(f"id='{name}'" in page for name in CHARTS)
    assert "-£150.00" in page  # as a rent statement writes it, never "£-150.00"
    # Self-contained: nothing to run and nothing to fetch when it is opened.
    assert "<script" not in page and " src=" not in page and 'href="http' not in page


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", None, "--from: '2026-13-01' is not a date"),
        (None, "soon", "--to: 'soon' is not a date"),
        ("2026-07-01", "2026-06-30", "--from: 2026-07-01 is after --to"),
    ],
)
def test_a_bad_period_names_the_option(start: str | None, end: str | None, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        period(start, end, date(2026, 12, 2))


@pytest.mark.parametrize(("days", "median"), [([3, 10, 40, 41], 25.0), ([7, 1, 30], 7.0)])
def test_the_median_is_the_middle_or_the_mean_of_the_middle_two(
    db: Engine, days: list[int], median: float
) -> None:
    """Decided requests added to the projected rows, to give even and odd counts."""
    from sqlalchemy import insert

    from activities.reporting.tables import ReportArrangement

    rows = [
        {
            "case_id": f"uc-case-M-{i}/run-1",
            "arrangement_id": f"uc-apa-M-{i}-1",
            "kind": "tpd",
            "requested_on": date(2026, 2, 1),
            "status": "granted",
            "active": True,
            "outcome": "granted",
            "decided_on": date(2026, 2, 1) + timedelta(days=n),
            "review_dates": [],
            "seq": 3,
        }
        for i, n in enumerate(days)
    ]
    with db.begin() as conn:
        conn.execute(insert(ReportArrangement), rows)
    [tpd] = [x for x in kpis(db, START, END).arrangements if x.kind == "tpd"]
    assert tpd.decided == len(days) and tpd.median_days_to_decision == median
