"""Custom search attributes: registered on the server, upserted by workflows.

They are stored and indexed in plain text, outside the payload codec, so
none of them may carry anything that identifies a person.
"""

from typing import Any

from temporalio.common import SearchAttributeKey, TypedSearchAttributes

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
ARREARS_BAND = SearchAttributeKey.for_keyword("ArrearsBand")
VULNERABILITY_TIER = SearchAttributeKey.for_keyword("VulnerabilityTier")
NEXT_ACTION_DUE = SearchAttributeKey.for_datetime("NextActionDue")
ESCALATED = SearchAttributeKey.for_bool("Escalated")
APA_STATUS = SearchAttributeKey.for_keyword("APAStatus")
TPD_ACTIVE = SearchAttributeKey.for_bool("TPDActive")

UC_CASE_KEYS: dict[str, SearchAttributeKey] = {
    k.name: k
    for k in (
        CASE_STAGE,
        CASE_STATUS,
        ARREARS_BAND,
        VULNERABILITY_TIER,
        NEXT_ACTION_DUE,
        ESCALATED,
        APA_STATUS,
        TPD_ACTIVE,
    )
}

MIGRATION_DEADLINE = SearchAttributeKey.for_datetime("MigrationDeadline")
FINAL_DEADLINE = SearchAttributeKey.for_datetime("FinalDeadline")
MIGRATION_STATUS = SearchAttributeKey.for_keyword("MigrationStatus")
PROTECTION_STATUS = SearchAttributeKey.for_keyword("ProtectionStatus")

MIGRATION_KEYS: dict[str, SearchAttributeKey] = {
    k.name: k for k in (MIGRATION_DEADLINE, FINAL_DEADLINE, MIGRATION_STATUS, PROTECTION_STATUS)
}

IPR_STAGE = SearchAttributeKey.for_keyword("IPRStage")
SERVICE_LINES = SearchAttributeKey.for_keyword_list("ServiceLines")
EXTERNAL_SCRUTINY = SearchAttributeKey.for_bool("ExternalScrutiny")
ACTIVITIES_OVERDUE = SearchAttributeKey.for_int("ActivitiesOverdue")
IPR_TARGETS_MISSED = SearchAttributeKey.for_int("IPRTargetsMissed")

IPR_KEYS: dict[str, SearchAttributeKey] = {
    k.name: k
    for k in (IPR_STAGE, SERVICE_LINES, EXTERNAL_SCRUTINY, ACTIVITIES_OVERDUE, IPR_TARGETS_MISSED)
}

# What the read model lacks of a case or IPR: events waiting while its projection
# fails, and events set aside (0 when it holds everything; unset if it never lagged).
# Upserted by the projector (workflows/projector.py), not with the keys above.
PROJECTION_BEHIND = SearchAttributeKey.for_int("ProjectionBehind")

# Every attribute any workflow upserts; the dev server and tests register these.
ALL_KEYS: list[SearchAttributeKey] = [
    *UC_CASE_KEYS.values(),
    *MIGRATION_KEYS.values(),
    *IPR_KEYS.values(),
    PROJECTION_BEHIND,
]

_CLI_TYPE = {
    "KEYWORD": "Keyword",
    "DATETIME": "Datetime",
    "BOOL": "Bool",
    "INT": "Int",
    "KEYWORD_LIST": "KeywordList",
    "TEXT": "Text",
    "DOUBLE": "Double",
}


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type.name]}"]
    return flags


def as_dict(typed: TypedSearchAttributes) -> dict[str, Any]:
    """Search attributes read back from the server, by name."""
    return {pair.key.name: pair.value for pair in typed}
