"""The names starter.py's help lists, kept here so `starter.py --help` imports no
model, workflow or SDK. tests/test_backoffice_names.py checks each against the
registry it copies (domain/case/model/, domain/ipr/commands.py, the workflows)."""

STAGES: tuple[str, ...] = (
    "logged",
    "claim_status",
    "vulnerability_assessment",
    "payment_arrangement",
    "tenancy_sustainment",
    "managed_migration",
    "recovery",
    "closed",
)
STATUSES: tuple[str, ...] = ("open", "bereavement", "closed", "completed")
IPR_COMMANDS: tuple[str, ...] = (
    "record_screening",
    "assign_investigator",
    "record_evidence",
    "record_fact_finding",
    "record_findings",
    "record_iprg_agreement",
    "record_learning_outcome",
    "record_external_scrutiny",
    "close_ipr",
)
ARRANGEMENT_COMMANDS: tuple[str, ...] = ("record_objection", "record_outcome")
ACTIVITY_COMMANDS: tuple[str, ...] = ("record_assurance",)
