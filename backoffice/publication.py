"""The annual IPR publication (docs/rules.md#ipr-publication, docs/ipr-publication.md):
the tables DWP publishes for the Internal Process Reviews completed in a reporting
year (April to March, by completion date): (1) reviews completed and those also
under external scrutiny; (2) completed by the case's primary service lines; (3) with
learning identified, and agreed activities; (4) one section per finding service line,
with its customers numbered within it; (5) "Multiple Service Lines".

Built from the SQL read model only, which holds no customer's name, date of birth, NI
number or address. The output carries no IPR id, reference or date either: customers
are "Customer 1", "Customer 2", ... within each section, in the order their reviews
closed, and the only date-like thing printed is the year label ("2021-22"). As
defence in depth, every narrative is scrubbed again of anything shaped like an NI
number, a postcode or a date.
"""

import argparse
import csv
import re
from collections import Counter
from dataclasses import dataclass
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
    "learning_identified": "IPRs completed where learning was identified",
    "agreed_activities": "Agreed activities",
}
MULTIPLE = "Multiple Service Lines"


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
class PrimaryLineFigures:
    """Table 2: reviews completed with this among the case's primary service lines."""

    service_line: str
    completed: int


@dataclass(frozen=True)
class CustomerFindings:
    """One customer of a finding line's section: what was found under that line."""

    customer: str  # "Customer 1", numbered within the section
    learning: tuple[str, ...]
    activities: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class FindingSection:
    """Table 4 (or 5 for "Multiple Service Lines"): one finding service line."""

    service_line: str
    # Cases in which this line's learning was identified (a case counts once).
    cases_with_learning: int
    # Agreed activities this line owns.
    agreed_activities: int
    customers: tuple[CustomerFindings, ...]


@dataclass(frozen=True)
class Narrative:
    service_line: str
    customer: str  # "Customer 1", numbered within the service line's section
    kind: str  # learning, activity, outcome
    text: str


@dataclass(frozen=True)
class Publication:
    year: str
    completed: int
    external_scrutiny: int
    learning_identified: int
    agreed_activities: int
    # Table 2: most first, then by name.
    by_primary_line: tuple[PrimaryLineFigures, ...]
    # Table 4: one section per finding service line, by name.
    sections: tuple[FindingSection, ...]
    # Table 5: learning spanning several lines; None when there was none.
    multiple: FindingSection | None

    def summary(self) -> list[tuple[str, int]]:
        return [(measure, getattr(self, measure)) for measure in MEASURES]

    @property
    def narratives(self) -> tuple[Narrative, ...]:
        """Every text, by section (table 4's, then table 5), customer, kind."""
        found = []
        for section in (*self.sections, *([self.multiple] if self.multiple else [])):
            for c in section.customers:
                for kind, texts in zip(KINDS, (c.learning, c.activities, c.outcomes), strict=True):
                    found += [Narrative(section.service_line, c.customer, kind, t) for t in texts]
        return tuple(found)


def build_publication(engine: Engine, year: str) -> Publication:
    """The publication for reporting year `year` ("2021-22"); DomainError("year") if that
    is not a reporting year. Reviews count by their completion date (docs/rules.md#ipr-dates)."""
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
    order = {ipr_id: n for n, ipr_id in enumerate(ids)}
    primary = Counter(line for ipr in iprs for line in dict.fromkeys(ipr.service_lines))
    owned = Counter(a.service_line for a in activities)
    rank = {kind: n for n, kind in enumerate(KINDS)}
    texts: dict[str, dict[str, dict[str, list[str]]]] = {}
    for x in sorted(narratives, key=lambda x: (order[x.ipr_id], rank.get(x.kind, 9), x.seq)):
        by_case = texts.setdefault(x.service_line, {})
        by_case.setdefault(x.ipr_id, {k: [] for k in KINDS}).setdefault(x.kind, []).append(
            scrub(x.text)
        )
    sections = {
        line: FindingSection(
            service_line=line,
            cases_with_learning=sum(1 for found in cases.values() if found["learning"]),
            agreed_activities=owned[line],
            customers=tuple(
                CustomerFindings(
                    customer=f"Customer {n}",
                    learning=tuple(found["learning"]),
                    activities=tuple(found["activity"]),
                    outcomes=tuple(found["outcome"]),
                )
                for n, found in enumerate(cases.values(), 1)
            ),
        )
        for line, cases in texts.items()
    }
    multiple = sections.pop(MULTIPLE, None)
    return Publication(
        year=year,
        completed=len(iprs),
        external_scrutiny=sum(1 for ipr in iprs if ipr.external_scrutiny),
        learning_identified=sum(1 for ipr in iprs if ipr.learning_identified),
        agreed_activities=len(activities),
        by_primary_line=tuple(
            PrimaryLineFigures(line, primary[line])
            for line in sorted(primary, key=lambda line: (-primary[line], line))
        ),
        sections=tuple(sections[line] for line in sorted(sections)),
        multiple=multiple,
    )


