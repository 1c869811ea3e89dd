"""The names starter.py's help lists (backoffice/names.py, kept apart so `--help`
imports no model or workflow) are the names the registries hold."""

from typing import get_args

from backoffice import names
from domain.case.model import Stage, Status
from domain.ipr import commands as ipr_commands
from workflows.agreed_activity import COMMANDS as ACTIVITY_COMMANDS
from workflows.payment_arrangement import COMMANDS as ARRANGEMENT_COMMANDS


def test_help_names_are_the_registries_names() -> None:
    assert get_args(Stage) == names.STAGES
    assert get_args(Status) == names.STATUSES
    assert tuple(ipr_commands.COMMANDS) == names.IPR_COMMANDS
    assert tuple(ARRANGEMENT_COMMANDS) == names.ARRANGEMENT_COMMANDS
    assert tuple(ACTIVITY_COMMANDS) == names.ACTIVITY_COMMANDS
