"""Personal data is masked in every log line: ours (structlog), the Temporal SDK's
(stdlib logging) and rendered exceptions alike (infra/logs.py, infra/redact.py)."""

import io
import json
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from temporalio import activity, workflow

from infra.logs import configure_logging, get_logger
from infra.redact import known_names, mask_text, remember_names

# (personal data, the tag it must become)
SAMPLES: list[tuple[str, str]] = [
    ("QQ 12 34 56 C", "[NI]"),
    ("AB123456C", "[NI]"),
    ("QQ-12-34-56-A", "[NI]"),
    ("1980-02-29", "[DATE]"),
    ("29/02/1980", "[DATE]"),
    ("29 February 1980", "[DATE]"),
    ("SW1A 1AA", "[POSTCODE]"),
    ("M1 1AE", "[POSTCODE]"),
    ("jane.doe+uc@example.co.uk", "[EMAIL]"),
    ("07700 900123", "[PHONE]"),
    ("+44 7700 900123", "[PHONE]"),
    ("020 7946 0958", "[PHONE]"),
    ("12-34-56", "[BANK]"),
    ("31926819", "[BANK]"),
    ("GB29 NWBK 6016 1331 9268 19", "[BANK]"),
    ("12 Acacia Avenue", "[ADDRESS]"),
    ("Flat 3, 4 High Street", "[ADDRESS]"),
    ("Mrs J Brown", "[NAME]"),
    ("Mr Smith", "[NAME]"),
]
ORDINARY = "arrears on Universal Credit and Housing Benefit: the case escalated"
SAFE: dict[str, Any] = {
    "workflow_id": "uc-case-AB123456C-1980-02-29",
    "run_id": "0195f3a2-07700-900123",
    "activity": "record_event",
    "workflow_type": "UcCaseWorkflow",
    "update": "submit_command",
    "task_queue": "casework-SW1A 1AA",
    "namespace": "default",
    "first_seq": 12345678,
    "last_seq": 12345679,
    "events": ["CaseOpened", "12-34-56"],
}


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Logging configured into a buffer; global logging state restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, structlog.get_config())
    saved_info = (
        workflow.logger.workflow_info_on_message,
        activity.logger.activity_info_on_message,
    )
    buffer = io.StringIO()
    configure_logging(stream=buffer)
    known_names.clear()
    yield buffer
    known_names.clear()
    root.handlers[:], root.level = saved[0], saved[1]
    structlog.configure(**saved[2])
    workflow.logger.workflow_info_on_message, activity.logger.activity_info_on_message = saved_info


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def assert_masked(text: str, data: str, tag: str) -> None:
    assert data not in text, f"{data!r} leaked: {text}"
    assert tag in text, f"{tag} missing: {text}"


@pytest.mark.parametrize(("data", "tag"), SAMPLES)
def test_structlog_message_fields_and_nested_values_are_masked(
    lines: io.StringIO, data: str, tag: str
) -> None:
    get_logger("casework.test").info(
        f"resident {data} in arrears", detail=data, nested={"items": [f"x {data}", 7]}
    )
    (line,) = records(lines)
    assert_masked(line["event"], data, tag)
    assert line["detail"] == tag
    assert line["nested"]["items"][1] == 7
    assert_masked(line["nested"]["items"][0], data, tag)


@pytest.mark.parametrize(("data", "tag"), SAMPLES)
def test_temporal_sdk_workflow_logger_is_masked(lines: io.StringIO, data: str, tag: str) -> None:
    logging.getLogger("temporalio.workflow").warning(
        "signal for %s failed", data, extra={"payload_hint": data}
    )
    (line,) = records(lines)
    assert line["logger"] == "temporalio.workflow"
    assert_masked(line["event"], data, tag)
    assert_masked(line["payload_hint"], data, tag)


