"""The file store every worker and client reaches: forms, outbox submissions and IPR
letters, kept by content hash and found through an index of named entries.

- Content-addressed: a blob is the SHA-256 of its plaintext (within its subject), sealed
  with the subject's data key (activities/files/sealing.py) and written once.
- Verified on every read: the seal authenticates and the plaintext hashes to the name,
  or SealedFileRefused.
- The index (`file_entries`, in the read-model database whichever backend holds the
  blobs) maps (owner, name) to a hash: a case's `UC47-<sha16>.pdf`, a submission's
  `receipt.json`, an IPR's `feedback.pdf`. An entry is written once too; a second put
  of other content under the same name raises EntryConflict and changes nothing.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from activities.db import FileEntryRecord
from activities.files.blobs import Blobs, DatabaseBlobs, insert_for
from activities.files.names import EntryConflict, FileMissing, SealedFileRefused, Subject
from activities.files.sealing import DataKeys, open_sealed, seal


@dataclass(frozen=True)
class Entry:
    owner: str
    name: str
    kind: str
    sha256: str
    subject: Subject
    size: int
    created: bool = False  # True only from the put that wrote it

    @property
    def locator(self) -> str:
        """What a workflow records for it: a name in the store, never a path on a disk
        (and never opened: reads go by owner, name and hash)."""
        return f"casework-files:{self.kind}/{self.owner}/{self.name}"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class FileStore:
    def __init__(self, engine: Engine, keys: DataKeys, blobs: Blobs | None = None) -> None:
        self._engine = engine
        self._keys = keys
        self._blobs = blobs or DatabaseBlobs(engine)
        self._insert = insert_for(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def backend(self) -> str:
        return self._blobs.name

    def put(self, kind: str, owner: str, name: str, content: bytes, subject: Subject) -> Entry:
        """Store `content` as `name` of `owner`, once. The blob goes first and the entry
        last, so an entry always has its blob; a retry after a crash in between finds
        the blob held and writes the entry. A repeat returns the entry, created=False."""
        sha = sha256_of(content)
        held = self.entry(owner, name)
        if held is None:
            self._blobs.put(subject, sha, seal(self._keys, subject, sha, content), len(content))
            row = {
                "owner": owner,
                "name": name,
                "kind": kind,
                "sha256": sha,
                "domain": subject.domain,
                "subject": subject.ref or "",
                "size": len(content),
                "created_at": datetime.now(UTC),
            }
            insert = self._insert(FileEntryRecord.__table__).values(**row)
            with Session(self._engine) as session, session.begin():
                result = session.execute(insert.on_conflict_do_nothing())
                created = bool(result.rowcount)  # type: ignore[attr-defined]
            held = self.entry(owner, name)
            assert held is not None
            if created:
                return Entry(**{**held.__dict__, "created": True})
        if held.sha256 != sha:
            raise EntryConflict(f"{owner}/{name} already holds other content")
        return held

    def entry(self, owner: str, name: str) -> Entry | None:
        with Session(self._engine) as session:
            row = session.get(FileEntryRecord, (owner, name))
            return _entry(row) if row is not None else None

    def find(self, kind: str, sha256: str, owner: str | None = None) -> list[Entry]:
        """Entries of `kind` whose content hashes to `sha256` (in `owner` if given)."""
        query = select(FileEntryRecord).where(
            FileEntryRecord.kind == kind, FileEntryRecord.sha256 == sha256
        )
        if owner is not None:
            query = query.where(FileEntryRecord.owner == owner)
        with Session(self._engine) as session:
            rows = session.scalars(query.order_by(FileEntryRecord.owner, FileEntryRecord.name))
            return [_entry(r) for r in rows]

    def entries(self, owner: str) -> list[Entry]:
        with Session(self._engine) as session:
            rows = session.scalars(
                select(FileEntryRecord)
                .where(FileEntryRecord.owner == owner)
                .order_by(FileEntryRecord.name)
            )
            return [_entry(r) for r in rows]

    def read(self, entry: Entry) -> bytes:
        """The entry's content, verified against its hash (SealedFileRefused if not)."""
        sealed = self._blobs.get(entry.subject, entry.sha256)
        if sealed is None:
            raise FileMissing(f"{entry.owner}/{entry.name}: no content in the {self.backend} store")
        return open_sealed(self._keys, entry.subject, entry.sha256, sealed)

    def get(self, owner: str, name: str) -> bytes | None:
        entry = self.entry(owner, name)
        return self.read(entry) if entry is not None else None

    def erase_subject(self, subject: Subject) -> int:
        """Delete the subject's entries and blobs (after its key is destroyed, what is
        left is unreadable anyway); how many entries went."""
        with Session(self._engine) as session, session.begin():
            result = session.execute(
                delete(FileEntryRecord).where(
                    FileEntryRecord.domain == subject.domain,
                    FileEntryRecord.subject == (subject.ref or ""),
                )
            )
            entries = int(result.rowcount or 0)  # type: ignore[attr-defined]
        self._blobs.erase_subject(subject)
        return entries


def _entry(row: FileEntryRecord) -> Entry:
    return Entry(
        owner=row.owner,
        name=row.name,
        kind=row.kind,
        sha256=row.sha256,
        subject=Subject(row.domain, row.subject or None),
        size=row.size,
    )


__all__ = ["Entry", "EntryConflict", "FileMissing", "FileStore", "SealedFileRefused", "sha256_of"]
