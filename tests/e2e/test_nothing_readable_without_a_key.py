"""After `make demo` and each documented back-office command, none of the samples'
personal data can be read from the Temporal store, its logs, the worker's or codec
server's logs, the CLI or the server's HTTP API without the codec; the read model
stays the back office's, readable by its owner only."""

import json
import stat
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backoffice.samples import IPR_SAMPLES, SAMPLES
from infra import keys, tokens
from tests.e2e.conftest import Demo
from tests.e2e.personal_data import (
    case_needles,
    command_needles,
    in_bytes,
    in_json,
    in_text,
    referral_needles,
    sample_needles,
)

TODAY = date.today()

# What this test adds through the documented commands: invented people, so that
# what `open`, `import`, `send` and `ipr-refer` carry is looked for too.
OPENED: dict[str, Any] = {
    "tenancy_ref": "HA-900001",
    "opening_reason": "arrears_trigger",
    "opened_by": "officer-1",
    "resident": {
        "full_name": "Quillon Zabrowski-Fenn",
        "date_of_birth": "1979-05-17",
        "ni_number": "ZX813472D",
        "phone": "07700 900951",
        "email": "q.zabrowski@example.org",
    },
    "tenancy": {
        "address": "58 Thistlecombe Lane, Harrowfield, HF6 3WZ",
        "start_date": "2018-02-12",
        "landlord_ref": None,
    },
    "rent": {"amount": "101.00", "frequency": "weekly"},
    "balance": "250.00",
}
NOTE = {
    "by": "officer-1",
    "text": "Mr Zabrowski-Fenn asked for a call back on his mobile about the arrears letter.",
    "kind": "phone_in",
}
IMPORTED: dict[str, Any] = {
    "tenancy_ref": "HA-900002",
    "opening_reason": "portal_contact",
    "opened_by": "officer-2",
    "resident": {
        "full_name": "Perpetua Vandersloot",
        "date_of_birth": "1990-08-23",
        "ni_number": "ZY604219A",
        "phone": "07700 900962",
        "email": "p.vandersloot@example.net",
    },
    "tenancy": {"address": "3 Quenby Mews, Brackenwell, BW9 2XJ", "start_date": "2021-04-06"},
}
CSV_COLUMNS = (
    "tenancy_ref,opening_reason,opened_by,full_name,date_of_birth,ni_number,phone,email,"
    "address,tenancy_start,landlord_ref,rent_amount,rent_frequency,balance"
)
REFERRAL: dict[str, Any] = {
    "reference": "IPR-E2E-001",
    "received_on": (TODAY - timedelta(days=2)).isoformat(),
    "source": "family",
    "referrer": {
        "name": "Oona Colleague",
        "role": "Complaints manager",
        "email": "oona.colleague@dwp.gov.uk",
    },
    "customer": {
        "full_name": "Leopold Brackenridge-Umeh",
        "date_of_birth": "1966-02-08",
        "ni_number": "ZW390521C",
        "address": "17 Gannet Terrace, Testtown, TT9 9ZZ",
    },
    "summary": "The family of Mr Brackenridge-Umeh report that his ESA stopped after a "
    "missed appointment.",
    "service_lines": ["ESA"],
}
SCREENING = {
    "by": "screener-1",
    "allegation": True,
    "harm": "serious_harm",
    "notes": "Mr Brackenridge-Umeh was admitted to hospital after his ESA stopped.",
}
ASSURANCE = {
    "by": "dm-lead",
    "evidence": "Recovery letters now stop as soon as a death is notified to DWP.",
    "assured_on": TODAY.isoformat(),
}
OBJECTION = {"by": "officer-1", "objected_on": TODAY.isoformat()}
# A case and an IPR of the samples, each with a child, for the places looked at.
SAMPLE_CASE, SAMPLE_IPR = "HA-100347", "IPR-DEMO-004"


def _sample_children(demo: Demo) -> tuple[str, str]:
    """The ids of the sample case's payment arrangement and the sample IPR's agreed
    activity, as each recorded them (unique per case: workflows/ids.py)."""
    case = demo.starter("show", SAMPLE_CASE)
    assert case.returncode == 0, case.stderr
    ipr = demo.starter("ipr-show", SAMPLE_IPR)
    assert ipr.returncode == 0, ipr.stderr
    arrangement = json.loads(case.stdout)["arrangements"][0]["arrangement_id"]
    return arrangement, json.loads(ipr.stdout)["activities"][0]["activity_id"]


