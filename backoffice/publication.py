"""The annual IPR publication (docs/rules.md#ipr-publication): aggregates for the Internal Process
Reviews completed in a reporting year (April to March), and anonymised narratives.

Built from the SQL read model only, which holds no customer's name, date of birth, NI
number or address. The output carries no IPR id, reference or date either: customers
are "Customer 1", "Customer 2", ... in the order their reviews closed, and the only
date-like thing printed is the year label ("2021-22"). As defence in depth, every
narrative is scrubbed again of anything shaped like an NI number, a postcode or a date.
"""

import argparse
import csv
import re
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from activities.db import IprActivityRecord, IprNarrativeRecord, IprRecord
from backoffice.inputs import BadInput
from backoffice.read_model import read_model_engine
from backoffice.render import out
from domain.errors import DomainError
from domain.ipr.anonymise import _DATES, _NINO, _POSTCODE, REMOVED
from domain.ipr.reporting import year_bounds
from infra.config import Settings

KINDS = ("learning", "activity", "outcome")
KIND_TITLES = {
    "learning": "Learning identified",
    "activity": "Agreed activities",
    "outcome": "Learning outcomes",
}
MEASURES = {
    "completed": "IPRs completed",
    "external_scrutiny": "Also subject to external scrutiny (SAR, SCR, DHR, inquest)",
    "learning_identified": "Learning identified",
    "agreed_activities": "Agreed activities",
}


# Wider than anonymise._NINO, which leaves out prefixes never issued (QQ, as in the
# example number QQ 12 34 56 C; D, F, I, U, V): here any two letters will do.
_ANY_NINO = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)


def scrub(text: str) -> str:
    """`text` without anything shaped like an NI number, a UK postcode or a date, whoever
    it belongs to (the projection has already removed the customer's own details)."""
    for pattern in (_NINO, _ANY_NINO, _POSTCODE, _DATES):
        text = pattern.sub(REMOVED, text)
    return " ".join(text.split())


@dataclass(frozen=True)
class ServiceLineFigures:
    service_line: str
    completed: int
    agreed_activities: int


@dataclass(frozen=True)
class Narrative:
    service_line: str
    customer: str  # "Customer 1"
    kind: str  # learning, activity, outcome
    text: str


@dataclass(frozen=True)
class Publication:
    year: str
    completed: int
    external_scrutiny: int
    learning_identified: int
    agreed_activities: int
    # Completed reviews counted under each of their service lines: most first, then by name.
    by_service_line: tuple[ServiceLineFigures, ...]
    # By service line (by name), then kind (learning, activity, outcome), then customer.
    narratives: tuple[Narrative, ...]

    def summary(self) -> list[tuple[str, int]]:
        return [(measure, getattr(self, measure)) for measure in MEASURES]


def build_publication(engine: Engine, year: str) -> Publication:
    """The publication for reporting year `year` ("2021-22"); DomainError("year") if that
    is not a reporting year."""
    year_bounds(year)
    with Session(engine) as session:
        iprs = session.scalars(
            select(IprRecord)
            .where(IprRecord.reporting_year == year)
            .where(IprRecord.stage == "closed")
            .where(IprRecord.accepted.is_(True))
            .order_by(IprRecord.closed_on, IprRecord.ipr_id)
        ).all()
        ids = [ipr.ipr_id for ipr in iprs]
        activities = (
            session.scalars(
                select(IprActivityRecord).where(IprActivityRecord.ipr_id.in_(ids))
            ).all()
            if ids
            else []
        )
        narratives = (
            session.scalars(
                select(IprNarrativeRecord).where(IprNarrativeRecord.ipr_id.in_(ids))
            ).all()
            if ids
            else []
        )
    number = {ipr_id: n for n, ipr_id in enumerate(ids, 1)}
    completed = Counter(line for ipr in iprs for line in dict.fromkeys(ipr.service_lines))
    agreed = Counter(a.service_line for a in activities)
    lines = sorted(set(completed) | set(agreed), key=lambda line: (-completed[line], line))
    rank = {kind: n for n, kind in enumerate(KINDS)}
    ordered = sorted(
        narratives,
        key=lambda x: (x.service_line, rank.get(x.kind, len(KINDS)), number[x.ipr_id], x.seq),
    )
    return Publication(
        year=year,
        completed=len(iprs),
        external_scrutiny=sum(1 for ipr in iprs if ipr.external_scrutiny),
        learning_identified=sum(1 for ipr in iprs if ipr.learning_identified),
        agreed_activities=len(activities),
        by_service_line=tuple(
            ServiceLineFigures(line, completed[line], agreed[line]) for line in lines
        ),
        narratives=tuple(
            Narrative(x.service_line, f"Customer {number[x.ipr_id]}", x.kind, scrub(x.text))
            for x in ordered
        ),
    )


