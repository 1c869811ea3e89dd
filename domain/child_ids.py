"""Ids of the child workflows a case or an IPR starts: unique per case, not per subject.

A tenancy may have a second case (the first one completed, `uc-case-<ref>` started
again) and an IPR reference may be referred again after termination (a new run of
`ipr-<reference>`). Their children's ids carry the parent's scope, the first run id
of its chain (stable across continue-as-new), so they never meet an id an earlier
case used, and a submission keyed by an arrangement id never repeats either.

`/` separates the scope: tenancy refs and IPR references are letters, digits and
hyphens (domain/case/model/tenancy.py, domain/ipr/model.py), so the subject before it is
read back exactly (workflows/ids.py). Nothing here identifies a person: the refs are
pseudonyms and the scope is a server-made uuid.

A parent opened before this (scope None) keeps the old, per-subject shapes.
"""

SCOPE_SEPARATOR = "/"


def migration_id(tenancy_ref: str, scope: str | None) -> str:
    if scope is None:
        return f"uc-migration-{tenancy_ref}"
    return f"uc-migration-{tenancy_ref}{SCOPE_SEPARATOR}{scope}"


def arrangement_id(tenancy_ref: str, scope: str | None, number: int) -> str:
    if scope is None:
        return f"uc-apa-{tenancy_ref}-{number}"
    return f"uc-apa-{tenancy_ref}{SCOPE_SEPARATOR}{scope}-{number}"


def activity_id(reference: str, scope: str | None, number: int) -> str:
    if scope is None:
        return f"ipr-{reference}-activity-{number}"
    return f"ipr-{reference}{SCOPE_SEPARATOR}{scope}-activity-{number}"


def is_scoped(child_id: str) -> bool:
    """Whether a child id is unique per case (else an earlier case may hold it)."""
    return SCOPE_SEPARATOR in child_id


def number_of(child_id: str) -> int:
    """The sequence number that ends an arrangement or activity id."""
    return int(child_id.rsplit("-", 1)[1])
