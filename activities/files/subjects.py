"""Whose data a stored file holds, from the ids the activities are given: the same
subjects whose data keys seal their workflows' payloads (workflows/ids.py)."""

from activities.files.names import Subject
from workflows.ids import subject_of


def of_workflow_key(key: str) -> Subject:
    """A case or IPR read-model key ("<workflow id>/<first run id>"), or a bare
    workflow id. A reference holds no "/", so the workflow id is all before the first."""
    found = subject_of(key.split("/", 1)[0])
    return Subject(found.domain, found.ref)


def of_ipr(reference: str) -> Subject:
    return Subject("ipr", reference)
