"""Submits a stored UC47 or APA1 (DOMAIN 1.5) through a channel. SubmissionChannel is the
seam a real DWP online submission implements; FileOutbox, the default, drops the payload,
the PDF and a receipt under one folder per submission. Idempotent by submission id (the
workflow passes "<case_id>-<event seq>"), so a retried activity never submits twice."""

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.forms import FormNotStored, FormStore, StoredForm, StoredFormRefused
from activities.owner_only import private_dir

FORMS = ("UC47", "APA1")
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


def _write_once(path: Path, content: bytes) -> bool:
    """Create path with content unless it exists; True if this call created it. The file
    appears whole or not at all: a fsynced temp file (mkstemp: 0600) is hard-linked into
    place, which fails if a racing attempt got there first."""
    if path.exists():
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def _place(path: Path, content: bytes) -> None:
    # A file left by an attempt that died before its receipt must be the same bytes.
    if not _write_once(path, content) and path.read_bytes() != content:
        raise SubmissionRefused(f"{path} already holds different content")


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


def _read_receipt(path: Path) -> Submission:
    body = json.loads(path.read_text())
    return Submission(
        **body | {"submitted_at": datetime.fromisoformat(body["submitted_at"])}, created=False
    )


class FileOutbox:
    CHANNEL = "file_outbox"

    def __init__(
        self,
        root: Path,
        clock: Callable[[], datetime] | None = None,
        forms: FormStore | None = None,
    ) -> None:
        self._root = root
        self._clock = clock or (lambda: datetime.now(UTC))
        # The worker keeps the form store beside the outbox (<files>/forms, <files>/outbox).
        self._forms = forms or FormStore(root.parent / "forms")

    @property
    def forms(self) -> FormStore:
        return self._forms

    def submit(self, submission_id: str, stored: StoredForm, payload: dict[str, Any]) -> Submission:
        folder = self._root / _folder_name(submission_id)
        receipt = folder / "receipt.json"
        if receipt.exists():
            return self._repeat(receipt, submission_id, stored)
        case_id, form = _check(stored, payload)
        pdf = self._stored_pdf(stored, case_id)
        private_dir(folder)
        text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False)
        _place(folder / "payload.json", text.encode() + b"\n")
        _place(folder / f"{form}.pdf", pdf)
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
        # The receipt goes last: it is what makes the submission count as done.
        if _write_once(receipt, _receipt_json(submission)):
            return submission
        return self._repeat(receipt, submission_id, stored)

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

    def _repeat(self, receipt: Path, submission_id: str, stored: StoredForm) -> Submission:
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
    """The payload with a UC47's `landlord` as its stored form printed it. The workflow
    builds the payload from case data alone (the landlord's details are read when the
    form is rendered), and a payload from an older request may hold an old copy."""
    case_id = payload.get("case_id")
    if stored.form != "UC47" or payload.get("form") != "UC47" or not isinstance(case_id, str):
        return payload  # nothing to fill; the channel refuses what does not fit
    try:
        printed = forms.read_structured(stored.sha256, case_id, "stored.sha256")
    except FormNotStored:
        raise
    except StoredFormRefused as error:
        raise SubmissionRefused(str(error)) from None
    if not isinstance(printed.get("landlord"), dict):
        raise SubmissionRefused("stored.sha256: the stored form's JSON records no landlord")
    return payload | {"landlord": printed["landlord"]}


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
