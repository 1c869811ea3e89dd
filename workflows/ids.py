"""Which subject's data a workflow holds, read from its workflow id.

The payload codec encrypts each subject's payloads with that subject's own data
key, so erasing the key erases the person from every history at once. A subject
is a tenancy (all of its cases, migrations and payment arrangements) in the
``uc`` domain, or an IPR reference (the review and its agreed activities) in the
``ipr`` domain. Anything else holds no personal data and falls in ``ops``.
Ids are pseudonyms (docs/rules.md#personal-data): neither form carries a name.

Children of a case or IPR opened since ids were per case carry its scope after a
``/``: ``uc-migration-<ref>/<scope>``, ``uc-apa-<ref>/<scope>-<n>``,
``ipr-<reference>/<scope>-activity-<n>``. A ref holds no ``/``, so the subject is
what comes before it; older ids keep their old shapes. The ids are made here too:
the workflow gives the case or IPR its children's names (`case_children`,
`ipr_children`) when it builds the state, and the domain takes them from there
(domain/shared/children.py), never knowing these shapes.
"""

import re
from typing import NamedTuple

from domain.shared.children import ChildNames


def case_workflow_id(tenancy_ref: str) -> str:
    """The workflow id of a tenancy's UC case."""
    return f"uc-case-{tenancy_ref}"


def ipr_workflow_id(reference: str) -> str:
    """The workflow id of the IPR under a reference."""
    return f"ipr-{reference}"


# Child ids: unique per case, not per subject.
#
# A tenancy may have a second case (the first one completed, `uc-case-<ref>` started
# again) and an IPR reference may be referred again after termination (a new run of
# `ipr-<reference>`). Their children's ids carry the parent's scope, the first run id
# of its chain (stable across continue-as-new: workflows/shell.py `id_scope`), so they
# never meet an id an earlier case used, and a submission keyed by an arrangement id
# never repeats either. `/` separates the scope: tenancy refs and IPR references are
# letters, digits and hyphens (domain/case/model/tenancy.py, domain/ipr/model.py), so
# the subject before it is read back exactly (`subject_of`). Nothing here identifies
# a person: the refs are pseudonyms and the scope is a server-made uuid. A parent
# opened before this (scope None) keeps the old, per-subject shapes.

SCOPE_SEPARATOR = "/"


def migration_id(tenancy_ref: str, scope: str | None) -> str:
    if scope is None:
        return f"uc-migration-{tenancy_ref}"
    return f"uc-migration-{tenancy_ref}{SCOPE_SEPARATOR}{scope}"


def _arrangement_prefix(tenancy_ref: str, scope: str | None) -> str:
    if scope is None:
        return f"uc-apa-{tenancy_ref}-"
    return f"uc-apa-{tenancy_ref}{SCOPE_SEPARATOR}{scope}-"


def _activity_prefix(reference: str, scope: str | None) -> str:
    if scope is None:
        return f"ipr-{reference}-activity-"
    return f"ipr-{reference}{SCOPE_SEPARATOR}{scope}-activity-"


def arrangement_id(tenancy_ref: str, scope: str | None, number: int) -> str:
    return f"{_arrangement_prefix(tenancy_ref, scope)}{number}"


def activity_id(reference: str, scope: str | None, number: int) -> str:
    return f"{_activity_prefix(reference, scope)}{number}"


def case_children(tenancy_ref: str, scope: str | None) -> ChildNames:
    """What a case's children are called: its migration, its payment arrangements."""
    return ChildNames(
        single=migration_id(tenancy_ref, scope),
        numbered=_arrangement_prefix(tenancy_ref, scope),
    )


def ipr_children(reference: str, scope: str | None) -> ChildNames:
    """What an IPR's children are called: its agreed activities."""
    return ChildNames(numbered=_activity_prefix(reference, scope))


def is_scoped(child_id: str) -> bool:
    """Whether a child id is unique per case (else an earlier case may hold it)."""
    return SCOPE_SEPARATOR in child_id


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
