"""The back-office client: open cases, send commands, show and list cases, bulk import;
and the annual IPR publication, built from the SQL read model.

    python starter.py open case.json            # or - for stdin
    python starter.py send HA-100231 add_journal_note '{"by": "officer-1", "text": "..."}'
    python starter.py arrangement uc-apa-HA-100231-1 record_outcome '{"by": "...", ...}'
    python starter.py form HA-100231 1 [--pack]
    python starter.py show HA-100231 [--journal] [--json]      # JSON in any case
    python starter.py list [--stage S] [--status S] [--escalated] [--query Q] [--json]
    python starter.py import cases.csv
    python starter.py load-samples [samples/cases.json]
    python starter.py commands
    python starter.py simulate scenarios/deadline_met.yaml
    python starter.py ipr-refer referral.json
    python starter.py ipr-send IPR-2026-0001 record_screening '{"by": "...", ...}'
    python starter.py ipr-activity ipr-IPR-2026-0001-activity-1 record_assurance '{...}'
    python starter.py ipr-show IPR-2026-0001 [--journal] [--json]
    python starter.py ipr-import reviews.csv   # or .json: reviews completed before the engine
    python starter.py ipr-publication --year 2021-22 [--out DIR]   # reads DATABASE_URL
    python starter.py kpis [--from D --to D] [--json] [--html FILE]  # reads DATABASE_URL
    python starter.py keys init | rotate --domain uc | show
    python starter.py codec-token --operator NAME --domain uc [--hours 8]
    python starter.py erase case HA-100231 --reason TEXT --by STAFF
    python starter.py erase ipr IPR-2026-0001 --reason TEXT --by STAFF
    python starter.py erase --due [--apply]
    python starter.py files import --from .data   # disk files from before the shared store
    python starter.py schedules apply | list     # the Temporal Schedules (docs/schedules.md)
    python starter.py tasks [--team T] [--overdue] [--due-before D] [--json]  # DATABASE_URL
    python starter.py work-available [--date D] [--team T] [--refresh] [--json | --csv]
    python starter.py reporting rebuild [--case CASE_ID]   # refill from stored case events

Exit status (README, "starter.py"): 0 done; 1 refused (by the case, the review, the
server, or not found, completed, erased); 2 bad input, nothing sent; 3 Temporal did not
answer: the command may or may not have been applied, so send it again with the same
--request-id; 4 an internal error (a bug: the traceback is printed); 5 (`import` only)
some rows were bad (each reported by line, field and rule) and every good row started:
fix the bad rows and import again (a started row is reached, not started twice); when
every row is bad, nothing is sent and the status is 2. A command that succeeds always
exits 0.

Output for scripts: `list --json` prints one JSON array (each case's id and search
attributes); `show` and `ipr-show` print JSON (`--json` is accepted and changes
nothing). Tables go on at full width: tab-separated lines with a header line when
stdout is not a terminal, never cut to the terminal's width.

In a samples file, a string "@today+N" or "@today-N" stands for the date N days
from today, and "@now+Nd", "@now+Nh" (or -) for the UTC time N days or hours from
now, so the bundled call-backs stay in the future and deaths in the past.
"""

import argparse
import contextlib
import logging
import os
import sys
import traceback
from importlib import import_module
from typing import NoReturn

from backoffice import files_cli, names, privacy_cli, schedules_cli
from backoffice import reporting as reporting_cli
from backoffice.exit_codes import BAD_INPUT, DONE, INTERNAL_ERROR, NO_ANSWER, REFUSED
from infra.config import ROOT

__all__ = ["BAD_INPUT", "DONE", "INTERNAL_ERROR", "NO_ANSWER", "REFUSED", "main", "parser"]

SAMPLES = ROOT / "samples" / "cases.json"
IPR_SAMPLES = ROOT / "samples" / "iprs.json"