def _cell(text: str) -> str:
    """Safe inside a Markdown table cell or list item."""
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _section(section: FindingSection, level: str) -> list[str]:
    line = _cell(section.service_line)
    out = [
        f"{level} {line}",
        "",
        "| Measure | Number |",
        "| --- | ---: |",
        f"| Cases in which {line} learning was identified | {section.cases_with_learning} |",
        f"| Agreed activities owned by {line} | {section.agreed_activities} |",
        "",
    ]
    for c in section.customers:
        out += [f"{level}# {c.customer}", ""]
        for kind, items in zip(KINDS, (c.learning, c.activities, c.outcomes), strict=True):
            out += [f"**{KIND_TITLES[kind]}**", ""]
            out += [f"- {_cell(t)}" for t in items] or ["- None recorded under this line"]
            out.append("")
    return out


def to_markdown(pub: Publication) -> str:
    """The tables as DWP lays them out (docs/ipr-publication.md)."""
    out = [
        f"# Internal Process Reviews completed in {pub.year}",
        "",
        "Reviews completed between 1 April and 31 March of the reporting year. "
        "Customers are not identified: within each service line's section, "
        '"Customer 1", "Customer 2", ... number the cases with learning, agreed '
        "activities or outcomes under that line.",
        "",
        "## 1. IPRs completed",
        "",
        "| Measure | Number |",
        "| --- | ---: |",
        f"| {MEASURES['completed']} | {pub.completed} |",
        f"| {MEASURES['external_scrutiny']} | {pub.external_scrutiny} |",
        "",
        "## 2. IPRs completed by primary service line",
        "",
        "A case counts once under each service line it is about.",
        "",
    ]
    if pub.by_primary_line:
        out += [
            "| Service line | IPRs completed |",
            "| --- | ---: |",
            *(f"| {_cell(x.service_line)} | {x.completed} |" for x in pub.by_primary_line),
        ]
    else:
        out.append("No reviews were completed in this year.")
    out += [
        "",
        "## 3. Learning identified and agreed activities",
        "",
        "| Measure | Number |",
        "| --- | ---: |",
        f"| IPRs completed where learning was identified | {pub.learning_identified} |",
        f"| {MEASURES['agreed_activities']} | {pub.agreed_activities} |",
        "",
        "## 4. By service line of the findings",
        "",
    ]
    if not pub.sections:
        out += ["No findings were recorded under a single service line in this year.", ""]
    for section in pub.sections:
        out += _section(section, "###")
    out += ["## 5. Multiple Service Lines", ""]
    if pub.multiple is None:
        out += ["No learning spanning several service lines was recorded in this year.", ""]
    else:
        out += _section(pub.multiple, "###")
    return "\n".join(out).rstrip("\n") + "\n"


def write_csv(pub: Publication, folder: Path) -> list[Path]:
    """summary.csv, by_primary_service_line.csv, by_finding_service_line.csv and
    narratives.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    all_sections = (*pub.sections, *([pub.multiple] if pub.multiple else []))
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "summary.csv": (
            ["measure", "value"],
            [["reporting_year", pub.year], *([m, v] for m, v in pub.summary())],
        ),
        "by_primary_service_line.csv": (
            ["service_line", "completed"],
            [[x.service_line, x.completed] for x in pub.by_primary_line],
        ),
        "by_finding_service_line.csv": (
            ["service_line", "cases_with_learning", "agreed_activities"],
            [[x.service_line, x.cases_with_learning, x.agreed_activities] for x in all_sections],
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
