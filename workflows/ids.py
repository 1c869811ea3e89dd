"""Which subject's data a workflow holds, read from its workflow id.

The payload codec encrypts each subject's payloads with that subject's own data
key, so erasing the key erases the person from every history at once. A subject
is a tenancy (all of its cases, migrations and payment arrangements) in the
``uc`` domain, or an IPR reference (the review and its agreed activities) in the
``ipr`` domain. Anything else holds no personal data and falls in ``ops``.
Ids are pseudonyms (DOMAIN.md 5): neither form carries a name.

Children of a case or IPR opened since ids were per case carry its scope after a
``/`` (domain/child_ids.py): ``uc-migration-<ref>/<scope>``,
``uc-apa-<ref>/<scope>-<n>``, ``ipr-<reference>/<scope>-activity-<n>``. A ref holds
no ``/``, so the subject is what comes before it; older ids keep their old shapes.
"""

import re
from typing import NamedTuple


def case_workflow_id(tenancy_ref: str) -> str:
    """The workflow id of a tenancy's UC case."""
    return f"uc-case-{tenancy_ref}"


def ipr_workflow_id(reference: str) -> str:
    """The workflow id of the IPR under a reference."""
    return f"ipr-{reference}"


class Subject(NamedTuple):
    domain: str  # "uc", "ipr" or "ops"
    ref: str | None  # tenancy or IPR reference; None outside a subject


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Per case first: the ref ends at the first "/", the scope holds none.
    ("uc", re.compile(r"uc-migration-(?P<ref>[^/]+)/[^/]+")),
    ("uc", re.compile(r"uc-apa-(?P<ref>[^/]+)/[^/]+-\d+")),
    ("ipr", re.compile(r"ipr-(?P<ref>[^/]+)/[^/]+-activity-\d+")),
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
    ``subject_of``: a prefix alone would also match a longer reference). The
    migration and IPR prefixes find both the old and the per-case shapes."""
    if subject.domain == "uc":
        ref = subject.ref
        return (f"uc-case-{ref}", f"uc-migration-{ref}", f"uc-apa-{ref}-", f"uc-apa-{ref}/")
    return (f"ipr-{subject.ref}",)
