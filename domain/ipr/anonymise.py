"""Removing what identifies a customer from text that leaves the workflow (the read
model, the publication). Full IPR reports are never published (DOMAIN.md 3.3)."""

import re
from collections.abc import Iterable
from datetime import date

from domain.ipr.model import Customer

CUSTOMER = "the customer"
REMOVED = "[removed]"
# Anything shaped like an NI number, a UK postcode or a date goes, whoever's it is.
# (Any two letters: test and never-issued prefixes such as QQ are still someone's.)
_NINO = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
_TITLED = re.compile(rf"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+{CUSTOMER}\b", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATES = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+\d{{4}}"
    rf"|({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)


def _date_forms(day: date) -> list[str]:
    return [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {day.strftime('%B')} {day.year}",
    ]


def _phrases(customer: Customer, references: Iterable[str]) -> list[tuple[str, str]]:
    """(phrase, replacement), longest first, so a full name goes before its parts."""
    pairs: list[tuple[str, str]] = [(customer.full_name, CUSTOMER)]
    pairs += [(part, CUSTOMER) for part in re.split(r"[\s,]+", customer.full_name) if len(part) > 2]
    pairs += [(ref, REMOVED) for ref in references if ref]
    if customer.ni_number:
        pairs.append((customer.ni_number, REMOVED))
    if customer.date_of_birth:
        pairs += [(form, REMOVED) for form in _date_forms(customer.date_of_birth)]
    if customer.address:
        pairs.append((customer.address, REMOVED))
        pairs += [(p.strip(), REMOVED) for p in customer.address.split(",") if len(p.strip()) > 3]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def redact(text: str, customer: Customer, references: Iterable[str] = ()) -> str:
    """`text` with the customer's name (as "the customer"), references, NI number, date
    of birth and address removed, and anything shaped like an NI number, a postcode or
    a date too."""
    for phrase, replacement in _phrases(customer, references):
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", replacement, text, flags=re.IGNORECASE)
    text = _TITLED.sub(CUSTOMER, text)
    # "the customer the customer" where a name had several parts.
    text = re.sub(rf"{CUSTOMER}(\s+{CUSTOMER})+", CUSTOMER, text, flags=re.IGNORECASE)
    for pattern in (_NINO, _POSTCODE, _DATES):
        text = pattern.sub(REMOVED, text)
    return text
