"""The one-off import of files a worker wrote on its own disk before the shared file
store existed (docs/files.md): `<data>/forms/<case>/<form>-<sha16>.pdf|json`,
`<data>/outbox/<submission>/payload.json|<form>.pdf|receipt.json` and
`<data>/ipr/feedback/<ipr>/feedback.pdf|md`. Each file goes in under the owner and name
the activities use today, sealed with its subject's key; one already there is skipped,
so running it twice imports nothing the second time. The files on disk are left as
they are (erasure still removes them)."""

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from activities.files.names import EntryConflict, Subject
from activities.files.store import FileStore
from activities.files.subjects import of_workflow_key
from activities.forms import TITLES, FormStore
from activities.ipr import LETTER
from activities.outbox import FORMS, RECEIPT, FileOutbox

_FORM_FILE = re.compile(r"(?P<form>UC47|APA1)-(?P<sha16>[0-9a-f]{16})\.(?P<ext>pdf|json)")
_OUTBOX_FILES = ("payload.json", *(f"{f}.pdf" for f in FORMS), RECEIPT)
_LETTER_FILES = ("feedback.md", "feedback.pdf")


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already in the store
    refused: list[str] = field(default_factory=list)  # "<path>: why"

    def as_dict(self) -> dict[str, list[str]]:
        return {"imported": self.imported, "skipped": self.skipped, "refused": self.refused}


def import_files(store: FileStore, root: Path) -> ImportReport:
    report = ImportReport()
    for folder in _folders(root / "forms"):
        _import_forms(store, root, folder, report)
    for folder in _folders(root / "outbox"):
        _import_submission(store, root, folder, report)
    for folder in _folders(root / "ipr" / "feedback"):
        _import_letter(store, root, folder, report)
    return report


def _folders(parent: Path) -> Iterator[Path]:
    if parent.is_dir() and not parent.is_symlink():
        yield from sorted(p for p in parent.iterdir() if p.is_dir() and not p.is_symlink())


def _read(path: Path) -> bytes | None:
    """A regular file's bytes; None for a link, a folder or nothing (never followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read() if stat.S_ISREG(os.fstat(fd).st_mode) else None


def _put(
    store: FileStore,
    report: ImportReport,
    where: str,
    args: tuple[str, str, str, bytes, Subject],
) -> None:
    try:
        entry = store.put(*args)
    except EntryConflict:
        report.refused.append(f"{where}: the store holds other content under this name")
        return
    except Exception as error:  # an erased subject, an unreachable bucket: say which file
        report.refused.append(f"{where}: {type(error).__name__}: {error}")
        return
    (report.imported if entry.created else report.skipped).append(where)


def _original(folder_name: str, separators: str = "/") -> str | None:
    """The id a folder was named after: "<id with '/' as '_'>-<sha256(id)[:8]>" is
    reversed by trying each '_' as a separator and checking the hash; a name kept as it
    was is its own id."""
    base, _, digest = folder_name.rpartition("-")
    if re.fullmatch(r"[0-9a-f]{8}", digest) and "_" in base:
        parts = base.split("_")
        for n in range(1, len(parts)):
            for sep in separators:
                candidate = "_".join(parts[:n]) + sep + "_".join(parts[n:])
                if hashlib.sha256(candidate.encode()).hexdigest()[:8] == digest:
                    return candidate
        return None
    return folder_name


def _import_forms(store: FileStore, root: Path, folder: Path, report: ImportReport) -> None:
    files = sorted(p for p in folder.iterdir() if _FORM_FILE.fullmatch(p.name))
    # PDFs first: each JSON goes in under the case its form's JSON names.
    for path in sorted(files, key=lambda p: p.suffix != ".pdf"):
        where = str(path.relative_to(root))
        match = _FORM_FILE.fullmatch(path.name)
        assert match is not None
        content = _read(path)
        if content is None:
            report.refused.append(f"{where}: not a regular file")
            continue
        stem = path.name.rsplit(".", 1)[0]
        structured = _read(folder / f"{stem}.json")
        try:
            case_id = json.loads(structured or b"{}").get("case_id")
        except ValueError:
            case_id = None
        if not isinstance(case_id, str) or not case_id:
            report.refused.append(f"{where}: no JSON beside it naming the case")
            continue
        if match["ext"] == "pdf":
            if hashlib.sha256(content).hexdigest()[:16] != match["sha16"]:
                report.refused.append(f"{where}: its content does not match its name's hash")
                continue
            assert match["form"] in TITLES
        args = (FormStore.KIND, case_id, path.name, content, of_workflow_key(case_id))
        _put(store, report, where, args)


def _import_submission(store: FileStore, root: Path, folder: Path, report: ImportReport) -> None:
    where = str(folder.relative_to(root))
    receipt = _read(folder / RECEIPT)
    payload = _read(folder / "payload.json")
    try:
        body = json.loads(receipt) if receipt else {}
        sent = json.loads(payload) if payload else {}
    except ValueError:
        report.refused.append(f"{where}: its receipt or payload is not JSON")
        return
    submission_id = body.get("submission_id") or _original(folder.name, "/:")
    case_id = body.get("case_id") or sent.get("case_id")
    if not isinstance(submission_id, str) or not isinstance(case_id, str):
        report.refused.append(f"{where}: cannot tell its submission id or case")
        return
    subject = of_workflow_key(case_id)
    # The receipt last, as the outbox writes it: it is what makes the submission done.
    for name in _OUTBOX_FILES:
        content = _read(folder / name)
        if content is not None:
            args = (FileOutbox.KIND, submission_id, name, content, subject)
            _put(store, report, f"{where}/{name}", args)


def _import_letter(store: FileStore, root: Path, folder: Path, report: ImportReport) -> None:
    where = str(folder.relative_to(root))
    ipr_id = _original(folder.name)
    if ipr_id is None:
        report.refused.append(f"{where}: cannot tell which IPR it belongs to")
        return
    subject = of_workflow_key(ipr_id)
    for name in _LETTER_FILES:
        content = _read(folder / name)
        if content is not None:
            _put(store, report, f"{where}/{name}", (LETTER, ipr_id, name, content, subject))
