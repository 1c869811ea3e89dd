"""Where sealed file content lives: the read-model database (the default) or object
storage (activities/files/s3.py). A blob is named by its subject and the SHA-256 of its
plaintext, and written once: a second put of the same name is a no-op."""

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from activities.db import FileBlobRecord
from activities.files.names import Subject


class Blobs(Protocol):
    name: str  # "database" or "s3": said in messages and by the import command

    def put(self, subject: Subject, sha256: str, sealed: bytes, size: int) -> bool:
        """Store unless held; True if this call stored it."""
        ...

    def get(self, subject: Subject, sha256: str) -> bytes | None: ...

    def erase_subject(self, subject: Subject) -> int:
        """Delete every blob of the subject; how many were deleted."""
        ...


def insert_for(engine: Engine) -> Any:
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


class DatabaseBlobs:
    """Blobs as rows of `file_blobs` in the read-model database (SQLite or PostgreSQL),
    which every worker and client already reaches."""

    name = "database"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = insert_for(engine)

    def put(self, subject: Subject, sha256: str, sealed: bytes, size: int) -> bool:
        row = {
            "domain": subject.domain,
            "subject": subject.ref or "",
            "sha256": sha256,
            "size": size,
            "sealed": sealed,
            "created_at": datetime.now(UTC),
        }
        statement = self._insert(FileBlobRecord.__table__).values(**row).on_conflict_do_nothing()
        with Session(self._engine) as session, session.begin():
            return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def get(self, subject: Subject, sha256: str) -> bytes | None:
        with Session(self._engine) as session:
            sealed: bytes | None = session.scalar(
                select(FileBlobRecord.sealed).where(
                    FileBlobRecord.domain == subject.domain,
                    FileBlobRecord.subject == (subject.ref or ""),
                    FileBlobRecord.sha256 == sha256,
                )
            )
        return bytes(sealed) if sealed is not None else None

    def erase_subject(self, subject: Subject) -> int:
        with Session(self._engine) as session, session.begin():
            result = session.execute(
                delete(FileBlobRecord).where(
                    FileBlobRecord.domain == subject.domain,
                    FileBlobRecord.subject == (subject.ref or ""),
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
