"""The operator's policy file: the case policy (defaults from domain.policy,
overridden by a JSON file) and, in its `landlord` section or CASEWORK_LANDLORD_*
variables, the landlord's details that forms print, read each time one is rendered."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.policy import CasePolicy, Landlord

POLICY_FILE_ENV = "CASEWORK_POLICY_FILE"
# Each wins over the policy file's `landlord` section, field by field.
LANDLORD_ENV = {
    "name": "CASEWORK_LANDLORD_NAME",
    "reference": "CASEWORK_LANDLORD_REFERENCE",
    "account_name": "CASEWORK_LANDLORD_ACCOUNT_NAME",
    "sort_code": "CASEWORK_LANDLORD_SORT_CODE",
    "account_number": "CASEWORK_LANDLORD_ACCOUNT_NUMBER",
    "officer_name": "CASEWORK_LANDLORD_OFFICER_NAME",
    "officer_role": "CASEWORK_LANDLORD_OFFICER_ROLE",
    "phone": "CASEWORK_LANDLORD_PHONE",
    "email": "CASEWORK_LANDLORD_EMAIL",
}


class PolicyFileError(ValueError):
    pass


def _problems(error: ValidationError, prefix: str = "") -> str:
    return "; ".join(f"{prefix}{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())


def _read_file(path: str) -> dict[str, Any]:
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise PolicyFileError(f"{path}: cannot read the policy file: {err}") from err
    if not isinstance(raw, dict):
        raise PolicyFileError(f"{path}: the policy file must hold a JSON object")
    return raw


def _landlord(section: Any, source: str) -> Landlord:
    try:
        return TypeAdapter(Landlord).validate_python(section)
    except ValidationError as err:
        raise PolicyFileError(f"{source}: {_problems(err, 'landlord.')}") from err


def read_policy(path: str | None = None) -> CasePolicy:
    path = path or os.environ.get(POLICY_FILE_ENV)
    if not path:
        return CasePolicy()
    raw = _read_file(path)
    try:
        policy = TypeAdapter(CasePolicy).validate_python(raw)
    except ValidationError as err:
        raise PolicyFileError(f"{path}: {_problems(err)}") from err
    # Not part of the case policy, but a bad section is still a bad file: refused
    # at the worker's start, naming the field, like the rest.
    _landlord(raw.get("landlord", {}), path)
    return policy


def read_landlord(path: str | None = None, environ: Mapping[str, str] | None = None) -> Landlord:
    """The landlord's details as configured now: defaults, then the policy file's
    `landlord` section, then CASEWORK_LANDLORD_* variables."""
    environ = os.environ if environ is None else environ
    path = path or environ.get(POLICY_FILE_ENV)
    section = _read_file(path).get("landlord", {}) if path else {}
    if not isinstance(section, dict):
        raise PolicyFileError(f"{path}: landlord: must be a JSON object")
    overrides = {field: environ[name] for field, name in LANDLORD_ENV.items() if name in environ}
    landlord = _landlord(section, path or "defaults")
    if not overrides:
        return landlord
    try:
        return TypeAdapter(Landlord).validate_python(section | overrides)
    except ValidationError as err:
        # Only an override can be wrong here (the section alone was valid): name its variable.
        named = (
            f"{LANDLORD_ENV.get(str(e['loc'][-1]), 'landlord')}: {e['msg']}" for e in err.errors()
        )
        raise PolicyFileError("; ".join(named)) from err


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


class LandlordSource:
    """Where a worker's form activity reads the landlord's details when it renders:
    the same file as the policy (given, or CASEWORK_POLICY_FILE) and the environment."""

    def __init__(self, path: str | None = None) -> None:
        self._path = path

    def __call__(self) -> Landlord:
        return read_landlord(self._path)
