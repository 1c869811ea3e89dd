"""Removing what identifies a customer from text that leaves the workflow (the read
model, the publication). Full IPR reports are never published (docs/rules.md#ipr-publication)."""

import re
from collections.abc import Iterable
from datetime import date

from domain.ipr.model import Customer

CUSTOMER = "the customer"
REMOVED = "[removed]"
# Anything shaped like an NI number, a UK postcode or a date goes, whoever's it is.
# (Any two letters: test and never-issued prefixes such as QQ are still someone's.)
_NINO = re.compile(r"\b[A-Z]{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?[A-D]\b", re.IGNORECASE)
_TITLED = re.compile(rf"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+{CUSTOMER}\b", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATES = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}(T[\d:.]+(Z|[+-]\d{{2}}:?\d{{2}})?)?|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+(of\s+)?({_MONTHS})\.?,?\s+(\d{{4}}|'?\d{{2}})"
    rf"|({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+(\d{{4}}|'?\d{{2}}))\b",
    re.IGNORECASE,
)


def _date_forms(day: date) -> list[str]:
    return [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {day.strftime('%B')} {day.year}",
        day.strftime("%Y%m%d"),
        day.strftime("%d%m%Y"),
    ]


def _name_parts(full_name: str) -> list[str]:
    """Each part of the name, and each half of a hyphenated one. A part of two letters
    counts when it is capitalised ("Li", "Ng"); lower-case particles ("de", "la") and
    single initials do not, as they would take ordinary words with them. Runs of
    consecutive words count too, so "le Roux" goes whole with its particle."""
    words = [p for p in re.split(r"[\s,]+", full_name) if p]
    runs = [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)]
    halves = [half for w in words if "-" in w for half in w.split("-") if half]
    single = [w for w in (*words, *halves) if len(w) > 2 or (len(w) == 2 and w[0].isupper())]
    return list(dict.fromkeys((*runs, *single)))


_FLAT_AND_NUMBER = r"((flat|apartment|unit)\s+\w+\s+)?\d+[a-z]?\s+"
_STREET = re.compile(
    rf"^({_FLAT_AND_NUMBER})?"
    r"(?P<street>.*\b(road|rd|street|st|avenue|ave|lane|close|drive|way|court|crescent"
    r"|place|terrace|gardens|grove|hill|square|walk|row|park|view|rise|mews|parade|green"
    r"|vale|wharf|yard|gate))\b\.?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)


def _address_parts(address: str) -> list[str]:
    """Each comma-separated line of the address; the street with and without its
    number or flat ("Example Road" of "Flat 2 12 Example Road"); and, where the lines
    were not separated, what follows the street ("Leeds" of "12 Example Road Leeds
    LS1 1AA")."""
    parts: list[str] = []
    for line in (p.strip() for p in address.split(",")):
        parts.append(line)
        line = _POSTCODE.sub("", line).strip()
        parts.append(line)
        street = _STREET.match(line)
        if street:
            parts += [line[: street.end("street")], street["street"], street["rest"]]
        else:
            parts.append(re.sub(rf"^{_FLAT_AND_NUMBER}", "", line, flags=re.IGNORECASE))
    parts = [p.strip() for p in parts]
    return [p for p in dict.fromkeys(parts) if len(p) > 3 and not p.isdigit()]


def _phrases(customer: Customer, references: Iterable[str]) -> list[tuple[str, str]]:
    """(phrase, replacement), longest first, so a full name goes before its parts."""
    pairs: list[tuple[str, str]] = [(customer.full_name, CUSTOMER)]
    pairs += [(part, CUSTOMER) for part in _name_parts(customer.full_name)]
    pairs += [(ref, REMOVED) for ref in references if ref]
    if customer.ni_number:
        pairs.append((customer.ni_number, REMOVED))
    if customer.date_of_birth:
        pairs += [(form, REMOVED) for form in _date_forms(customer.date_of_birth)]
    if customer.address:
        pairs.append((customer.address, REMOVED))
        pairs += [(part, REMOVED) for part in _address_parts(customer.address)]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def redact(text: str, customer: Customer, references: Iterable[str] = ()) -> str:
    """`text` with the customer's name (as "the customer"), references, NI number, date
    of birth and address removed, and anything shaped like an NI number, a postcode or
    a date too."""
    for phrase, replacement in _phrases(customer, references):
        # Either apostrophe matches either: "O'Brien" stored, "O’Brien" written.
        exact = re.escape(phrase.replace("’", "'")).replace("'", "['’]")
        text = re.sub(rf"(?<!\w){exact}(?!\w)", replacement, text, flags=re.IGNORECASE)
    text = _TITLED.sub(CUSTOMER, text)
    # "the customer the customer" where a name had several parts.
    text = re.sub(rf"{CUSTOMER}(\s+{CUSTOMER})+", CUSTOMER, text, flags=re.IGNORECASE)
    for shape in (_NINO, _POSTCODE, _DATES):
        text = shape.sub(REMOVED, text)
    return text
