"""The annual IPR publication, built from the read model: every figure against numbers
worked out by hand from the IPRs below, the April-to-March boundary, no personal data
in any output, and the `ipr-publication` command."""

import csv
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio.testing import ActivityEnvironment

from activities.db import IprRecord
from activities.ipr import IprActivities
from activities.ipr_records import IprProjection, IprRow, NarrativeRow
from backoffice.publication import (
    CustomerFindings,
    FindingSection,
    Narrative,
    PrimaryLineFigures,
    build_publication,
    scrub,
    to_markdown,
    write_csv,
    write_publication,
)
from domain.errors import DomainError
from domain.ipr.model import Customer
from tests.file_store import store_for
from tests.integration.ipr_data import Plan, fresh_engine, project

ROOT = Path(__file__).resolve().parents[2]
d = date
UC, PIP, ESA = "UC", "PIP", "ESA"
DM, PC, JSA, CA = "Debt Management", "Pension Credit", "JSA", "Carer's Allowance"
SP, AA = "State Pension", "Attendance Allowance"
SAR, SCR, DHR = "safeguarding_adults_review", "significant_case_review", "domestic_homicide_review"
INQUEST = "inquest_interested_party"

PLANS = [
    # Completed in 2021-22 (1 April 2021 to 31 March 2022): 17.
    Plan(1, (UC,), "closed", d(2021, 6, 15), learning=(UC,), activities=(UC, UC), outcomes=(UC,)),
    Plan(
        2,
        (UC, PIP),
        "closed",
        d(2021, 7, 1),
        reviews=(SAR,),
        learning=(UC, PIP),
        activities=(UC, PIP),
        outcomes=(UC,),
    ),
    Plan(3, (ESA,), "closed", d(2021, 7, 20)),
    Plan(
        4,
        (UC,),
        "closed",
        d(2021, 8, 5),
        reviews=(DHR,),
        learning=(UC,),
        activities=(UC,),
        outcomes=(UC,),
    ),
    Plan(5, (PIP,), "closed", d(2021, 8, 30)),
    Plan(
        6,
        (UC, ESA),
        "closed",
        d(2021, 9, 10),
        reviews=(INQUEST,),
        learning=(ESA,),
        activities=(ESA, ESA, ESA, ESA),
        outcomes=(ESA,),
    ),
    Plan(7, (PC,), "closed", d(2021, 10, 1), learning=(PC,), activities=(PC,), outcomes=(PC,)),
    Plan(8, (UC,), "closed", d(2021, 10, 15)),
    Plan(
        9,
        (UC, DM),
        "closed",
        d(2021, 11, 2),
        reviews=(SAR,),
        learning=(DM,),
        activities=(DM, UC),
        outcomes=(DM,),
    ),
    Plan(10, (JSA,), "closed", d(2021, 11, 20)),
    Plan(
        11,
        (UC,),
        "closed",
        d(2021, 12, 3),
        later_scrutiny=INQUEST,  # criterion (A); the inquest came later
        learning=(UC,),
        activities=(UC,),
        outcomes=(UC,),
    ),
    Plan(
        12,
        (PIP,),
        "closed",
        d(2022, 1, 12),
        learning=(PIP,),
        activities=(PIP, PIP),
        outcomes=(PIP,),
    ),
    Plan(13, (UC,), "closed", d(2022, 1, 25)),
    Plan(
        14,
        (ESA, PIP),
        "closed",
        d(2022, 2, 8),
        reviews=(SCR,),
        nation="scotland",
        learning=(PIP,),
        activities=(PIP,),
        outcomes=(PIP,),
    ),
    Plan(15, (CA,), "closed", d(2022, 2, 21)),
    Plan(16, (UC,), "closed", d(2022, 3, 10), learning=(UC,), outcomes=(UC,)),  # no activities
    Plan(
        17,
        (UC, PIP, ESA),
        "closed",
        d(2022, 3, 31),  # the last day of 2021-22
        reviews=(DHR,),
        learning=(UC,),
        activities=(UC, ESA),
        outcomes=(UC,),
    ),
    # Completed in 2022-23: 9.
    Plan(
        18,
        (UC,),
        "closed",
        d(2022, 4, 1),  # the first day of 2022-23
        learning=(UC,),
        activities=(UC,),
        outcomes=(UC,),
    ),
    Plan(19, (PIP,), "closed", d(2022, 5, 10), reviews=(SAR,)),
    Plan(
        20, (UC, DM), "closed", d(2022, 6, 14), learning=(DM,), activities=(DM, DM), outcomes=(DM,)
    ),
    Plan(21, (ESA,), "closed", d(2022, 7, 19)),
    Plan(
        22,
        (UC,),
        "closed",
        d(2022, 9, 5),
        reviews=(INQUEST,),
        learning=(UC,),
        activities=(UC,),
        outcomes=(UC,),
    ),
    Plan(23, (SP,), "closed", d(2022, 11, 11), learning=(SP,), activities=(SP,), outcomes=(SP,)),
    Plan(24, (UC, PIP), "closed", d(2023, 1, 16)),
    Plan(
        25,
        (AA,),
        "closed",
        d(2023, 2, 27),
        reviews=(DHR,),
        learning=(AA,),
        activities=(AA,),
        outcomes=(AA,),
    ),
    Plan(26, (UC,), "closed", d(2023, 3, 31)),
    # Completed in 2020-21, on its last day.
    Plan(27, (UC,), "closed", d(2021, 3, 31), learning=(UC,), activities=(UC,), outcomes=(UC,)),
    # Not accepted (closed by the feedback, never completed): counted nowhere.
    Plan(28, (UC,), "not_accepted", d(2021, 9, 3)),
    Plan(29, (PIP,), "not_accepted", d(2022, 1, 10), reviews=(SCR,)),  # an SCR in England
    Plan(30, (ESA,), "not_accepted", d(2022, 8, 8)),
    # Still open: counted nowhere.
    Plan(31, (UC,), "open", d(2022, 2, 1)),
    Plan(32, (PIP,), "open", d(2022, 3, 1), open_at="findings", learning=(PIP,)),
    Plan(
        33,
        (UC, ESA),
        "open",
        d(2023, 2, 1),
        open_at="agreed_activities",
        learning=(UC,),
        activities=(UC, ESA),
    ),
    # Four more completed in 2022-23, in March 2023 before review 26: 30 completed in
    # the two years. None identified learning, so they add no narrative.
    Plan(34, (ESA,), "closed", d(2023, 3, 6), reviews=(SAR,)),
    Plan(35, (PIP, UC), "closed", d(2023, 3, 13)),
    Plan(36, (JSA,), "closed", d(2023, 3, 20)),
    Plan(37, (UC,), "closed", d(2023, 3, 27)),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """A read model of its own, holding exactly PLANS."""
    folder = tmp_path_factory.mktemp("ipr-publication")
    engine = fresh_engine(folder)
    project(engine, folder / "files", PLANS)
    yield f"sqlite:///{folder / 'read-model.db'}", engine
    engine.dispose()


@pytest.fixture(scope="module")
def engine(db: tuple[str, Engine]) -> Engine:
    return db[1]


def test_the_read_model_holds_every_ipr_with_its_year(engine: Engine) -> None:
    with Session(engine) as s:
        rows = {r.ipr_id: r for r in s.query(IprRecord)}
    assert len(rows) == 37
    years = {p.n: rows[p.ipr_id].reporting_year for p in PLANS}
    assert [n for n, y in years.items() if y == "2021-22"] == list(range(1, 18))
    assert [n for n, y in years.items() if y == "2022-23"] == [*range(18, 27), 34, 35, 36, 37]
    assert [n for n, y in years.items() if y == "2020-21"] == [27]
    assert [n for n, y in years.items() if y is None] == [28, 29, 30, 31, 32, 33]
    refused = rows[PLANS[28].ipr_id]
    assert refused.stage == "not_accepted" and refused.accepted is False
    # An SCR is held in Scotland only: asked for one in England, there is no scrutiny.
    assert refused.closed_on == d(2022, 1, 10) and not refused.external_scrutiny
    assert rows[PLANS[32].ipr_id].stage == "agreed_activities"


def _lines(pub: Any) -> dict[str, tuple[int, int, int]]:
    """Each finding line: (cases with its learning, activities it owns, customers)."""
    sections = (*pub.sections, *([pub.multiple] if pub.multiple else []))
    return {
        s.service_line: (s.cases_with_learning, s.agreed_activities, len(s.customers))
        for s in sections
    }


def test_2021_22_figure_by_figure(engine: Engine) -> None:
    pub = build_publication(engine, "2021-22")
    assert pub.summary() == [
        ("completed", 17),
        ("external_scrutiny", 7),  # reviews 2, 4, 6, 9, 11 (recorded later), 14, 17
        ("learning_identified", 11),
        ("agreed_activities", 18),
    ]
    # Each case once under each of its primary lines (the plans' `lines`).
    assert pub.by_primary_line == (
        PrimaryLineFigures("UC", 10),  # 1, 2, 4, 6, 8, 9, 11, 13, 16, 17
        PrimaryLineFigures("PIP", 5),  # 2, 5, 12, 14, 17
        PrimaryLineFigures("ESA", 4),  # 3, 6, 14, 17
        PrimaryLineFigures("Carer's Allowance", 1),
        PrimaryLineFigures("Debt Management", 1),
        PrimaryLineFigures("JSA", 1),
        PrimaryLineFigures("Pension Credit", 1),
    )
    assert _lines(pub) == {
        "Debt Management": (1, 1, 1),  # review 9
        "ESA": (1, 5, 2),  # learning in 6; activities 4 (6) + 1 (17)
        "PIP": (3, 4, 3),  # 2, 12, 14
        "Pension Credit": (1, 1, 1),  # 7
        "UC": (6, 7, 7),  # learning 1, 2, 4, 11, 16, 17; 9 owns a UC activity only
    }
    assert pub.multiple is None
    [pip] = [s for s in pub.sections if s.service_line == "PIP"]
    # Numbered within the section, in closing order: reviews 2, 12, 14.
    assert pip == FindingSection(
        "PIP",
        3,
        4,
        (
            CustomerFindings(
                "Customer 1",
                ("Learning 2 of review 2 for PIP",),
                ("Activity 2 of review 2: PIP to assure the IPRG",),
                (),
            ),
            CustomerFindings(
                "Customer 2",
                ("Learning 1 of review 12 for PIP",),
                (
                    "Activity 1 of review 12: PIP to assure the IPRG",
                    "Activity 2 of review 12: PIP to assure the IPRG",
                ),
                ("Outcome 1 of review 12 for PIP",),
            ),
            CustomerFindings(
                "Customer 3",
                ("Learning 1 of review 14 for PIP",),
                ("Activity 1 of review 14: PIP to assure the IPRG",),
                ("Outcome 1 of review 14 for PIP",),
            ),
        ),
    )
    # Closed on 31 March 2022: the last of 2021-22, the 7th UC customer.
    assert Narrative("UC", "Customer 7", "learning", "Learning 1 of review 17 for UC") in (
        pub.narratives
    )
    assert not any("review 18 " in x.text or "review 27 " in x.text for x in pub.narratives)


def test_2022_23_figure_by_figure(engine: Engine) -> None:
    pub = build_publication(engine, "2022-23")
    assert pub.summary() == [
        ("completed", 13),
        ("external_scrutiny", 4),  # reviews 19, 22, 25, 34
        ("learning_identified", 5),
        ("agreed_activities", 6),
    ]
    assert pub.by_primary_line == (
        PrimaryLineFigures("UC", 7),  # 18, 20, 22, 24, 26, 35, 37
        PrimaryLineFigures("PIP", 3),  # 19, 24, 35
        PrimaryLineFigures("ESA", 2),  # 21, 34
        PrimaryLineFigures("Attendance Allowance", 1),
        PrimaryLineFigures("Debt Management", 1),
        PrimaryLineFigures("JSA", 1),
        PrimaryLineFigures("State Pension", 1),
    )
    aa, dm, sp = "Attendance Allowance", "Debt Management", "State Pension"
    assert _lines(pub) == {aa: (1, 1, 1), dm: (1, 2, 1), sp: (1, 1, 1), "UC": (2, 2, 2)}
    assert pub.narratives == (
        Narrative(aa, "Customer 1", "learning", f"Learning 1 of review 25 for {aa}"),
        Narrative(
            aa, "Customer 1", "activity", f"Activity 1 of review 25: {aa} to assure the IPRG"
        ),
        Narrative(aa, "Customer 1", "outcome", f"Outcome 1 of review 25 for {aa}"),
        Narrative(dm, "Customer 1", "learning", f"Learning 1 of review 20 for {dm}"),
        Narrative(
            dm, "Customer 1", "activity", f"Activity 1 of review 20: {dm} to assure the IPRG"
        ),
        Narrative(
            dm, "Customer 1", "activity", f"Activity 2 of review 20: {dm} to assure the IPRG"
        ),
        Narrative(dm, "Customer 1", "outcome", f"Outcome 1 of review 20 for {dm}"),
        Narrative(sp, "Customer 1", "learning", f"Learning 1 of review 23 for {sp}"),
        Narrative(
            sp, "Customer 1", "activity", f"Activity 1 of review 23: {sp} to assure the IPRG"
        ),
        Narrative(sp, "Customer 1", "outcome", f"Outcome 1 of review 23 for {sp}"),
        # Review 18 closed on 1 April 2022: the first UC customer of the year.
        Narrative("UC", "Customer 1", "learning", "Learning 1 of review 18 for UC"),
        Narrative("UC", "Customer 1", "activity", "Activity 1 of review 18: UC to assure the IPRG"),
        Narrative("UC", "Customer 1", "outcome", "Outcome 1 of review 18 for UC"),
        Narrative("UC", "Customer 2", "learning", "Learning 1 of review 22 for UC"),
        Narrative("UC", "Customer 2", "activity", "Activity 1 of review 22: UC to assure the IPRG"),
        Narrative("UC", "Customer 2", "outcome", "Outcome 1 of review 22 for UC"),
    )


def test_other_years(engine: Engine) -> None:
    earlier = build_publication(engine, "2020-21")  # closed on 31 March 2021
    assert earlier.summary() == [
        ("completed", 1),
        ("external_scrutiny", 0),
        ("learning_identified", 1),
        ("agreed_activities", 1),
    ]
    assert earlier.by_primary_line == (PrimaryLineFigures("UC", 1),)
    assert _lines(earlier) == {"UC": (1, 1, 1)}
    none = build_publication(engine, "2023-24")
    assert none.summary() == [
        ("completed", 0),
        ("external_scrutiny", 0),
        ("learning_identified", 0),
        ("agreed_activities", 0),
    ]
    assert none.by_primary_line == () and none.narratives == () and none.sections == ()
    markdown = to_markdown(none)
    assert "No reviews were completed in this year." in markdown
    assert "No learning spanning several service lines was recorded in this year." in markdown


@pytest.mark.parametrize("year", ["2021-23", "2021", "21-22", "2021/22", "2099-00x", ""])
def test_a_bad_year_is_refused_naming_the_year(engine: Engine, year: str) -> None:
    with pytest.raises(DomainError) as refused:
        build_publication(engine, year)
    assert refused.value.field == "year"


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_the_markdown_and_csv_tables(engine: Engine, tmp_path: Path) -> None:
    pub = build_publication(engine, "2022-23")
    markdown = to_markdown(pub)
    assert markdown.startswith("# Internal Process Reviews completed in 2022-23\n")
    for line in [
        "| IPRs completed | 13 |",
        "| Also subject to external scrutiny (SAR, SCR, DHR, inquest) | 4 |",
        "| IPRs completed where learning was identified | 5 |",
        "| Agreed activities | 6 |",
    ]:
        assert line in markdown.splitlines()
    table = (
        "| Service line | IPRs completed |\n"
        "| --- | ---: |\n"
        "| UC | 7 |\n"
        "| PIP | 3 |\n"
        "| ESA | 2 |\n"
        "| Attendance Allowance | 1 |\n"
        "| Debt Management | 1 |\n"
        "| JSA | 1 |\n"
        "| State Pension | 1 |\n"
    )
    assert table in markdown
    assert (
        "### Debt Management\n\n"
        "| Measure | Number |\n"
        "| --- | ---: |\n"
        "| Cases in which Debt Management learning was identified | 1 |\n"
        "| Agreed activities owned by Debt Management | 2 |\n\n"
        "#### Customer 1\n\n"
        "**Learning identified**\n\n"
        "- Learning 1 of review 20 for Debt Management\n\n"
        "**Agreed activities**\n\n"
        "- Activity 1 of review 20: Debt Management to assure the IPRG\n"
        "- Activity 2 of review 20: Debt Management to assure the IPRG\n\n"
        "**Learning outcomes**\n\n"
        "- Outcome 1 of review 20 for Debt Management\n\n"
        "### State Pension\n"
    ) in markdown

    paths = write_csv(pub, tmp_path / "out")
    assert [p.name for p in paths] == [
        "summary.csv",
        "by_primary_service_line.csv",
        "by_finding_service_line.csv",
        "narratives.csv",
    ]
    assert _read_csv(paths[0]) == [
        ["measure", "value"],
        ["reporting_year", "2022-23"],
        ["completed", "13"],
        ["external_scrutiny", "4"],
        ["learning_identified", "5"],
        ["agreed_activities", "6"],
    ]
    assert _read_csv(paths[1]) == [
        ["service_line", "completed"],
        ["UC", "7"],
        ["PIP", "3"],
        ["ESA", "2"],
        ["Attendance Allowance", "1"],
        ["Debt Management", "1"],
        ["JSA", "1"],
        ["State Pension", "1"],
    ]
    assert _read_csv(paths[2]) == [
        ["service_line", "cases_with_learning", "agreed_activities"],
        ["Attendance Allowance", "1", "1"],
        ["Debt Management", "1", "2"],
        ["State Pension", "1", "1"],
        ["UC", "2", "2"],
    ]
    narratives = _read_csv(paths[3])
    assert narratives[0] == ["service_line", "customer", "kind", "text"]
    assert len(narratives) == 1 + 16
    assert narratives[4] == [
        "Debt Management",
        "Customer 1",
        "learning",
        "Learning 1 of review 20 for Debt Management",
    ]


def test_the_output_names_no_ipr_id_reference_or_date(engine: Engine, tmp_path: Path) -> None:
    pub = build_publication(engine, "2021-22")
    files = write_publication(pub, tmp_path / "pub")
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    assert not re.search(r"\bipr-|\bT-0\d\d\b|run-\d|\d{4}-\d{2}-\d{2}", text)
    assert "Alex" not in text and "Sample" not in text


# --- personal data never reaches the publication ----------------------------------

PEOPLE = [
    (
        Customer(
            full_name="Zelda Quarrington",
            date_of_birth=d(1961, 3, 4),
            ni_number="QQ123456C",
            address="7 Ashgrove Lane, Leeds LS6 2AB",
        ),
        "IPR-2021-0042",
        "Mrs Zelda Quarrington (DOB 04/03/1961, NI QQ123456C) of 7 Ashgrove Lane, Leeds "
        "LS6 2AB, ref IPR-2021-0042; Ms Quarrington was born on 1961-03-04",
    ),
    (
        Customer(
            full_name="Barnaby Oyelaran-Whitcombe",
            date_of_birth=d(1958, 11, 23),
            ni_number="JT 98 76 54 B",
            address="Flat 3, 41 Kittiwake Road, Whitley Bay NE26 1HX",
        ),
        "IPR-2021-0107",
        "Mr Barnaby Oyelaran-Whitcombe, born 23 November 1958, NI JT 98 76 54 B, of "
        "Flat 3, 41 Kittiwake Road, Whitley Bay NE26 1HX (our ref IPR-2021-0107); "
        "Barnaby told us on 2021-06-02",
    ),
    (
        Customer(
            full_name="Ifeoma Castellanos-Reyes",
            date_of_birth=d(1990, 7, 15),
            ni_number="NP204917D",
            address="22 Heron Wharf, Cardiff CF10 5QQ",
        ),
        "IPR-2022-0003",
        "Ifeoma Castellanos-Reyes (born 15.07.1990, also written July 15, 1990), NI "
        "np 20 49 17 d, 22 Heron Wharf, Cardiff CF10 5QQ, case IPR-2022-0003",
    ),
]
FORBIDDEN = [
    "Zelda",
    "Quarrington",
    "04/03/1961",
    "1961-03-04",
    "4 March 1961",
    "QQ123456C",
    "Ashgrove",
    "Leeds",
    "LS6 2AB",
    "IPR-2021-0042",
    "Barnaby",
    "Oyelaran",
    "Whitcombe",
    "23 November 1958",
    "JT 98 76 54 B",
    "Kittiwake",
    "Whitley Bay",
    "NE26 1HX",
    "IPR-2021-0107",
    "Ifeoma",
    "Castellanos",
    "Reyes",
    "15.07.1990",
    "July 15, 1990",
    "NP204917D",
    "np 20 49 17 d",
    "Heron Wharf",
    "Cardiff",
    "CF10 5QQ",
    "IPR-2022-0003",
]


def test_no_name_reference_birth_date_ni_number_or_address_is_published(tmp_path: Path) -> None:
    plans = [
        Plan(
            100 + n,
            (UC, PIP),
            "closed",
            d(2021, 10, 1 + n),
            reference=reference,
            customer=customer,
            learning=(UC,),
            activities=(UC, PIP),
            outcomes=(PIP,),
            texts={
                "learning": f"Learning about {details}",
                "activity": f"UC to assure the IPRG about {details}",
                "outcome": f"Outcome for {details}",
            },
        )
        for n, (customer, reference, details) in enumerate(PEOPLE)
    ]
    engine = fresh_engine(tmp_path)
    try:
        project(engine, tmp_path / "files", plans)
        pub = build_publication(engine, "2021-22")
    finally:
        engine.dispose()
    assert pub.completed == 3 and len(pub.narratives) == 3 * 4
    files = write_publication(pub, tmp_path / "pub")
    assert [p.name for p in files] == [
        "publication.md",
        "summary.csv",
        "by_primary_service_line.csv",
        "by_finding_service_line.csv",
        "narratives.csv",
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in FORBIDDEN:
            assert secret.lower() not in text.lower(), (path.name, secret)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), path.name
        assert not re.search(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", text), path.name
    # The narratives still say something: only the identifying parts went.
    assert "- Learning about the customer (DOB [removed], NI [removed])" in (
        (tmp_path / "pub" / "publication.md").read_text()
    )


def test_narratives_are_scrubbed_again_even_if_the_read_model_held_personal_data(
    tmp_path: Path,
) -> None:
    """Defence in depth: a row written by something other than ipr_projection."""
    text = "Seen at LS1 4AP on 2021-05-06 (and 3/4/2021, 5 May 2021), NI QQ 12 34 56 C"
    projection = IprProjection(
        row=IprRow(
            ipr_id="ipr-X-1/run-1",
            stage="closed",
            accepted=True,
            criteria="A",
            external_scrutiny=False,
            scrutiny_kinds=(),
            service_lines=("UC",),
            learning_identified=True,
            referred_on=d(2021, 5, 1),
            closed_on=d(2021, 8, 1),
            reporting_year="2021-22",
            activities_total=0,
            activities_overdue=0,
            version=9,
        ),
        narratives=(NarrativeRow("learning", 1, "UC", text),),
        activities=(),
    )
    engine = fresh_engine(tmp_path)
    try:
        ActivityEnvironment().run(IprActivities(engine, store_for(engine)).project_ipr, projection)
        pub = build_publication(engine, "2021-22")
    finally:
        engine.dispose()
    assert pub.narratives == (
        Narrative(
            "UC",
            "Customer 1",
            "learning",
            "Seen at [removed] on [removed] (and [removed], [removed]), NI [removed]",
        ),
    )
    assert scrub(" two\n lines ") == "two lines"


# --- the command line ---------------------------------------------------------------


def _starter(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    # TEMPORAL_ADDRESS points nowhere: the publication needs no Temporal server.
    return subprocess.run(
        [sys.executable, "starter.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "",
            "TEMPORAL_ADDRESS": "127.0.0.1:1",
            "DATABASE_URL": database_url,
            "COLUMNS": "200",
        },
    )


def test_the_command_writes_the_publication(db: tuple[str, Engine], tmp_path: Path) -> None:
    url, _ = db
    out = tmp_path / "published"
    done = _starter("ipr-publication", "--year", "2021-22", "--out", str(out), database_url=url)
    assert done.returncode == 0, done.stderr
    names = [
        "publication.md",
        "summary.csv",
        "by_primary_service_line.csv",
        "by_finding_service_line.csv",
        "narratives.csv",
    ]
    assert done.stdout.split() == [str(out / name) for name in names]
    assert "| IPRs completed | 17 |" in (out / "publication.md").read_text()
    assert ["completed", "17"] in _read_csv(out / "summary.csv")

    refused = _starter("ipr-publication", "--year", "2021-23", database_url=url)
    assert refused.returncode == 2
    assert "--year" in refused.stderr and "2021-22" in refused.stderr
    assert not (ROOT / "ipr-publication-2021-23").exists()


def test_the_command_refuses_a_database_without_the_read_model(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    done = _starter("ipr-publication", "--year", "2021-22", database_url=missing)
    assert done.returncode == 2 and "DATABASE_URL" in done.stderr
    assert not (tmp_path / "nothing-here.db").exists()
