"""The shared file store on each backend (the read model on SQLite and PostgreSQL, and
object storage on a real S3-compatible server, moto's), with real PDFs: round trip
verified by hash, written once, tampering refused, sealed at rest with the subject's
data key, erased with it; and its configuration."""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from activities.db import FileBlobRecord, FileEntryRecord
from activities.files.blobs import Blobs, DatabaseBlobs
from activities.files.names import EntryConflict, SealedFileRefused, Subject
from activities.files.s3 import S3Blobs
from activities.files.sealing import open_sealed, seal
from activities.files.store import FileStore
from activities.forms import FormStore, StoredFormRefused, render_pdf
from infra.file_store import FileStoreConfigError, blobs_from_env
from infra.keystore import SubjectErased
from tests import s3
from tests.file_store import key_store
from tests.integration.test_outbox import LANDLORD, REQUEST

NAME = "Dana Whitfield"  # on the form REQUEST renders
DANA = Subject("uc", "T-0117")


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with s3.moto_server() as endpoint:
        yield endpoint


@dataclass
class Backend:
    store: FileStore
    engine: Engine
    blobs: Blobs
    endpoint: str | None = None
    bucket: str | None = None

    def raw(self) -> list[bytes]:
        """Every sealed blob as it is kept: rows, or objects."""
        if self.bucket is None:
            with Session(self.engine) as session:
                return [bytes(b) for b in session.scalars(select(FileBlobRecord.sealed))]
        assert self.endpoint is not None
        return list(s3.objects(self.endpoint, self.bucket).values())

    def alter(self, sha256: str, change: Callable[[bytes], bytes]) -> None:
        """Replace a blob where it is kept by `change` of it."""
        if self.bucket is None:
            with Session(self.engine) as session, session.begin():
                row = session.scalars(
                    select(FileBlobRecord).where(FileBlobRecord.sha256 == sha256)
                ).one()
                row.sealed = change(row.sealed)
            return
        assert self.endpoint is not None
        [(key, body)] = [
            (k, v) for k, v in s3.objects(self.endpoint, self.bucket).items() if k.endswith(sha256)
        ]
        s3.client(self.endpoint).put_object(Bucket=self.bucket, Key=key, Body=change(body))


