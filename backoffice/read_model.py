"""Opening the SQL read model for a local command (publication, KPIs, reports): it
must exist and hold the tables the command reads, or the user is told which setting
to fix and how. Needs no Temporal server."""

from pathlib import Path
from typing import TYPE_CHECKING

from backoffice.inputs import BadInput

if TYPE_CHECKING:
    from sqlalchemy import Engine

START_THE_WORKER = "start the worker once (it migrates the database)"


def read_model_engine(database_url: str, table: str, holds: str, remedy: str = "") -> "Engine":
    """An engine on `database_url` whose database has `table`; else BadInput naming
    DATABASE_URL. `holds`: what the command needs (e.g. "no IPR read model");
    `remedy`: how to get it (default: start the worker once, or point DATABASE_URL
    at the worker's database). The caller disposes of the engine."""
    from sqlalchemy import inspect

    from activities.db import make_engine

    remedy = remedy or f"{START_THE_WORKER} or point DATABASE_URL at the worker's database"
    must_exist(database_url)
    engine = make_engine(database_url)
    if not inspect(engine).has_table(table):
        engine.dispose()
        raise BadInput(f"DATABASE_URL: the database holds {holds}; {remedy}")
    return engine


def must_exist(database_url: str) -> None:
    """A SQLite file that is not there is a wrong setting, not a new database."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///").split("?", 1)[0]
        if path and path != ":memory:" and not Path(path).exists():
            raise BadInput(
                f"DATABASE_URL: no database at {path}; {START_THE_WORKER} or point "
                "DATABASE_URL at the worker's database"
            )
