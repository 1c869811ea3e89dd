"""The operator's case policy: defaults from domain.policy, overridden by a JSON file."""

import json
import os
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.policy import CasePolicy

POLICY_FILE_ENV = "CASEWORK_POLICY_FILE"


class PolicyFileError(ValueError):
    pass


def read_policy(path: str | None = None) -> CasePolicy:
    path = path or os.environ.get(POLICY_FILE_ENV)
    if not path:
        return CasePolicy()
    try:
        raw = json.loads(Path(path).read_text())
        return TypeAdapter(CasePolicy).validate_python(raw)
    except (OSError, json.JSONDecodeError) as err:
        raise PolicyFileError(f"{path}: cannot read the policy file: {err}") from err
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise PolicyFileError(f"{path}: {problems}") from err


class PolicySource:
    """Where a worker's cases read their policy: a given file, or else the file
    named by CASEWORK_POLICY_FILE, or else the defaults."""

    def __init__(self, path: str | None = None) -> None:
        self._path = path

    @activity.defn(name="load_policy")
    def load_policy(self) -> CasePolicy:
        # Run as a local activity when a case opens, so its result is recorded in
        # history and replay never re-reads a file that may have changed. Read each
        # time, so an operator's edit applies to new cases without a restart; a bad
        # file fails the opening at once, naming the file and field.
        try:
            return read_policy(self._path)
        except PolicyFileError as error:
            raise ApplicationError(str(error), type="PolicyFileError", non_retryable=True) from None
