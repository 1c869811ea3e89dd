"""The file outbox keeps real submissions in a real file store (a SQLite read model under
tmp_path), from forms rendered by the real FormStore."""

import json
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.db import FileEntryRecord
from activities.forms import (
    FormRequest,
    FormStore,
    StoredForm,
    Uc47Data,
    structured,
)
from activities.outbox import (
    FileOutbox,
    OutboxActivities,
    Submission,
    SubmissionChannel,
    SubmissionRefused,
    SubmitFormRequest,
)
from domain.policy import Landlord
from tests.file_store import count_entries, store_in, stored_bytes


def parts(tmp_path: Path, submission_id: str) -> dict[str, bytes]:
    """A submission's parts in the store, by name."""
    store = store_in(tmp_path)
    return {e.name: store.read(e) for e in store.entries(submission_id)}


def submissions(tmp_path: Path) -> list[str]:
    store = store_in(tmp_path)
    with Session(store.engine) as session:
        owners = session.scalars(
            select(FileEntryRecord.owner).where(FileEntryRecord.kind == "outbox").distinct()
        )
        return sorted(owners)


NOW = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)
UC47 = Uc47Data(
    tenancy_ref="T-0117",
    resident_name="Dana Whitfield",
    address="7 Alder Close, York YO10 4QP",
    ni_number=None,
    date_of_birth=date(1979, 11, 3),
    rent_amount=Decimal("480.00"),
    rent_frequency="monthly",
    monthly_rent=Decimal("480.00"),
    arrears=Decimal("960.00"),
    arrears_evidence=((date(2026, 1, 1), "Rent due January", Decimal("480"), Decimal("960")),),
    request="managed_payment",
    deduction_rate_percent=None,
    tier_reasons=("Current rent arrears or threat of eviction",),
    requested_by="S. Mensah, Income Officer",
    requested_on=date(2026, 2, 1),
)
REQUEST = FormRequest(case_id="uc-case-T-0117", form="UC47", data=UC47)
LANDLORD = Landlord(
    name="Ouse Valley Housing",
    reference="OVH-20931",
    account_name="Ouse Valley Housing",
    sort_code="20-45-77",
    account_number="33445566",
)


@pytest.fixture
def stored(tmp_path: Path) -> StoredForm:
    return FormStore(store_in(tmp_path)).save(REQUEST, LANDLORD)


@pytest.fixture
def payload() -> dict[str, Any]:
    return structured(REQUEST, LANDLORD)


def outbox(tmp_path: Path, now: datetime = NOW) -> FileOutbox:
    return FileOutbox(store_in(tmp_path), clock=lambda: now)