def _reporting_year(today: date) -> str:
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _csv_row(case: dict[str, Any]) -> str:
    r, t = case["resident"], case["tenancy"]
    cells = [
        case["tenancy_ref"],
        case["opening_reason"],
        case["opened_by"],
        r["full_name"],
        r["date_of_birth"],
        r["ni_number"],
        r["phone"],
        r["email"],
        f'"{t["address"]}"',
        t["start_date"],
        "",
        "95.50",
        "weekly",
        "0.00",
    ]
    return ",".join(str(c) for c in cells)


@dataclass(frozen=True)
class Workload:
    needles: frozenset[str]


def _run_documented_commands(demo: Demo, work: Path) -> None:
    """Each command README and `starter.py --help` document, once, as an operator
    beside the demo would run it."""
    case_file = work / "case.json"
    case_file.write_text(json.dumps(OPENED))
    csv_file = work / "cases.csv"
    csv_file.write_text(f"{CSV_COLUMNS}\n{_csv_row(IMPORTED)}\n")
    referral_file = work / "referral.json"
    referral_file.write_text(json.dumps(REFERRAL))
    sample_arrangement, sample_activity = _sample_children(demo)
    # In waves, two at a time (each spends about a second importing); a wave needs
    # only what the waves before it did.
    waves: list[list[tuple[str, ...]]] = [
        [
            ("open", str(case_file)),
            ("ipr-refer", str(referral_file)),
            ("import", str(csv_file)),
            ("load-samples",),
            ("commands",),
            ("list",),
            ("arrangement", sample_arrangement, "record_objection", json.dumps(OBJECTION)),
            ("form", SAMPLE_CASE, "1", "--out", str(work / "uc47.pdf")),
            ("simulate", "scenarios/deadline_met.yaml"),
            ("ipr-activity", sample_activity, "record_assurance", json.dumps(ASSURANCE)),
            ("ipr-show", SAMPLE_IPR),
            ("ipr-show", SAMPLE_IPR, "--journal"),
            ("ipr-publication", "--year", _reporting_year(TODAY), "--out", str(work / "pub")),
            ("keys", "show"),
            ("codec-token", "--operator", "e2e-operator", "--domain", "uc"),
            ("erase", "--due"),
        ],
        [
            ("send", "HA-900001", "add_journal_note", json.dumps(NOTE)),
            ("ipr-send", "IPR-E2E-001", "record_screening", json.dumps(SCREENING)),
        ],
        [("show", "HA-900001"), ("show", "HA-900001", "--journal")],
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for wave in waves:
            for args, done in zip(wave, pool.map(lambda a: demo.starter(*a), wave), strict=True):
                assert done.returncode == 0, (
                    f"starter.py {' '.join(args)}: {done.stdout}{done.stderr}"
                )


def _quiet(path: Path, seconds: float = 1.5, limit: float = 15) -> None:
    """Waits until ``path`` has not grown for ``seconds``: the worker has finished
    what the commands gave it (projections, forms) and logged it."""
    deadline = time.monotonic() + limit
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now_size = path.stat().st_size
        if now_size != size:
            size, since = now_size, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        time.sleep(0.25)


@pytest.fixture(scope="module")
def workload(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Workload:
    """All samples (the demo loaded them), then each documented command once."""
    _run_documented_commands(demo, tmp_path_factory.mktemp("workload"))
    _quiet(demo.data_dir / "worker.log")
    added = case_needles(OPENED) | case_needles(IMPORTED) | referral_needles(REFERRAL)
    added |= command_needles(NOTE) | command_needles(SCREENING) | command_needles(ASSURANCE)
    return Workload(sample_needles(SAMPLES, IPR_SAMPLES) | added)


def _workflow_ids(demo: Demo) -> list[str]:
    listed = demo.temporal("workflow", "list", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    return [w["execution"]["workflowId"] for w in json.loads(listed.stdout)]


def _history(demo: Demo, workflow_id: str, *codec: str) -> str:
    shown = demo.temporal("workflow", "show", "-w", workflow_id, "-o", "json", *codec)
    assert shown.returncode == 0, f"{workflow_id}: {shown.stderr}"
    return shown.stdout


def _get(demo: Demo, path: str) -> str:
    with urllib.request.urlopen(f"{demo.ui}{path}", timeout=30) as response:
        assert response.status == 200, path
        return str(response.read().decode())


def _history_pages(demo: Demo, path: str) -> list[str]:
    """Every page of a history, as the Web UI pages through it."""
    pages = [_get(demo, path)]
    while token := json.loads(pages[-1]).get("nextPageToken"):
        pages.append(_get(demo, f"{path}?nextPageToken={urllib.parse.quote(token)}"))
    return pages


def _raw(path: Path) -> bytes:
    """A SQLite database as stored: the file and its write-ahead log, if any."""
    parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


# --- the search finds what is there --------------------------------------------------------


def test_the_search_finds_the_samples_in_the_read_model_and_through_the_codec(
    demo: Demo, workload: Workload
) -> None:
    """Without this the other tests could pass by looking for the wrong things."""
    read_model = _raw(demo.data_dir / "casework.db")
    assert {"Shauna Kettleby", "JK482913B", "Quillon Zabrowski-Fenn"} <= in_bytes(
        workload.needles, read_model
    )
    ring = keys.load_file(demo.key_file)
    uc = tokens.issue(ring, "e2e-uc-reader", ["uc"], 1)
    ipr = tokens.issue(ring, "e2e-ipr-reader", ["ipr"], 1)
    case = _history(
        demo, "uc-case-HA-900001", "--codec-endpoint", demo.codec, "--codec-auth", f"Bearer {uc}"
    )
    assert {"Quillon Zabrowski-Fenn", "ZX813472D", "HF6 3WZ"} <= in_json(workload.needles, case)
    review = _history(
        demo, "ipr-IPR-DEMO-004", "--codec-endpoint", demo.codec, "--codec-auth", f"Bearer {ipr}"
    )
    assert {"Di Notreal", "QQ112233B"} <= in_json(workload.needles, review)


# --- nothing readable without a key ----------------------------------------------------------


def test_the_cli_workflow_list_shows_no_personal_data(demo: Demo, workload: Workload) -> None:
    listed = demo.temporal("workflow", "list", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) >= 40
    assert in_json(workload.needles, listed.stdout) == set()


def test_every_raw_history_without_the_codec_shows_no_personal_data(
    demo: Demo, workload: Workload
) -> None:
    ids = _workflow_ids(demo)
    sample_activity = _sample_children(demo)[1]
    assert {"uc-case-HA-900001", "uc-case-HA-900002", "ipr-IPR-E2E-001", sample_activity} <= set(
        ids
    )
    leaks = {}
    for workflow_id in ids:
        history = _history(demo, workflow_id)
        assert "YmluYXJ5L2VuY3J5cHRlZA==" in history  # base64 of binary/encrypted
        found = in_json(workload.needles, history)
        if found:
            leaks[workflow_id] = sorted(found)
    assert leaks == {}


def test_the_servers_http_api_shows_no_personal_data(demo: Demo, workload: Workload) -> None:
    """What the Web UI reads (its server's /api/v1), for every workflow, without
    signing in to the codec server."""
    base = "/api/v1/namespaces/default/workflows"
    leaks = {}
    listing = _get(demo, f"{base}?query=")
    assert "executions" in listing
    pages = {"list": listing}
    for workflow_id in _workflow_ids(demo):
        # A child's id holds its case's scope after a "/" (workflows/ids.py).
        quoted = urllib.parse.quote(workflow_id, safe="")
        pages[workflow_id] = _get(demo, f"{base}/{quoted}")
        for n, page in enumerate(_history_pages(demo, f"{base}/{quoted}/history")):
            pages[f"{workflow_id}/history page {n + 1}"] = page
    for where, page in pages.items():
        found = in_json(workload.needles, page)
        if found:
            leaks[where] = sorted(found)
    assert leaks == {}


def test_the_temporal_store_holds_no_personal_data(demo: Demo, workload: Workload) -> None:
    store = _raw(demo.data_dir / "temporal.db")
    assert len(store) > 100_000
    assert in_bytes(workload.needles, store) == set()


@pytest.mark.parametrize("log", ["worker.log", "temporal.log", "codec-server.log"])
def test_no_log_holds_personal_data(demo: Demo, workload: Workload, log: str) -> None:
    text = (demo.data_dir / log).read_text(errors="replace")
    assert text.strip(), f"{log} is empty"
    assert in_text(workload.needles, text) == set()


def test_the_demos_own_output_holds_no_personal_data(demo: Demo, workload: Workload) -> None:
    assert in_text(workload.needles, demo.output.read_text(errors="replace")) == set()


# --- owner only ------------------------------------------------------------------------------


def test_the_data_folder_keys_logs_and_read_model_are_readable_by_their_owner_only(
    demo: Demo, workload: Workload
) -> None:
    data = demo.data_dir
    expected = [
        data,
        demo.key_file.parent,
        demo.key_file,
        data / "casework.db",
        data / "temporal.db",
        data / "worker.log",
        data / "temporal.log",
        data / "codec-server.log",
    ]
    assert [p for p in expected if not p.exists()] == []
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(demo.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "casework.db").stat().st_mode) == 0o600
    everything = [data, *data.rglob("*")]
    assert {
        str(p.relative_to(data.parent)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in everything
        if p.stat().st_mode & 0o077
    } == {}