def _cell(text: str) -> str:
    """Safe inside a Markdown table cell or list item."""
    return text.replace("\\", "\\\\").replace("|", "\\|")


def to_markdown(pub: Publication) -> str:
    out = [
        f"# Internal Process Reviews completed in {pub.year}",
        "",
        "Reviews completed between 1 April and 31 March of the reporting year. A review "
        "can count under more than one service line. Customers are not identified: "
        '"Customer 1", "Customer 2", ... number the reviews completed in the year.',
        "",
        "## Summary",
        "",
        "| Measure | Number |",
        "| --- | ---: |",
        *(f"| {MEASURES[measure]} | {value} |" for measure, value in pub.summary()),
        "",
        "## By service line",
        "",
    ]
    if pub.by_service_line:
        out += [
            "| Service line | IPRs completed | Agreed activities |",
            "| --- | ---: | ---: |",
            *(
                f"| {_cell(x.service_line)} | {x.completed} | {x.agreed_activities} |"
                for x in pub.by_service_line
            ),
        ]
    else:
        out.append("No reviews were completed in this year.")
    out += ["", "## Anonymised narratives", ""]
    if not pub.narratives:
        out += ["No narratives were recorded for reviews completed in this year.", ""]
    for line, in_line in groupby(pub.narratives, key=lambda x: x.service_line):
        out += [f"### {_cell(line)}", ""]
        for kind, items in groupby(in_line, key=lambda x: x.kind):
            out += [f"**{KIND_TITLES.get(kind, kind)}**", ""]
            out += [f"- {x.customer}: {_cell(x.text)}" for x in items]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def write_csv(pub: Publication, folder: Path) -> list[Path]:
    """summary.csv, by_service_line.csv and narratives.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "summary.csv": (
            ["measure", "value"],
            [["reporting_year", pub.year], *([m, v] for m, v in pub.summary())],
        ),
        "by_service_line.csv": (
            ["service_line", "completed", "agreed_activities"],
            [[x.service_line, x.completed, x.agreed_activities] for x in pub.by_service_line],
        ),
        "narratives.csv": (
            ["service_line", "customer", "kind", "text"],
            [[x.service_line, x.customer, x.kind, x.text] for x in pub.narratives],
        ),
    }
    paths = []
    for name, (header, rows) in tables.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        paths.append(path)
    return paths


def write_publication(pub: Publication, folder: Path) -> list[Path]:
    """publication.md and the CSVs in `folder`; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / "publication.md"
    markdown.write_text(to_markdown(pub), encoding="utf-8")
    return [markdown, *write_csv(pub, folder)]


def ipr_publication(database_url: str, year: str, out_dir: str | None) -> list[Path]:
    """Write the year's IPR publication (publication.md and its CSVs) from the read model.
    Needs no Temporal server."""
    engine = read_model_engine(database_url, IprRecord.__tablename__, "no IPR read model")
    try:
        try:
            publication = build_publication(engine, year)
        except DomainError as error:
            raise BadInput(f"--year: {error.rule}") from None
    finally:
        engine.dispose()
    return write_publication(publication, Path(out_dir or f"ipr-publication-{year}"))


async def run_publication(args: argparse.Namespace) -> int:
    """`starter.py ipr-publication`: reads the SQL read model only, no Temporal server."""
    try:
        year_bounds(args.year)
    except DomainError as error:
        raise BadInput(f"--year: {error.rule}") from None
    for path in ipr_publication(Settings().database_url, args.year, args.out):
        out.print(str(path), highlight=False, markup=False)
    return 0
