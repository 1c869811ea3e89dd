"""Stored forms are read back from the form store by content hash only, checked against
it; a path recorded in workflow state is never opened, so a forged state cannot send
/etc/passwd to `starter.py form --out` or to DWP. And what the worker writes (the
SQLite read model that holds the file store, the folders it sits in) is readable by
its owner only, whatever the umask; forms, submissions and letters go to no disk."""

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from temporalio.testing import ActivityEnvironment

import backoffice.forms
import starter
from activities.db import FileBlobRecord, make_engine, migrate
from activities.files.store import FileStore
from activities.forms import FormNotStored, FormStore, StoredFormRefused, structured
from activities.ipr import IprActivities
from activities.ipr_records import FeedbackRequest
from activities.outbox import FileOutbox, SubmissionRefused
from domain.case.model import ArrangementSummary
from tests.file_store import store_for, store_in, stored_bytes
from tests.integration.test_outbox import REQUEST

NOW = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)
OUTSIDE = Path("/etc/passwd")


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """As a library caller might run: no entry point has tightened the umask (and
    starter.main, which does, must not leak its umask into later tests)."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.fixture
def shared(engine: Engine) -> FileStore:
    """The store `starter.py form` reads: the session's read model (DATABASE_URL)."""
    return store_for(engine)


# --- B. files no one can redirect ----------------------------------------------------


def test_a_stored_form_is_read_back_by_its_hash(tmp_path: Path) -> None:
    store = FormStore(store_in(tmp_path))
    stored = store.save(REQUEST)
    found = store.read(stored.sha256)
    assert found.content == stored_bytes(stored.pdf_path)
    assert found.name == Path(stored.pdf_path).name
    assert store.read(stored.sha256, case_id=REQUEST.case_id) == found


@pytest.mark.parametrize(
    "made_up",
    ["00", str(OUTSIDE), "../" * 5 + "etc/passwd", "AB" * 32, "g" * 64, "a" * 63, "", None],
)
def test_a_hash_that_is_not_a_sha256_is_refused_naming_the_field(
    tmp_path: Path, made_up: str | None
) -> None:
    store = FormStore(store_in(tmp_path))
    store.save(REQUEST)
    with pytest.raises(StoredFormRefused) as refused:
        store.read(made_up, "form_sha256")
    assert str(refused.value) == (
        "form_sha256: must be a SHA-256: 64 lowercase hexadecimal characters"
    )


def test_a_stored_form_whose_bytes_do_not_match_its_hash_is_refused(tmp_path: Path) -> None:
    store = FormStore(store_in(tmp_path))
    stored = store.save(REQUEST)
    with Session(store.files.engine) as session, session.begin():
        blob = session.get(FileBlobRecord, ("uc", "T-0117", stored.sha256))
        assert blob is not None
        blob.sealed = blob.sealed[:-8] + b"%PDF-not"  # altered where it is kept
    with pytest.raises(StoredFormRefused, match="form_sha256: the stored form's content does"):
        store.read(stored.sha256)