def test_a_submission_writes_the_payload_the_pdf_and_a_receipt(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    submission = outbox(tmp_path).submit("uc-case-T-0117-12", stored, payload)
    held = parts(tmp_path, "uc-case-T-0117-12")
    assert sorted(held) == ["UC47.pdf", "payload.json", "receipt.json"]
    assert json.loads(held["payload.json"]) == payload
    assert held["UC47.pdf"] == stored_bytes(stored.pdf_path)
    assert submission == Submission(
        submission_id="uc-case-T-0117-12",
        case_id="uc-case-T-0117",
        form="UC47",
        form_sha256=stored.sha256,
        submitted_at=NOW,
        channel="file_outbox",
        reference=submission.reference,
        created=True,
    )
    assert submission.reference.startswith("OUTBOX-") and len(submission.reference) == 19
    assert json.loads(held["receipt.json"]) == {
        "submission_id": "uc-case-T-0117-12",
        "case_id": "uc-case-T-0117",
        "form": "UC47",
        "form_sha256": stored.sha256,
        "submitted_at": "2026-02-02T09:30:00+00:00",
        "channel": "file_outbox",
        "reference": submission.reference,
    }


def test_submitted_at_is_recorded_in_utc(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    local = NOW.astimezone(timezone(timedelta(hours=1)))
    submission = outbox(tmp_path, local).submit("uc-case-T-0117-12", stored, payload)
    assert submission.submitted_at == NOW and submission.submitted_at.tzinfo is UTC


def test_submitting_the_same_id_again_returns_the_first_receipt_and_writes_nothing(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    first = outbox(tmp_path).submit("uc-case-T-0117-12", stored, payload)
    before = store_in(tmp_path).entries("uc-case-T-0117-12")
    later = outbox(tmp_path, NOW + timedelta(days=3)).submit("uc-case-T-0117-12", stored, payload)
    assert later == replace(first, created=False)
    assert later.submitted_at == NOW
    assert store_in(tmp_path).entries("uc-case-T-0117-12") == before


def test_two_attempts_racing_on_one_id_leave_one_receipt_and_one_creation(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    start = threading.Barrier(2)
    results: list[Submission] = []

    def attempt(minutes: int) -> None:
        box = outbox(tmp_path, NOW + timedelta(minutes=minutes))
        start.wait()
        results.append(box.submit("uc-case-T-0117-12", stored, payload))

    threads = [threading.Thread(target=attempt, args=(m,)) for m in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.created for r in sorted(results, key=lambda r: r.created)] == [False, True]
    assert len({(r.reference, r.submitted_at) for r in results}) == 1
    assert count_entries(store_in(tmp_path).engine, "receipt.json") == 1


def test_a_different_id_is_a_separate_submission(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    box = outbox(tmp_path)
    first = box.submit("uc-case-T-0117-12", stored, payload)
    second = box.submit("uc-case-T-0117-19", stored, payload)
    assert first.created and second.created and first.reference != second.reference
    assert submissions(tmp_path) == ["uc-case-T-0117-12", "uc-case-T-0117-19"]


def test_a_retry_after_a_crash_before_the_receipt_completes_the_submission(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    first = outbox(tmp_path).submit("uc-case-T-0117-12", stored, payload)
    with Session(store_in(tmp_path).engine) as session, session.begin():
        session.execute(delete(FileEntryRecord).where(FileEntryRecord.name == "receipt.json"))
    retried = outbox(tmp_path).submit("uc-case-T-0117-12", stored, payload)
    assert retried == first


@pytest.mark.parametrize(
    "unsafe", ["", "..", ".hidden", "a\\b", "a b", "case\x00", "é-1", "x" * 201]
)
def test_an_unsafe_submission_id_is_refused(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any], unsafe: str
) -> None:
    with pytest.raises(SubmissionRefused, match="submission_id"):
        outbox(tmp_path).submit(unsafe, stored, payload)
    assert submissions(tmp_path) == []


def test_ids_with_slashes_and_colons_do_not_collide(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    box = outbox(tmp_path)
    ids = ["uc-case-T-0042/7-12", "uc-case-T-0042_7-12", "uc-case:T-0042/../7-12"]
    made = [box.submit(i, stored, payload) for i in ids]
    assert all(s.created for s in made)
    assert count_entries(store_in(tmp_path).engine, "receipt.json") == 3
    assert submissions(tmp_path) == sorted(ids)
    assert box.submit(ids[0], stored, payload) == replace(made[0], created=False)


def test_reusing_an_id_for_a_different_form_is_refused(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    box = outbox(tmp_path)
    box.submit("uc-case-T-0117-12", stored, payload)
    other = FormStore(store_in(tmp_path)).save(
        replace(REQUEST, data=replace(UC47, arrears=Decimal("1440.00")))
    )
    with pytest.raises(SubmissionRefused, match="already used"):
        box.submit("uc-case-T-0117-12", other, payload)


def test_a_payload_for_another_form_is_refused(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    with pytest.raises(SubmissionRefused, match="payload is for 'APA1'"):
        outbox(tmp_path).submit("uc-case-T-0117-12", stored, payload | {"form": "APA1"})


class RecordingChannel:
    """A stand-in for a DWP online service: anything with this submit is a channel."""

    def __init__(self) -> None:
        self.sent: dict[str, dict[str, Any]] = {}

    def submit(self, submission_id: str, stored: StoredForm, payload: dict[str, Any]) -> Submission:
        created = submission_id not in self.sent
        self.sent.setdefault(submission_id, payload)
        return Submission(
            submission_id, payload["case_id"], "UC47", stored.sha256, NOW, "dwp", "DWP-1", created
        )


def test_the_activity_submits_through_any_submission_channel(
    stored: StoredForm, payload: dict[str, Any]
) -> None:
    channel = RecordingChannel()
    as_protocol: SubmissionChannel = channel
    request = SubmitFormRequest("uc-case-T-0117-12", stored, payload)
    submission = ActivityEnvironment().run(OutboxActivities(as_protocol).submit_form, request)
    assert submission.channel == "dwp" and submission.created
    assert channel.sent == {"uc-case-T-0117-12": payload}


def test_submit_form_activity_submits_once(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    activities = OutboxActivities(outbox(tmp_path))
    request = SubmitFormRequest("uc-case-T-0117-12", stored, payload)
    first = ActivityEnvironment().run(activities.submit_form, request)
    again = ActivityEnvironment().run(activities.submit_form, request)
    assert first.created and again == replace(first, created=False)
    assert "receipt.json" in parts(tmp_path, "uc-case-T-0117-12")


def test_submit_form_activity_refuses_an_unsafe_id_without_retrying(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    activities = OutboxActivities(outbox(tmp_path))
    with pytest.raises(ApplicationError, match="submission_id") as info:
        ActivityEnvironment().run(activities.submit_form, SubmitFormRequest("a b", stored, payload))
    assert info.value.non_retryable and info.value.type == "SubmissionRefused"


def test_request_and_submission_survive_the_workers_data_converter(
    tmp_path: Path, stored: StoredForm, payload: dict[str, Any]
) -> None:
    converter = pydantic_data_converter.payload_converter
    request = SubmitFormRequest("uc-case-T-0117-12", stored, payload)
    [decoded] = converter.from_payloads(converter.to_payloads([request]), [SubmitFormRequest])
    assert decoded == request
    submission = ActivityEnvironment().run(OutboxActivities(outbox(tmp_path)).submit_form, decoded)
    [back] = converter.from_payloads(converter.to_payloads([submission]), [Submission])
    assert back == submission
    assert back.submitted_at.utcoffset() == timedelta(0)


def test_the_activity_sends_the_landlord_its_stored_uc47_printed(
    tmp_path: Path, stored: StoredForm
) -> None:
    # The workflow builds the payload from case data alone (no landlord), or, from a
    # request made before the landlord was read at rendering, with an old copy.
    channel = RecordingChannel()
    activities = OutboxActivities(channel, FormStore(store_in(tmp_path)))
    for n, landlord in enumerate((None, {"name": "Old HA", "payment": {}}), start=1):
        payload = structured(REQUEST) | {"landlord": landlord}
        request = SubmitFormRequest(f"uc-case-T-0117-{n}", stored, payload)
        ActivityEnvironment().run(activities.submit_form, request)
        assert channel.sent[f"uc-case-T-0117-{n}"] == structured(REQUEST, LANDLORD)
    # The file outbox's own store is used when none is given.
    activities = OutboxActivities(outbox(tmp_path))
    request = SubmitFormRequest("uc-case-T-0117-3", stored, structured(REQUEST))
    ActivityEnvironment().run(activities.submit_form, request)
    sent = json.loads(parts(tmp_path, "uc-case-T-0117-3")["payload.json"])
    assert sent["landlord"]["payment"]["account_number"] == "33445566"


def test_a_uc47_with_no_structured_json_beside_it_is_refused_for_good(
    tmp_path: Path, stored: StoredForm
) -> None:
    with Session(store_in(tmp_path).engine) as session, session.begin():
        session.execute(delete(FileEntryRecord).where(FileEntryRecord.name.like("%.json")))
    activities = OutboxActivities(outbox(tmp_path))
    request = SubmitFormRequest("uc-case-T-0117-12", stored, structured(REQUEST))
    with pytest.raises(ApplicationError, match="no structured JSON") as info:
        ActivityEnvironment().run(activities.submit_form, request)
    assert info.value.non_retryable and submissions(tmp_path) == []
