"""Submits a stored UC47 or APA1 (docs/rules.md#forms) through a channel. SubmissionChannel is the
seam a real DWP online submission implements; FileOutbox, the default, keeps the payload,
the PDF and a receipt in the shared file store (activities/files/) per submission.
Idempotent by submission id (the workflow passes "<arrangement id>-1"), so a retried
activity never submits twice."""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.forms import (
    RENDERED_KEYS,
    FormNotStored,
    FormStore,
    StoredForm,
    StoredFormRefused,
)

if TYPE_CHECKING:
    from activities.files.store import FileStore

FORMS = ("UC47", "APA1")
RECEIPT = "receipt.json"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Case ids may hold '/' (tenancy refs such as T-0042/7) and ':'; both are mapped.
_MAPPABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}")


class SubmissionRefused(ValueError):
    """A submission that no retry can fix: a bad id, a mismatched payload, a reused id."""


@dataclass(frozen=True)
class Submission:
    submission_id: str
    case_id: str
    form: Literal["UC47", "APA1"]
    form_sha256: str
    submitted_at: datetime
    channel: str
    reference: str
    created: bool

    def __post_init__(self) -> None:
        if self.submitted_at.utcoffset() is None:
            raise ValueError("submitted_at must be timezone-aware")


@dataclass(frozen=True)
class SubmitFormRequest:
    submission_id: str
    stored: StoredForm
    payload: dict[str, Any]


class SubmissionChannel(Protocol):
    def submit(self, submission_id: str, stored: StoredForm, payload: dict[str, Any]) -> Submission:
        """Submit once per submission_id; a repeat returns the first receipt, created=False."""
        ...


def reference_for(submission_id: str, form_sha256: str) -> str:
    return "OUTBOX-" + hashlib.sha256((submission_id + form_sha256).encode()).hexdigest()[:12]


def _folder_name(submission_id: str) -> str:
    if _SAFE.fullmatch(submission_id):
        return submission_id
    if _MAPPABLE.fullmatch(submission_id):
        # A hash of the original keeps "a/b" and "a_b" apart; '/' never reaches the path.
        digest = hashlib.sha256(submission_id.encode()).hexdigest()[:8]
        return f"{re.sub('[:/]', '_', submission_id)}-{digest}"
    raise SubmissionRefused(
        "submission_id must start with a letter or digit and hold at most 200 letters, "
        f"digits, '-', '_', '.', ':' or '/': {submission_id!r}"
    )


def _receipt_json(s: Submission) -> bytes:
    body = {
        "submission_id": s.submission_id,
        "case_id": s.case_id,
        "form": s.form,
        "form_sha256": s.form_sha256,
        "submitted_at": s.submitted_at.isoformat(),
        "channel": s.channel,
        "reference": s.reference,
    }
    return json.dumps(body, indent=2, sort_keys=True).encode() + b"\n"


def _read_receipt(content: bytes) -> Submission:
    body = json.loads(content)
    return Submission(
        **body | {"submitted_at": datetime.fromisoformat(body["submitted_at"])}, created=False
    )