def test_a_file_or_link_planted_on_disk_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    folder = tmp_path / "forms" / "uc-case-T-0117"
    folder.mkdir(parents=True)
    (folder / f"UC47-{sha[:16]}.pdf").symlink_to(secret)
    (tmp_path / "forms" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(FormNotStored, match="no form with this hash"):
        FormStore(store_in(tmp_path)).read(sha)


def test_the_outbox_sends_the_stored_form_never_the_path_it_is_handed(tmp_path: Path) -> None:
    files = store_in(tmp_path)
    stored = FormStore(files).save(REQUEST)
    box = FileOutbox(files, clock=lambda: NOW)
    redirected = replace(stored, pdf_path=str(OUTSIDE))
    box.submit("uc-case-T-0117-12", redirected, structured(REQUEST))
    sent = files.get("uc-case-T-0117-12", "UC47.pdf")
    assert sent == stored_bytes(stored.pdf_path)
    # Pointed at a file outside the store, with its real hash: not in the store, not read.
    outside = hashlib.sha256(OUTSIDE.read_bytes()).hexdigest()
    forged = replace(stored, pdf_path=str(OUTSIDE), sha256=outside)
    with pytest.raises(FormNotStored):
        box.submit("uc-case-T-0117-13", forged, structured(REQUEST))
    with pytest.raises(SubmissionRefused, match="stored.sha256: must be a SHA-256"):
        box.submit("uc-case-T-0117-14", replace(stored, sha256="00"), structured(REQUEST))
    assert [e.name for e in files.entries("uc-case-T-0117-13")] == []
    assert [e.name for e in files.entries("uc-case-T-0117-14")] == []


class _Handle:
    def __init__(self, arrangement: ArrangementSummary) -> None:
        self._arrangement = arrangement

    async def query(self, name: str, **_: Any) -> Any:
        assert name == "case_view"
        return type("View", (), {"arrangements": (self._arrangement,)})()


class _Client:
    def __init__(self, arrangement: ArrangementSummary) -> None:
        self._arrangement = arrangement

    def get_workflow_handle(self, workflow_id: str) -> _Handle:
        assert workflow_id == "uc-case-HA-100626"
        return _Handle(self._arrangement)


def _form_command(
    monkeypatch: pytest.MonkeyPatch, out: Path, *flags: str, **arrangement: Any
) -> int:
    """`starter.py form HA-100626 1 --out OUT` against a case whose state says
    `arrangement`; the form store is the shared one (DATABASE_URL: the session's)."""
    summary = ArrangementSummary(
        arrangement_id="uc-apa-HA-100626-2",
        kind="tpd",
        apa_type=None,
        requested_at=NOW,
        status="granted",
        **arrangement,
    )

    async def connect(*_: Any, **__: Any) -> _Client:
        return _Client(summary)

    monkeypatch.setattr(backoffice.forms, "connect", connect)
    args = ["form", "HA-100626", "1", "--out", str(out), *flags]
    return starter.main(args)


def test_form_refuses_a_forged_state_and_writes_nothing(
    tmp_path: Path,
    shared: FileStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    permissive_umask: None,
) -> None:
    FormStore(shared).save(REQUEST)
    out = tmp_path / "out.pdf"
    # The state a forged notice could once write: a path outside the store, made-up hashes.
    for made_up, rule in (
        ("00", "form_sha256: must be a SHA-256: 64 lowercase hexadecimal characters"),
        ("ab" * 32, "form_sha256: no form with this hash in the form store"),
        (hashlib.sha256(OUTSIDE.read_bytes()).hexdigest(), "no form with this hash"),
    ):
        code = _form_command(monkeypatch, out, form_path=str(OUTSIDE), form_sha256=made_up)
        captured = capsys.readouterr()
        assert code == 1, captured.err
        assert captured.err.startswith("refused: ") and rule in captured.err
        assert "Traceback" not in captured.err and not captured.out
        assert not out.exists()
    code = _form_command(monkeypatch, out, "--pack", pack_path=str(OUTSIDE), pack_sha256="0" * 63)
    assert code == 1 and not out.exists()
    assert "refused: pack_sha256: must be a SHA-256" in capsys.readouterr().err


def test_form_copies_the_stored_form_by_its_hash(
    tmp_path: Path,
    shared: FileStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    permissive_umask: None,
) -> None:
    stored = FormStore(shared).save(REQUEST)
    out = tmp_path / "copy.pdf"
    code = _form_command(monkeypatch, out, form_path=str(OUTSIDE), form_sha256=stored.sha256)
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes() == stored_bytes(stored.pdf_path, shared)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# --- C. files readable by their owner only -------------------------------------------


def test_forms_submissions_letters_and_the_database_are_their_owners_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    data = tmp_path / "data"  # the data folder itself does not exist yet
    url = f"sqlite:///{data / 'db' / 'casework.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:  # WAL: its -wal and -shm files, if there, too
            connection.execute(text("SELECT 1"))
            files_ = store_for(engine)
            stored = FormStore(files_).save(REQUEST)
            FileOutbox(files_, clock=lambda: NOW).submit(
                "uc-case-T-0117-12", stored, structured(REQUEST)
            )
            letter = ActivityEnvironment().run(
                IprActivities(engine, files_).send_ipr_feedback,
                FeedbackRequest(
                    ipr_id="ipr-IPR-2026-0001/run-1",
                    reference="IPR-2026-0001",
                    referrer_name="Pat Colleague",
                    referrer_email="pat.colleague@dwp.gov.uk",
                    referred_on=date(2026, 1, 5),
                    decided_on=date(2026, 1, 9),
                    reasons=("Criterion (A) is not met.",),
                    service_lines=("UC",),
                ),
            )
            modes = {
                str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode)
                for p in (data, *data.rglob("*"))
            }
    finally:
        engine.dispose()
    # Forms, submissions and letters are in the store, in the 0600 read model: on no disk.
    assert stored_bytes(letter.feedback_path, files_).startswith(b"%PDF-")
    assert files_.get("uc-case-T-0117-12", "UC47.pdf") == stored_bytes(stored.pdf_path, files_)
    files = {p: m for p, m in modes.items() if (tmp_path / p).is_file()}
    folders = {p: m for p, m in modes.items() if (tmp_path / p).is_dir()}
    assert "data/db/casework.db" in files
    assert not [p for p in files if p.endswith((".pdf", ".json", ".md"))]
    assert {p: m for p, m in files.items() if m != 0o600} == {}
    assert {p: m for p, m in folders.items() if m != 0o700} == {}
    assert "data" in folders
