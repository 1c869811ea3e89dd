"""`starter.py simulate`: play a migration scenario on its own time-skipping test
server (tools/simulator.py) and print the report as JSON; no Temporal server needed."""

import argparse
import json
import logging
from pathlib import Path

from backoffice.inputs import BadInput
from backoffice.render import out
from infra.config import json_logging_runtime
from infra.logs import configure_logging
from tools.simulator import ScenarioError, load_scenario, simulate


async def run_simulate(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(Path(args.file))
    except ScenarioError as error:
        raise BadInput(str(error)) from None
    # The report alone on stdout; logs (ours and Temporal core's) on stderr.
    configure_logging("console", logging.WARNING)
    out.print_json(json.dumps(await simulate(scenario, json_logging_runtime())))
    return 0
