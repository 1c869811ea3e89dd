"""Commands a back-office system sends to a UC case, one frozen dataclass each, in a
module per concern; every name is importable from here.

They are validated on construction (types, lengths, unknown fields), so a
payload that does not fit is refused with the field's path before `decide`
applies the business rules. COMMANDS maps each update name to its type.
"""

from domain.case.commands.arrangements import (
    EndPaymentArrangement,
    OtherDeduction,
    RequestPaymentArrangement,
)
from domain.case.commands.arrears import AgreeArrearsPlan, RecordEnforcementStep, RecordRentMovement
from domain.case.commands.claim import RecordAwardStatement, RecordClaimStatus, RecordUc50Issued
from domain.case.commands.contact import (
    AddJournalNote,
    RecordChangeOfCircumstances,
    RecordComplaint,
    RecordIncomingMessage,
    RecordRepresentative,
    RecordReturnedPost,
    RequestCallBack,
    VerifyRepresentative,
)
from domain.case.commands.lifecycle import CloseCase, MoveStage, OpenCase, RecordDeath, ReopenCase
from domain.case.commands.migration import RecordMigrationNotice
from domain.case.commands.progress import (
    NoticeShort,
    NoticeText,
    RecordArrangementProgress,
    RecordMigrationProgress,
    Secret,
)
from domain.case.commands.safeguarding import (
    CompletePlanStep,
    RecordSafeguardingDeclaration,
    RecordVulnerabilityAssessment,
)
from domain.case.commands.sustainment import StartSustainmentAction, UpdateSustainmentAction
from domain.case.commands.tasks import CompleteTask

# Update name -> command type: the names a back-office system calls.
COMMANDS: dict[str, type] = {
    "record_claim_status": RecordClaimStatus,
    "record_rent_movement": RecordRentMovement,
    "record_vulnerability_assessment": RecordVulnerabilityAssessment,
    "add_journal_note": AddJournalNote,
    "move_stage": MoveStage,
    "close_case": CloseCase,
    "reopen_case": ReopenCase,
    "record_safeguarding_declaration": RecordSafeguardingDeclaration,
    "complete_plan_step": CompletePlanStep,
    "record_death": RecordDeath,
    "request_call_back": RequestCallBack,
    "record_returned_post": RecordReturnedPost,
    "record_complaint": RecordComplaint,
    "record_representative": RecordRepresentative,
    "verify_representative": VerifyRepresentative,
    "record_change_of_circumstances": RecordChangeOfCircumstances,
    "record_incoming_message": RecordIncomingMessage,
    "complete_task": CompleteTask,
    "record_enforcement_step": RecordEnforcementStep,
    "record_migration_notice": RecordMigrationNotice,
    "request_payment_arrangement": RequestPaymentArrangement,
    "end_payment_arrangement": EndPaymentArrangement,
    "record_uc50_issued": RecordUc50Issued,
    "record_award_statement": RecordAwardStatement,
    "start_sustainment_action": StartSustainmentAction,
    "update_sustainment_action": UpdateSustainmentAction,
    "agree_arrears_plan": AgreeArrearsPlan,
}

__all__ = [
    "COMMANDS",
    "OpenCase",
    "MoveStage",
    "CloseCase",
    "ReopenCase",
    "RecordDeath",
    "RecordClaimStatus",
    "RecordUc50Issued",
    "RecordAwardStatement",
    "RecordRentMovement",
    "RecordEnforcementStep",
    "AgreeArrearsPlan",
    "AddJournalNote",
    "RequestCallBack",
    "RecordReturnedPost",
    "RecordComplaint",
    "RecordRepresentative",
    "VerifyRepresentative",
    "RecordChangeOfCircumstances",
    "RecordIncomingMessage",
    "CompleteTask",
    "RecordVulnerabilityAssessment",
    "RecordSafeguardingDeclaration",
    "CompletePlanStep",
    "RecordMigrationNotice",
    "OtherDeduction",
    "RequestPaymentArrangement",
    "EndPaymentArrangement",
    "StartSustainmentAction",
    "UpdateSustainmentAction",
    "Secret",
    "NoticeText",
    "NoticeShort",
    "RecordMigrationProgress",
    "RecordArrangementProgress",
]