# Each command's code, imported only when that command runs (backoffice/): `--help`
# and a command import nothing another command needs.
COMMANDS = {
    "open": "backoffice.cases:run_open",
    "send": "backoffice.cases:run_send",
    "arrangement": "backoffice.cases:run_arrangement",
    "show": "backoffice.views:run_show",
    "list": "backoffice.cases:run_list",
    "commands": "backoffice.cases:run_commands",
    "form": "backoffice.forms:run_form",
    "import": "backoffice.imports:run_import",
    "load-samples": "backoffice.samples:run_load_samples",
    "ipr-refer": "backoffice.iprs:run_refer",
    "ipr-send": "backoffice.iprs:run_send",
    "ipr-activity": "backoffice.iprs:run_activity",
    "ipr-show": "backoffice.views:run_ipr_show",
    "ipr-import": "backoffice.ipr_import:run_ipr_import",
    "simulate": "backoffice.simulate:run_simulate",
    "ipr-publication": "backoffice.publication:run_publication",
    "kpis": "backoffice.kpis:run_kpis",
    "files": "backoffice.files_cli:run_files",
    "schedules": "backoffice.schedules_cli:run_schedules",
    "tasks": "backoffice.reporting:run_tasks",
    "work-available": "backoffice.reporting:run_work_available",
    "reporting": "backoffice.reporting:run_reporting",
}
# Commands that need no Temporal server, and take no argument checked against a model.
_LOCAL = {"commands", "simulate", "ipr-publication", "kpis", "files"}
_LOCAL |= {"tasks", "work-available", "reporting"}  # the reporting read model


