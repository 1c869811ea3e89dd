"""`starter.py form` from another host (another working folder, no data folder: only the
database, the key ring and Temporal), and `starter.py files import`, the one-off import
of the files workers wrote on their own disks before the shared store."""

import asyncio
import hashlib
import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader
from temporalio.testing import WorkflowEnvironment

from activities.db import make_engine, migrate
from activities.forms import FormStore, _case_dir, render_pdf, structured
from activities.ipr import feedback_markdown, feedback_pdf
from activities.ipr_records import FeedbackRequest
from activities.outbox import FileOutbox, Submission, _folder_name, _receipt_json
from backoffice.cases import open_case
from domain.case import commands as c
from domain.case.view import CaseView
from tests.factories import opening
from tests.file_store import store_for
from tests.helpers import eventually, shared_env
from tests.integration.test_outbox import LANDLORD, REQUEST

ROOT = Path(__file__).resolve().parents[2]


def _starter(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "starter.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "COLUMNS": "200", **shared_env(), **env},
    )


async def test_form_is_downloaded_on_another_host_from_the_shared_store(
    dev_env: WorkflowEnvironment, dev_worker: str, tmp_path: Path
) -> None:
    ref = f"FH-{uuid.uuid4().hex[:8]}"
    opened = await open_case(dev_env.client, dev_worker, opening(ref, balance=Decimal("1200")))
    case = opened.handle
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="o", kind="mptl")
    )
    view = await eventually(
        lambda: case.query("case_view", result_type=CaseView),
        lambda v: bool(v.arrangements) and bool(v.arrangements[0].form_sha256),
        attempts=300,
        delay=0.1,
    )
    sha = view.arrangements[0].form_sha256
    host = tmp_path / "another-host"  # no data folder, no forms on this disk
    host.mkdir()
    # In a thread: the session's worker runs on this event loop and answers the query.
    done = await asyncio.to_thread(
        _starter,
        host,
        "form",
        ref,
        "1",
        "--out",
        "uc47.pdf",
        TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        CASEWORK_DATA_DIR=str(host / ".data"),
    )
    assert done.returncode == 0, done.stderr
    pdf = (host / "uc47.pdf").read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == sha
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Morgan Testperson" in text and ref in text
    assert sorted(p.name for p in host.iterdir()) == ["uc47.pdf"]  # nothing else written


def _legacy_data(root: Path) -> dict[str, str]:
    """A worker's data folder as the disk-writing activities left it."""
    case_id = "uc-case-T-0117/run-1"
    request = REQUEST.__class__(case_id=case_id, form=REQUEST.form, data=REQUEST.data)
    pdf = render_pdf(request, LANDLORD)
    sha = hashlib.sha256(pdf).hexdigest()
    forms = root / "forms" / _case_dir(case_id)
    forms.mkdir(parents=True)
    (forms / f"UC47-{sha[:16]}.pdf").write_bytes(pdf)
    body = json.dumps(structured(request, LANDLORD), indent=2, sort_keys=True)
    (forms / f"UC47-{sha[:16]}.json").write_text(body + "\n")
    submission_id = "uc-apa-T-0117/run-1-1-1"
    outbox = root / "outbox" / _folder_name(submission_id)
    outbox.mkdir(parents=True)
    (outbox / "payload.json").write_text(body + "\n")
    (outbox / "UC47.pdf").write_bytes(pdf)
    receipt = Submission(
        submission_id,
        case_id,
        "UC47",
        sha,
        datetime(2026, 2, 2, tzinfo=UTC),
        "file_outbox",
        "OUTBOX-0123456789ab",
        created=True,
    )
    (outbox / "receipt.json").write_bytes(_receipt_json(receipt))
    ipr_id = "ipr-IPR-2026-0001/run-1"
    letter = FeedbackRequest(
        ipr_id,
        "IPR-2026-0001",
        "Pat Colleague",
        "pat@dwp.gov.uk",
        date(2026, 1, 5),
        date(2026, 1, 9),
        ("Criterion (A) is not met.",),
        ("UC",),
    )
    letters = root / "ipr" / "feedback" / _case_dir(ipr_id)
    letters.mkdir(parents=True)
    (letters / "feedback.pdf").write_bytes(feedback_pdf(letter))
    (letters / "feedback.md").write_text(feedback_markdown(letter))
    return {"sha": sha, "case_id": case_id, "submission_id": submission_id, "ipr_id": ipr_id}


def test_files_import_brings_old_disk_files_into_the_store_once(tmp_path: Path) -> None:
    data = tmp_path / "old-worker" / ".data"
    made = _legacy_data(data)
    bad = data / "forms" / "uc-case-T-0999" / f"UC47-{'0' * 16}.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF- not what its name says")
    (bad.parent / f"UC47-{'0' * 16}.json").write_text('{"case_id": "uc-case-T-0999"}')
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {"DATABASE_URL": url, "CASEWORK_DATA_DIR": str(tmp_path / "client")}

    first = _starter(tmp_path, "files", "import", "--from", str(data), **env)
    assert first.returncode == 1, first.stderr  # one file refused, named with why
    assert "does not match its name's hash" in first.stderr and "T-0999" in first.stderr
    assert "8 imported, 0 already in the store, 1 refused (database store)" in first.stdout
    bad.unlink()
    again = _starter(tmp_path, "files", "import", "--from", str(data), "--json", **env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    # Run again: everything already there (7 files, and the JSON beside the refused PDF).
    assert (len(report["imported"]), len(report["skipped"]), report["refused"]) == (0, 8, [])
    assert report["backend"] == "database"

    migrate(url)
    engine = make_engine(url)
    try:
        files = store_for(engine)
        forms = FormStore(files)
        assert forms.read(made["sha"], case_id=made["case_id"]).content.startswith(b"%PDF")
        landlord = forms.read_structured(made["sha"], made["case_id"])["landlord"]
        assert landlord["name"] == LANDLORD.name
        outbox = FileOutbox(files)
        # The imported receipt counts: the submission is not made again.
        stored = forms.save(REQUEST.__class__(made["case_id"], "UC47", REQUEST.data), LANDLORD)
        assert not stored.created and stored.sha256 == made["sha"]
        payload = structured(REQUEST.__class__(made["case_id"], "UC47", REQUEST.data), LANDLORD)
        repeat = outbox.submit(made["submission_id"], stored, payload)
        assert not repeat.created and repeat.reference == "OUTBOX-0123456789ab"
        letters = [e.name for e in files.entries(made["ipr_id"])]
        assert letters == ["feedback.md", "feedback.pdf"]
        assert {e.subject for e in files.entries(made["ipr_id"])} == {("ipr", "IPR-2026-0001")}
    finally:
        engine.dispose()


def test_files_import_from_a_folder_that_is_not_there_is_bad_input(tmp_path: Path) -> None:
    done = _starter(tmp_path, "files", "import", "--from", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "--from" in done.stderr
