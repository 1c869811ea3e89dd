"""Which subject's data a workflow holds, read from its workflow id.

The payload codec encrypts each subject's payloads with that subject's own data
key, so erasing the key erases the person from every history at once. A subject
is a tenancy (all of its cases, migrations and payment arrangements) in the
``uc`` domain, or an IPR reference (the review and its agreed activities) in the
``ipr`` domain. Anything else holds no personal data and falls in ``ops``.
Ids are pseudonyms (DOMAIN.md 5): neither form carries a name.
"""

import re
from typing import NamedTuple


class Subject(NamedTuple):
    domain: str  # "uc", "ipr" or "ops"
    ref: str | None  # tenancy or IPR reference; None outside a subject


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uc", re.compile(r"uc-case-(?P<ref>.+)")),
    ("uc", re.compile(r"uc-migration-(?P<ref>.+)")),
    ("uc", re.compile(r"uc-apa-(?P<ref>.+)-\d+")),
    ("ipr", re.compile(r"ipr-(?P<ref>.+)-activity-\d+")),
    ("ipr", re.compile(r"ipr-(?P<ref>.+)")),
)


def subject_of(workflow_id: str | None) -> Subject:
    for domain, pattern in _PATTERNS:
        match = pattern.fullmatch(workflow_id or "")
        if match:
            return Subject(domain, match["ref"])
    if workflow_id and workflow_id.startswith("uc-"):
        return Subject("uc", None)
    if workflow_id and workflow_id.startswith("ipr-"):
        return Subject("ipr", None)
    return Subject("ops", None)


def workflow_ids_pattern(subject: Subject) -> tuple[str, ...]:
    """Visibility prefixes that find every workflow of a subject (then filter with
    ``subject_of``: a prefix alone would also match a longer reference)."""
    if subject.domain == "uc":
        return (f"uc-case-{subject.ref}", f"uc-migration-{subject.ref}", f"uc-apa-{subject.ref}-")
    return (f"ipr-{subject.ref}",)