@pytest.fixture(params=["database", "s3"])
def backend(request: pytest.FixtureRequest, db: Engine, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """The store on each database (the index, and the blobs with `database`), and with
    its blobs in a fresh bucket on the moto server (`s3`)."""
    if request.param == "database":
        blobs: Blobs = DatabaseBlobs(db)
        return Backend(FileStore(db, key_store(db), blobs), db, blobs)
    endpoint = request.getfixturevalue("moto")
    for name, value in s3.CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = s3.new_bucket(endpoint)
    blobs = S3Blobs(bucket, prefix="casework/files", endpoint_url=endpoint)
    return Backend(FileStore(db, key_store(db), blobs), db, blobs, endpoint, bucket)


def _blob_count(backend: Backend) -> int:
    return len(backend.raw())


def test_a_pdf_put_is_read_back_whole_and_verified(backend: Backend) -> None:
    pdf = render_pdf(REQUEST, LANDLORD)
    entry = backend.store.put("form", "uc-case-T-0117/run-1", "UC47-x.pdf", pdf, DANA)
    assert entry.created and entry.sha256 == hashlib.sha256(pdf).hexdigest()
    assert backend.store.get("uc-case-T-0117/run-1", "UC47-x.pdf") == pdf
    assert backend.store.read(entry) == pdf
    assert backend.store.find("form", entry.sha256) == [replace(entry, created=False)]
    assert backend.store.get("uc-case-T-0117/run-1", "other.pdf") is None


def test_the_same_content_is_written_once(backend: Backend) -> None:
    pdf = render_pdf(REQUEST, LANDLORD)
    first = backend.store.put("form", "case-a", "UC47.pdf", pdf, DANA)
    again = backend.store.put("form", "case-a", "UC47.pdf", pdf, DANA)
    assert first.created and not again.created
    assert (again.owner, again.name, again.sha256) == (first.owner, first.name, first.sha256)
    # Another name for the same content of the same subject: one blob still.
    backend.store.put("outbox", "case-a-1", "UC47.pdf", pdf, DANA)
    assert _blob_count(backend) == 1


def test_other_content_under_a_held_name_is_refused_and_changes_nothing(backend: Backend) -> None:
    backend.store.put("outbox", "sub-1", "receipt.json", b'{"n": 1}', DANA)
    with pytest.raises(EntryConflict, match="sub-1/receipt.json already holds other content"):
        backend.store.put("outbox", "sub-1", "receipt.json", b'{"n": 2}', DANA)
    assert backend.store.get("sub-1", "receipt.json") == b'{"n": 1}'


def test_altered_bytes_are_refused_on_read(backend: Backend) -> None:
    forms = FormStore(backend.store)
    stored = forms.save(REQUEST, LANDLORD)
    [entry] = [e for e in backend.store.find("form", stored.sha256) if e.name.endswith(".pdf")]
    backend.alter(stored.sha256, lambda sealed: sealed[:-6] + b"%%EOF\n")
    with pytest.raises(SealedFileRefused, match="does not authenticate"):
        backend.store.read(entry)
    # Through the form store: its error names the field and the rule.
    with pytest.raises(StoredFormRefused, match="form_sha256: the stored form's content does"):
        forms.read(stored.sha256)


def test_content_that_does_not_hash_to_its_name_is_refused(backend: Backend) -> None:
    entry = backend.store.put("form", "case-a", "UC47.pdf", b"%PDF- the real one", DANA)
    # Sealed properly (the subject's key, the right associated data) over other content.
    forged = seal(key_store(backend.engine), DANA, entry.sha256, b"%PDF- another")
    backend.alter(entry.sha256, lambda _: forged)
    with pytest.raises(SealedFileRefused, match="its content does not match its hash"):
        backend.store.read(entry)


def test_sealed_bytes_open_only_for_their_own_hash_and_subject(db: Engine) -> None:
    keys = key_store(db)
    sha = hashlib.sha256(b"hello").hexdigest()
    sealed = seal(keys, DANA, sha, b"hello")
    assert open_sealed(keys, DANA, sha, sealed) == b"hello"
    with pytest.raises(SealedFileRefused, match="does not authenticate"):
        open_sealed(keys, Subject("uc", "T-0118"), sha, sealed)
    with pytest.raises(SealedFileRefused, match="does not authenticate"):
        open_sealed(keys, DANA, hashlib.sha256(b"other").hexdigest(), sealed)
    with pytest.raises(SealedFileRefused, match="not a sealed file"):
        open_sealed(keys, DANA, sha, b"hello")


def test_files_are_encrypted_at_rest_with_the_subjects_data_key(
    backend: Backend,
) -> None:
    pdf = render_pdf(REQUEST, LANDLORD)
    plain_json = f'{{"resident": "{NAME}", "ni": "QQ123456C"}}'.encode()
    backend.store.put("form", "case-a", "UC47.pdf", pdf, DANA)
    backend.store.put("form", "case-a", "UC47.json", plain_json, DANA)
    raw = backend.raw()
    assert len(raw) == 2
    for blob in raw:
        assert NAME.encode() not in blob and b"QQ123456C" not in blob
        assert b"%PDF" not in blob and b"Whitfield" not in blob
        assert blob.startswith(b"CWF1") and b"dk-" in blob[:50]  # the subject's data key
    if backend.engine.dialect.name == "sqlite":  # nor anywhere in the database file
        backend.engine.dispose()
        database = backend.engine.url.database
        assert database is not None
        with open(database, "rb") as f:
            assert NAME.encode() not in f.read()
    if backend.bucket is not None:  # the object keys name no tenancy either
        assert backend.endpoint is not None
        keys = list(s3.objects(backend.endpoint, backend.bucket))
        assert all(k.startswith("casework/files/uc/") and "T-0117" not in k for k in keys)


def test_erasing_a_subject_removes_its_entries_and_blobs_only(backend: Backend) -> None:
    other = Subject("uc", "T-0999")
    backend.store.put("form", "uc-case-T-0117/r", "a.pdf", b"%PDF- Dana's", DANA)
    backend.store.put("outbox", "uc-apa-T-0117/r-1-1", "receipt.json", b"{}", DANA)
    kept = backend.store.put("form", "uc-case-T-0999/r", "a.pdf", b"%PDF- Sam's", other)
    assert backend.store.erase_subject(DANA) == 2
    assert backend.store.get("uc-case-T-0117/r", "a.pdf") is None
    assert backend.store.entries("uc-apa-T-0117/r-1-1") == []
    assert _blob_count(backend) == 1
    assert backend.store.read(kept) == b"%PDF- Sam's"
    with Session(backend.engine) as session:
        subjects = session.scalars(select(FileEntryRecord.subject).distinct()).all()
    assert subjects == ["T-0999"]


def test_after_the_key_is_destroyed_nothing_more_is_read_or_written(backend: Backend) -> None:
    keys = key_store(backend.engine)
    entry = backend.store.put("form", "case-z", "a.pdf", b"%PDF- Z", Subject("uc", "T-Z"))
    keys.destroy("uc", "T-Z", datetime.now(UTC))
    # A process that has not cached the key (another worker, a client; a running one
    # drops it within CASEWORK_KEY_CACHE_SECONDS).
    fresh = FileStore(backend.engine, key_store(backend.engine), backend.blobs)
    with pytest.raises(SubjectErased):
        fresh.read(entry)
    with pytest.raises(SubjectErased):
        fresh.put("form", "case-z", "b.pdf", b"%PDF- more", Subject("uc", "T-Z"))
    assert fresh.get("case-z", "b.pdf") is None


def test_the_index_lives_in_the_database_with_either_backend(backend: Backend) -> None:
    backend.store.put("letter", "ipr-IPR-1/r", "feedback.md", b"Dear Pat", Subject("ipr", "IPR-1"))
    with Session(backend.engine) as session:
        assert session.scalar(select(func.count()).select_from(FileEntryRecord)) == 1
        blobs = session.scalar(select(func.count()).select_from(FileBlobRecord))
    assert blobs == (1 if backend.bucket is None else 0)
    assert backend.store.backend == ("database" if backend.bucket is None else "s3")


def test_the_backend_is_chosen_by_configuration(db: Engine) -> None:
    assert blobs_from_env(db, {}).name == "database"
    assert blobs_from_env(db, {"CASEWORK_FILE_STORE": "database"}).name == "database"
    with pytest.raises(FileStoreConfigError, match="CASEWORK_FILE_STORE: must be one of"):
        blobs_from_env(db, {"CASEWORK_FILE_STORE": "disk"})
    with pytest.raises(FileStoreConfigError, match="CASEWORK_S3_BUCKET: required"):
        blobs_from_env(db, {"CASEWORK_FILE_STORE": "s3"})
    s3_blobs = blobs_from_env(
        db,
        {
            "CASEWORK_FILE_STORE": "s3",
            "CASEWORK_S3_BUCKET": "b",
            "CASEWORK_S3_PREFIX": "p",
            "CASEWORK_S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
    )
    assert s3_blobs.name == "s3"


def test_the_migration_creates_both_tables(db: Engine) -> None:
    with db.connect() as connection:
        for table in ("file_blobs", "file_entries"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