def test_registered_names_are_masked_whole_word_and_case_insensitively(
    lines: io.StringIO,
) -> None:
    remember_names("Siobhan O'Neill-Barker")
    get_logger("casework.test").info(
        "siobhan o’neill-barker called; SIOBHAN; Barker; O'Neill; Barkerville and Siobhana stay"
    )
    (line,) = records(lines)
    event = line["event"]
    assert not re.search(r"(?i)\bsiobhan\b|\bbarker\b|o['’]neill", event), event
    assert event.count("[NAME]") == 4
    assert "Barkerville" in event and "Siobhana" in event


def test_names_are_not_masked_until_registered(lines: io.StringIO) -> None:
    log = get_logger("casework.test")
    log.info("Priya Ng called")
    remember_names("Priya Ng")
    log.info("Priya Ng called")
    first, second = records(lines)
    assert first["event"] == "Priya Ng called"
    assert second["event"] == "[NAME] called"


def test_name_registry_is_thread_safe() -> None:
    known_names.clear()
    names = [f"Resident{i} Surname{i}" for i in range(400)]
    threads = [threading.Thread(target=remember_names, args=tuple(names[i::8])) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert all(name in known_names for name in names)
        assert mask_text("Resident399 Surname399 and Surname7") == "[NAME] and [NAME]"
    finally:
        known_names.clear()


def test_exception_text_is_masked(lines: io.StringIO) -> None:
    remember_names("Jane Doe")
    message = "no claim for Jane Doe, NI QQ 12 34 56 C, born 29/02/1980, at M1 1AE"
    try:
        raise ValueError(message)
    except ValueError:
        get_logger("casework.test").exception("decode failed")
        logging.getLogger("temporalio.activity").exception("activity failed")
    ours, sdk = records(lines)
    for line in (ours, sdk):
        rendered = line["exception"]
        assert "Traceback" in rendered and "ValueError" in rendered
        for data in ("Jane", "Doe", "QQ 12 34 56 C", "29/02/1980", "M1 1AE"):
            assert data not in rendered, rendered
        for tag in ("[NAME]", "[NI]", "[DATE]", "[POSTCODE]"):
            assert tag in rendered, rendered


def test_safe_keys_stay_readable(lines: io.StringIO) -> None:
    get_logger("casework.test").info("event applied", **SAFE)
    logging.getLogger("temporalio.workflow").info("sdk line", extra=SAFE)
    for line in records(lines):
        for key, value in SAFE.items():
            assert line[key] == value
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z", line["timestamp"])
        assert line["level"] == "info"


def test_ordinary_words_and_ids_survive(lines: io.StringIO) -> None:
    text = f"{ORDINARY}; 3 items, seq 1234567 of 2000000, temporalio 1.35.0"
    remember_names("Ann Lee")
    get_logger("casework.test").info(text, note=ORDINARY, count=42, ratio=0.5, ok=True)
    logging.getLogger("temporalio.workflow").info(text)
    ours, sdk = records(lines)
    assert ours["event"] == sdk["event"] == text
    assert ours["note"] == ORDINARY
    assert (ours["count"], ours["ratio"], ours["ok"]) == (42, 0.5, True)


def test_console_format_is_masked_too() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, structlog.get_config())
    buffer = io.StringIO()
    try:
        configure_logging(fmt="console", stream=buffer)
        logging.getLogger("temporalio.workflow").info("call 07700 900123 about 12 Acacia Avenue")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        structlog.configure(**saved[2])
    out = buffer.getvalue()
    assert "07700 900123" not in out and "Acacia" not in out
    assert "[PHONE]" in out and "[ADDRESS]" in out


def test_presidio_is_loaded_only_when_a_line_is_masked() -> None:
    """A back-office command that logs nothing does not wait for Presidio and spaCy
    (about 1.4 s); the first masked line loads them and masks as before."""
    script = (
        "import sys\n"
        "from infra.logs import configure_logging\n"
        "from infra.redact import mask_text\n"
        "configure_logging()\n"
        "print('presidio_analyzer' in sys.modules)\n"
        "print(mask_text('write to ann@example.org'))\n"
        "print('presidio_analyzer' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == ["False", "write to [EMAIL]", "True"]