async def run(args: argparse.Namespace) -> int:
    if args.cmd in privacy_cli.COMMANDS:
        from infra.config import Settings

        return await privacy_cli.run(args, Settings())
    if args.cmd not in _LOCAL:
        from backoffice.inputs import check_arguments

        # Validate everything local before touching the server.
        check_arguments(args)
    module, function = COMMANDS[args.cmd].split(":")
    status: int = await getattr(import_module(module), function)(args)
    return status


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="starter.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("open", help="open a case from JSON (a file, - for stdin, or inline)")
    o.add_argument("source")
    s = sub.add_parser("send", help="send a command (an update) to a case")
    s.add_argument("ref", help="tenancy reference")
    s.add_argument("command", help="update name; see `commands`")
    s.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    s.add_argument("--request-id", help="idempotency key: the same id is applied once")
    ar = sub.add_parser(
        "arrangement", help="send DWP's outcome or the claimant's objection to an arrangement"
    )
    ar.add_argument("arrangement_id", help="e.g. uc-apa-HA-100231-1 (see `show`)")
    ar.add_argument("command", help=f"one of {', '.join(names.ARRANGEMENT_COMMANDS)}")
    ar.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    ar.add_argument("--request-id", help="idempotency key: the same id is applied once")
    ir = sub.add_parser("ipr-refer", help="refer an IPR from JSON (a file, - or inline)")
    ir.add_argument("source")
    isd = sub.add_parser("ipr-send", help="send a command (an update) to an IPR")
    isd.add_argument("reference", help="the IPR reference")
    isd.add_argument("command", help=f"one of {', '.join(names.IPR_COMMANDS)}")
    isd.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    isd.add_argument("--request-id", help="idempotency key: the same id is applied once")
    ia = sub.add_parser("ipr-activity", help="record the owner's assurance on an agreed activity")
    ia.add_argument("activity_id", help="e.g. ipr-IPR-2026-0001-activity-1")
    ia.add_argument("command", help=f"one of {', '.join(names.ACTIVITY_COMMANDS)}")
    ia.add_argument("payload", help="JSON: a file, - for stdin, or inline")
    ia.add_argument("--request-id", help="idempotency key: the same id is applied once")
    iim = sub.add_parser(
        "ipr-import",
        help="record reviews completed before the engine, with their real dates "
        "(CSV or JSON; docs/ipr-publication.md)",
    )
    iim.add_argument("file", help="a .csv or .json file")
    ish = sub.add_parser("ipr-show", help="show an IPR as JSON")
    ish.add_argument("reference")
    ish.add_argument("--journal", action="store_true", help="the journal instead of the view")
    ish.add_argument("--json", action="store_true", help="JSON (what it prints anyway)")
    sh = sub.add_parser("show", help="show a case as JSON")
    sh.add_argument("ref")
    sh.add_argument("--journal", action="store_true", help="the journal instead of the view")
    sh.add_argument("--json", action="store_true", help="JSON (what it prints anyway)")
    ls = sub.add_parser(
        "list", help="list running cases, or completed ones with --status completed"
    )
    ls.add_argument("--stage", help=f"one of {', '.join(names.STAGES)}")
    ls.add_argument("--status", help=f"one of {', '.join(names.STATUSES)}")
    ls.add_argument("--escalated", action="store_true")
    ls.add_argument("--query", help="extra visibility query, ANDed")
    ls.add_argument(
        "--json", action="store_true", help="a JSON array instead of the table: id and attributes"
    )
    im = sub.add_parser(
        "import", help="bulk-open cases from CSV (exit 5: some rows bad, the others started)"
    )
    im.add_argument("csv")
    ld = sub.add_parser("load-samples", help="open the bundled sample cases")
    ld.add_argument("file", nargs="?", default=str(SAMPLES))
    ld.add_argument(
        "--iprs", default=str(IPR_SAMPLES), help="sample IPRs to refer too ('' for none)"
    )
    sub.add_parser("commands", help="list the update names and their fields")
    fm = sub.add_parser("form", help="download the form a payment arrangement submitted")
    fm.add_argument("ref", help="tenancy reference")
    fm.add_argument("number", type=int, nargs="?", default=1, help="the arrangement (1, 2, ...)")
    fm.add_argument("--out", help="where to write the PDF (default: ./<form file name>)")
    fm.add_argument(
        "--pack", action="store_true", help="the APA1 pack kept beside a UC47, not the UC47"
    )
    sm = sub.add_parser("simulate", help="play a migration scenario (YAML/JSON) and print JSON")
    sm.add_argument("file")
    ip = sub.add_parser(
        "ipr-publication",
        help="write the annual IPR publication (Markdown and CSV) from the read model",
    )
    ip.add_argument("--year", required=True, help="reporting year, April to March: e.g. 2021-22")
    ip.add_argument("--out", help="folder to write into (default: ./ipr-publication-<year>)")
    kp = sub.add_parser("kpis", help="the KPI board report from the read model (docs/kpis.md)")
    kp.add_argument("--from", dest="start", help="first day of the period, YYYY-MM-DD")
    kp.add_argument("--to", dest="end", help="last day of the period (default: today, UK)")
    kp.add_argument("--json", action="store_true", help="the figures as one JSON object")
    kp.add_argument("--html", metavar="FILE", help="write the board report, with its charts")
    privacy_cli.add_parsers(sub)
    files_cli.add_parsers(sub)
    schedules_cli.add_parsers(sub)
    reporting_cli.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # what this writes (forms, publications, databases) is its owner's only
    args = parser().parse_args(argv)
    import asyncio

    try:
        return asyncio.run(run(args))
    except Exception as error:
        if isinstance(error, BrokenPipeError):
            raise  # the reader has gone (`| head`): handled below, no traceback
        from backoffice.outcomes import exit_status

        status = exit_status(args, error)
        if status is None:
            raise  # a bug, not bad input: its traceback is printed
        return status


def _exit(code: int) -> NoReturn:
    """Leave without finalizing the interpreter, once everything is written.

    Temporal's core runs its own threads, which resolve each RPC's Python future from
    outside the interpreter's threads. When a command ends at once after its last
    RPC, such a thread can still be inside Python (waking the event loop) while the
    main thread already finalizes the interpreter; the thread is then killed, and
    CPython aborts with "PyGILState_Release: thread state must be current when
    releasing" (exit 134, or a segfault): after the command had succeeded. Skipping
    finalization leaves no interpreter to tear down under it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say
            stream.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    try:
        status = main()
    except SystemExit as done:  # argparse: --help, or a usage error (2)
        status = done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader stopped reading (`starter.py kpis --json | head`): what it read is
        # all it wanted, so no traceback; exit 1, as rich does when its own output
        # meets a closed pipe (Console.on_broken_pipe), so every command says the same.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    except BaseException:  # a bug, not bad input: show it to whoever reports it
        traceback.print_exc()
        status = INTERNAL_ERROR
    _exit(status)
