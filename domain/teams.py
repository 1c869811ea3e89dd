"""The teams that work the cases, and which team a task belongs to: one mapping for
the read model, the Work Available Report, the task list and the per-team digests.

Pure (no I/O): the workflow sandbox may import it."""

from typing import Final, NamedTuple

INCOME: Final = "income"
TENANCY_SUSTAINMENT: Final = "tenancy_sustainment"
WELFARE_BENEFITS: Final = "welfare_benefits"
COMPLAINTS: Final = "complaints"
BEREAVEMENT: Final = "bereavement"
IPRG: Final = "iprg"

# Every team, in the order reports list them.
TEAMS: Final = (INCOME, TENANCY_SUSTAINMENT, WELFARE_BENEFITS, COMPLAINTS, BEREAVEMENT, IPRG)

TEAM_NAMES: Final = {
    INCOME: "Income",
    TENANCY_SUSTAINMENT: "Tenancy sustainment",
    WELFARE_BENEFITS: "Welfare benefits",
    COMPLAINTS: "Complaints",
    BEREAVEMENT: "Bereavement",
    IPRG: "IPR group",
}


class TaskGuide(NamedTuple):
    """What a kind of task is: its team; why it is there; what staff call it; what to
    do when it is due. Fixed wording, never the free-text note (which may name the
    resident and is erased on request)."""

    team: str
    why: str
    name: str
    what_to_do: str


# Every task kind (domain/case/model/tasks.py TaskKind): the one table the read model,
# the Work Available Report, the task list, the digests and the Web UI's details use.
TASKS: Final[dict[str, TaskGuide]] = {
    "call_back": TaskGuide(
        INCOME,
        "the resident asked for a call back",
        "call back the resident",
        "ring the resident at the time they asked for",
    ),
    "re_establish_contact": TaskGuide(
        INCOME,
        "post came back undelivered: re-establish contact",
        "re-establish contact",
        "post came back undelivered: confirm the address and another way to reach them",
    ),
    "complaint_follow_up": TaskGuide(
        COMPLAINTS,
        "a complaint was recorded: follow it up",
        "follow up the complaint",
        "acknowledge and route to complaints",
    ),
    "case_control": TaskGuide(
        INCOME,
        "case control after a change of circumstances",
        "case control after a change of circumstances",
        "check the change against the claim and the rent account",
    ),
    "message_response": TaskGuide(
        INCOME,
        "an incoming message awaits a response",
        "answer the resident's message",
        "reply before the target passes",
    ),
    "bereavement_handling": TaskGuide(
        BEREAVEMENT,
        "the resident died: handle the tenancy's affairs",
        "bereavement handling",
        "contact the estate or next of kin; no chasing, no enforcement",
    ),
    "reopened_review": TaskGuide(
        INCOME,
        "the case was reopened: review it",
        "review the re-opened case",
        "find out why it came back and plan",
    ),
    "migration_outreach": TaskGuide(
        INCOME,
        "migration notice: help the resident claim UC",
        "migration outreach",
        "help the resident claim UC before the deadline day",
    ),
    "migration_follow_up": TaskGuide(
        INCOME,
        "managed migration needs action",
        "migration follow-up",
        "check the claim and the protection",
    ),
    "arrangement_chase": TaskGuide(
        INCOME,
        "no DWP outcome on the payment arrangement: chase",
        "chase the payment arrangement",
        "ask DWP for the decision on the request",
    ),
    "arrangement_follow_up": TaskGuide(
        INCOME,
        "the payment arrangement needs follow-up",
        "payment arrangement follow-up",
        "act on DWP's decision (refused, ended or changed)",
    ),
    "arrangement_review": TaskGuide(
        INCOME,
        "the payment arrangement is due a review",
        "review the payment arrangement",
        "is it still needed at this rate?",
    ),
    "uc50_return": TaskGuide(
        WELFARE_BENEFITS,
        "the UC50 questionnaire is due back",
        "UC50 return",
        "help the resident return the UC50 questionnaire",
    ),
    "uc50_reminder": TaskGuide(
        WELFARE_BENEFITS,
        "the UC50 is due back soon: remind the resident",
        "UC50 reminder",
        "remind the resident the UC50 is due back",
    ),
    "sustainment_follow_up": TaskGuide(
        TENANCY_SUSTAINMENT,
        "follow up a tenancy sustainment action",
        "tenancy sustainment follow-up",
        "check the referral's outcome with the resident",
    ),
    "recovery_behind_plan": TaskGuide(
        INCOME,
        "the arrears plan is behind",
        "arrears recovery behind plan",
        "contact the resident about the missed payments",
    ),
    "recovery_plan_missed": TaskGuide(
        INCOME,
        "the arrears plan was missed",
        "arrears plan missed",
        "review the plan with the resident",
    ),
    "verify_representative": TaskGuide(
        INCOME,
        "a representative was recorded: verify their authority",
        "verify the representative's authority",
        "see the DWP appointee letter, registered LPA or court order and record it; "
        "no arrears plan or payment arrangement until then",
    ),
}

# Sustainment actions welfare benefits advisers take; the rest are tenancy sustainment's.
WELFARE_ACTIONS: Final = frozenset({"welfare_benefit_referral", "dhp"})

# Owners that route a task to a team whatever its kind (a death hands the income
# team's follow-ups to bereavement; complaints go to the complaints team).
OWNER_TEAMS: Final = {
    "bereavement_team": BEREAVEMENT,
    "complaints_team": COMPLAINTS,
    "tenancy_sustainment": TENANCY_SUSTAINMENT,
    "welfare_benefits": WELFARE_BENEFITS,
}


def sustainment_team(action_kind: str | None) -> str:
    return WELFARE_BENEFITS if action_kind in WELFARE_ACTIONS else TENANCY_SUSTAINMENT


def task_team(kind: str, owner: str = "", action_kind: str | None = None) -> str:
    """The team whose inbox holds a task: an owner naming a team wins; a sustainment
    follow-up goes with its action; otherwise the kind decides (unknown: income)."""
    if owner in OWNER_TEAMS:
        if kind == "sustainment_follow_up" and OWNER_TEAMS[owner] == TENANCY_SUSTAINMENT:
            return sustainment_team(action_kind)
        return OWNER_TEAMS[owner]
    if kind == "sustainment_follow_up":
        return sustainment_team(action_kind)
    return TASKS.get(kind, (INCOME, ""))[0]


def task_why(kind: str) -> str:
    return TASKS.get(kind, (INCOME, kind.replace("_", " ")))[1]


def check_team(team: str) -> str:
    """A team named on a command line or in a query: one of TEAMS (a ValueError names it)."""
    if team not in TEAMS:
        raise ValueError(f"team: must be one of {', '.join(TEAMS)} (got {team!r})")
    return team


def task_name(kind: str) -> str:
    guide = TASKS.get(kind)
    return guide.name if guide else kind.replace("_", " ")


def what_to_do(kind: str) -> str:
    guide = TASKS.get(kind)
    return guide.what_to_do if guide else ""
