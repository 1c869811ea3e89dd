"""Stored forms are read back from the form store by content hash only, checked against
it; a path recorded in workflow state is never opened, so a forged state cannot send
/etc/passwd to `starter.py form --out` or to DWP. And what the worker writes (forms,
submissions, letters, the SQLite read model, the folders they sit in) is readable by
its owner only, whatever the umask."""

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from temporalio.testing import ActivityEnvironment

import starter
from activities.db import make_engine, migrate
from activities.forms import FormNotStored, FormStore, StoredFormRefused, structured
from activities.ipr import IprActivities
from activities.ipr_records import FeedbackRequest
from activities.outbox import FileOutbox, SubmissionRefused
from domain.case.model import ArrangementSummary
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


# --- B. files no one can redirect ----------------------------------------------------


def test_a_stored_form_is_read_back_by_its_hash(tmp_path: Path) -> None:
    store = FormStore(tmp_path / "forms")
    stored = store.save(REQUEST)
    found = store.read(stored.sha256)
    assert found.content == Path(stored.pdf_path).read_bytes()
    assert found.name == Path(stored.pdf_path).name
    assert store.read(stored.sha256, case_id=REQUEST.case_id) == found


@pytest.mark.parametrize(
    "made_up",
    ["00", str(OUTSIDE), "../" * 5 + "etc/passwd", "AB" * 32, "g" * 64, "a" * 63, "", None],
)
def test_a_hash_that_is_not_a_sha256_is_refused_naming_the_field(
    tmp_path: Path, made_up: str | None
) -> None:
    store = FormStore(tmp_path / "forms")
    store.save(REQUEST)
    with pytest.raises(StoredFormRefused) as refused:
        store.read(made_up, "form_sha256")
    assert str(refused.value) == (
        "form_sha256: must be a SHA-256: 64 lowercase hexadecimal characters"
    )


def test_a_stored_form_whose_bytes_do_not_match_its_hash_is_refused(tmp_path: Path) -> None:
    store = FormStore(tmp_path / "forms")
    stored = store.save(REQUEST)
    Path(stored.pdf_path).write_bytes(b"%PDF- not what was generated")
    with pytest.raises(StoredFormRefused, match="form_sha256: the stored form's content does"):
        store.read(stored.sha256)


def test_a_link_planted_in_the_store_is_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    folder = tmp_path / "forms" / "uc-case-T-0117"
    folder.mkdir(parents=True)
    (folder / f"UC47-{sha[:16]}.pdf").symlink_to(secret)
    (tmp_path / "forms" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(FormNotStored, match="no form with this hash"):
        FormStore(tmp_path / "forms").read(sha)


def test_the_outbox_sends_the_stored_form_never_the_path_it_is_handed(tmp_path: Path) -> None:
    stored = FormStore(tmp_path / "forms").save(REQUEST)
    box = FileOutbox(tmp_path / "outbox", clock=lambda: NOW)
    redirected = replace(stored, pdf_path=str(OUTSIDE))
    box.submit("uc-case-T-0117-12", redirected, structured(REQUEST))
    sent = (tmp_path / "outbox" / "uc-case-T-0117-12" / "UC47.pdf").read_bytes()
    assert sent == Path(stored.pdf_path).read_bytes()
    # Pointed at a file outside the store, with its real hash: not in the store, not read.
    outside = hashlib.sha256(OUTSIDE.read_bytes()).hexdigest()
    forged = replace(stored, pdf_path=str(OUTSIDE), sha256=outside)
    with pytest.raises(FormNotStored):
        box.submit("uc-case-T-0117-13", forged, structured(REQUEST))
    with pytest.raises(SubmissionRefused, match="stored.sha256: must be a SHA-256"):
        box.submit("uc-case-T-0117-14", replace(stored, sha256="00"), structured(REQUEST))
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["uc-case-T-0117-12"]


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
    monkeypatch: pytest.MonkeyPatch, store: Path, out: Path, *flags: str, **arrangement: Any
) -> int:
    """`starter.py form HA-100626 1 --out OUT --store STORE` against a case whose state
    says `arrangement`."""
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

    monkeypatch.setattr(starter, "connect", connect)
    args = ["form", "HA-100626", "1", "--out", str(out), "--store", str(store), *flags]
    return starter.main(args)


def test_form_refuses_a_forged_state_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    permissive_umask: None,
) -> None:
    store = tmp_path / "forms"
    FormStore(store).save(REQUEST)
    out = tmp_path / "out.pdf"
    # The state a forged notice could once write: a path outside the store, made-up hashes.
    for made_up, rule in (
        ("00", "form_sha256: must be a SHA-256: 64 lowercase hexadecimal characters"),
        ("ab" * 32, "form_sha256: no form with this hash in the form store"),
        (hashlib.sha256(OUTSIDE.read_bytes()).hexdigest(), "no form with this hash"),
    ):
        code = _form_command(monkeypatch, store, out, form_path=str(OUTSIDE), form_sha256=made_up)
        captured = capsys.readouterr()
        assert code == 1, captured.err
        assert captured.err.startswith("refused: ") and rule in captured.err
        assert "Traceback" not in captured.err and not captured.out
        assert not out.exists()
    code = _form_command(
        monkeypatch, store, out, "--pack", pack_path=str(OUTSIDE), pack_sha256="0" * 63
    )
    assert code == 1 and not out.exists()
    assert "refused: pack_sha256: must be a SHA-256" in capsys.readouterr().err


def test_form_copies_the_stored_form_by_its_hash(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    permissive_umask: None,
) -> None:
    store = tmp_path / "forms"
    stored = FormStore(store).save(REQUEST)
    out = tmp_path / "copy.pdf"
    code = _form_command(monkeypatch, store, out, form_path=str(OUTSIDE), form_sha256=stored.sha256)
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes() == Path(stored.pdf_path).read_bytes()
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
            stored = FormStore(data / "forms").save(REQUEST)
            FileOutbox(data / "outbox", clock=lambda: NOW).submit(
                "uc-case-T-0117-12", stored, structured(REQUEST)
            )
            letter = ActivityEnvironment().run(
                IprActivities(engine, data).send_ipr_feedback,
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
    assert Path(letter.feedback_path).is_file()
    files = {p: m for p, m in modes.items() if (tmp_path / p).is_file()}
    folders = {p: m for p, m in modes.items() if (tmp_path / p).is_dir()}
    assert {"data/db/casework.db", "data/outbox/uc-case-T-0117-12/UC47.pdf"} <= files.keys()
    assert any(p.endswith("feedback.pdf") for p in files)
    assert any(p.endswith(".json") and p.startswith("data/forms/") for p in files)
    assert {p: m for p, m in files.items() if m != 0o600} == {}
    assert {p: m for p, m in folders.items() if m != 0o700} == {}
    assert "data" in folders
