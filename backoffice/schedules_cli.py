"""starter.py's `schedules` command (docs/schedules.md): apply the Temporal Schedules
(create what is missing, update what differs, as a worker does when it starts) or
list them as the server has them.

    python starter.py schedules apply [--json]
    python starter.py schedules list [--json]

Exit status: 0 done; 1 the server refused (the message names the schedule and why);
3 Temporal did not answer. Imports are lazy: starter.py builds its parser from this
module on every call."""

import argparse
from typing import Any

COMMANDS = ("schedules",)


def add_parsers(sub: Any) -> None:
    s = sub.add_parser(
        "schedules",
        help="apply the Temporal Schedules (work-available-report, escalation-digest, "
        "retention-sweep), or list them",
    )
    s.add_argument("action", choices=("apply", "list"))
    s.add_argument("--json", action="store_true", help="print JSON")


async def run_schedules(args: argparse.Namespace) -> int:
    from temporalio.service import RPCError, RPCStatusCode

    from backoffice.exit_codes import DONE, NO_ANSWER, REFUSED
    from backoffice.render import dump, err, out
    from infra import schedules
    from infra.config import Settings, connect

    settings = Settings()
    client = await connect()
    try:
        if args.action == "apply":
            applied = await schedules.apply(client, settings.task_queue)
            if args.json:
                dump(applied)
                return DONE
            for a in applied:
                paused = " (paused: kept)" if a.paused else ""
                out.print(f"{a.outcome:<9} {a.id:<22} {a.when}{paused}", highlight=False)
            out.print(
                f"{len(applied)} schedules on task queue {settings.task_queue} in namespace "
                f"{client.namespace}; see `temporal schedule list` or the Web UI's Schedules page",
                highlight=False,
            )
            return DONE
        rows = [_row(d) for d in await schedules.describe(client)]
    except schedules.ScheduleError as error:
        cause = error.__cause__
        unavailable = isinstance(cause, RPCError) and cause.status in (
            RPCStatusCode.UNAVAILABLE,
            RPCStatusCode.DEADLINE_EXCEEDED,
        )
        err.print(f"schedules: {error}", highlight=False, markup=False)
        return NO_ANSWER if unavailable else REFUSED
    if args.json:
        dump(rows)
        return DONE
    for row in rows:
        state = "paused" if row["paused"] else "active"
        out.print(
            f"{row['id']:<22} {state:<7} {row['when']:<26} next {row['next_run_uk'] or '-'}"
            f"  last {row['last_run_uk'] or '-'}  runs {row['runs']}",
            highlight=False,
        )
    return DONE


def _row(description: Any) -> dict[str, Any]:
    from domain.dates import UK
    from infra.schedules import PLANS

    plans = {p.id: p for p in PLANS}
    info = description.info
    state = description.schedule.state
    recent = info.recent_actions[-1] if info.recent_actions else None
    nxt = info.next_action_times[0] if info.next_action_times else None
    return {
        "id": description.id,
        "when": plans[description.id].when if description.id in plans else "",
        "paused": state.paused,
        "note": state.note,
        "time_zone": description.schedule.spec.time_zone_name,
        "next_run_uk": nxt.astimezone(UK).strftime("%a %d %b %Y %H:%M") if nxt else None,
        "last_run_uk": (
            recent.scheduled_at.astimezone(UK).strftime("%a %d %b %Y %H:%M") if recent else None
        ),
        "runs": info.num_actions,
        "running": [a.workflow_id for a in info.running_actions],
    }
