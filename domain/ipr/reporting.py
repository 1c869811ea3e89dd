"""The IPR reporting year: 1 April to 31 March, by completion date."""

import re
from datetime import date

from domain.errors import DomainError

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def reporting_year(completed_on: date) -> str:
    """ "2021-22" for any completion from 1 April 2021 to 31 March 2022."""
    start = completed_on.year if completed_on.month >= 4 else completed_on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_bounds(year: str) -> tuple[date, date]:
    """The first and last day of a reporting year written "2021-22"."""
    match = _YEAR.match(year)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise DomainError("year", f"must be a reporting year such as 2021-22, not {year!r}")
    start = int(match[1])
    return date(start, 4, 1), date(start + 1, 3, 31)