class FileOutbox:
    """Submissions kept in the shared file store (activities/files/) under the
    submission id: `payload.json`, `<form>.pdf`, then `receipt.json`, each written once
    and sealed with the tenancy's data key."""

    CHANNEL = "file_outbox"
    KIND = "outbox"

    def __init__(
        self,
        files: "FileStore",
        clock: Callable[[], datetime] | None = None,
        forms: FormStore | None = None,
    ) -> None:
        self._files = files
        self._clock = clock or (lambda: datetime.now(UTC))
        # The forms it sends are read from the same store.
        self._forms = forms or FormStore(files)

    @property
    def forms(self) -> FormStore:
        return self._forms

    def submit(self, submission_id: str, stored: StoredForm, payload: dict[str, Any]) -> Submission:
        from activities.files.names import EntryConflict
        from activities.files.subjects import of_workflow_key

        _folder_name(submission_id)  # the id's rules, as when it named a folder
        receipt = self._files.get(submission_id, RECEIPT)
        if receipt is not None:
            return self._repeat(receipt, submission_id, stored)
        case_id, form = _check(stored, payload)
        pdf = self._stored_pdf(stored, case_id)
        subject = of_workflow_key(case_id)
        text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False)
        # A part left by an attempt that died before its receipt must be the same bytes.
        for name, content in (("payload.json", text.encode() + b"\n"), (f"{form}.pdf", pdf)):
            try:
                self._files.put(self.KIND, submission_id, name, content, subject)
            except EntryConflict:
                raise SubmissionRefused(
                    f"submission {submission_id!r}: {name} already holds different content"
                ) from None
        submission = Submission(
            submission_id=submission_id,
            case_id=case_id,
            form=form,
            form_sha256=stored.sha256,
            submitted_at=self._clock().astimezone(UTC),
            channel=self.CHANNEL,
            reference=reference_for(submission_id, stored.sha256),
            created=True,
        )
        # The receipt goes last: it is what makes the submission count as done. Of two
        # racing attempts one writes it; the other returns the receipt written.
        try:
            written = self._files.put(
                self.KIND, submission_id, RECEIPT, _receipt_json(submission), subject
            )
        except EntryConflict:
            written = None
        if written is not None and written.created:
            return submission
        held = self._files.get(submission_id, RECEIPT)
        assert held is not None
        return self._repeat(held, submission_id, stored)

    def _stored_pdf(self, stored: StoredForm, case_id: str) -> bytes:
        """The PDF from the form store by its hash, never from `stored.pdf_path`: that
        path travels in workflow history, and whoever could write one would choose the
        file sent to DWP. A form not (yet) in the store is retried; a bad hash or bytes
        that do not match it are refused for good."""
        try:
            return self._forms.read(stored.sha256, "stored.sha256", case_id=case_id).content
        except FormNotStored:
            raise
        except StoredFormRefused as error:
            raise SubmissionRefused(str(error)) from None

    def _repeat(self, receipt: bytes, submission_id: str, stored: StoredForm) -> Submission:
        first = _read_receipt(receipt)
        if first.submission_id != submission_id or first.form_sha256 != stored.sha256:
            raise SubmissionRefused(
                f"submission_id {submission_id!r} was already used for another submission"
            )
        return first


def _check(stored: StoredForm, payload: dict[str, Any]) -> tuple[str, Literal["UC47", "APA1"]]:
    if stored.form not in FORMS:
        raise SubmissionRefused(f"cannot submit form {stored.form!r}")
    if payload.get("form") != stored.form:
        raise SubmissionRefused(f"payload is for {payload.get('form')!r}, not {stored.form}")
    case_id = payload.get("case_id")
    if not isinstance(case_id, str) or not case_id:
        raise SubmissionRefused("payload carries no case_id")
    return case_id, cast(Literal["UC47", "APA1"], stored.form)


def as_rendered(forms: FormStore, stored: StoredForm, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with what the stored form printed when it was rendered: a UC47's
    `landlord`, and every form's `declaration` (and demo mark) from the configured
    officer (activities.forms.RENDERED_KEYS). The workflow builds the payload from case
    data alone, and a payload from an older request may hold an old copy."""
    case_id = payload.get("case_id")
    form = payload.get("form")
    if stored.form not in FORMS or form != stored.form or not isinstance(case_id, str):
        return payload  # nothing to fill; the channel refuses what does not fit
    try:
        printed = forms.read_structured(stored.sha256, case_id, "stored.sha256")
    except FormNotStored:
        if form != "UC47":
            return payload  # an APA1 carries no landlord the channel needs
        raise
    except StoredFormRefused as error:
        raise SubmissionRefused(str(error)) from None
    if form == "UC47" and not isinstance(printed.get("landlord"), dict):
        raise SubmissionRefused("stored.sha256: the stored form's JSON records no landlord")
    return payload | {key: printed[key] for key in RENDERED_KEYS if key in printed}


class OutboxActivities:
    def __init__(self, channel: SubmissionChannel, forms: FormStore | None = None) -> None:
        self._channel = channel
        # Where the forms are rendered: a UC47's landlord section comes from there.
        self._forms: FormStore | None = forms or getattr(channel, "forms", None)

    @activity.defn(name="submit_form")
    def submit_form(self, request: SubmitFormRequest) -> Submission:
        try:
            payload = request.payload
            if self._forms is not None:
                payload = as_rendered(self._forms, request.stored, payload)
            return self._channel.submit(request.submission_id, request.stored, payload)
        except SubmissionRefused as error:
            # Retrying cannot change the id, the payload or an earlier receipt.
            raise ApplicationError(
                str(error), type="SubmissionRefused", non_retryable=True
            ) from None
