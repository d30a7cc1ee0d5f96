"""Who may see and do what. Pure: no database, no Streamlit.

Pages are registered in app.py only for the roles listed here, so a page a role may not see
does not exist for that user (it cannot be reached by URL either).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ROLES = {
    "admin": "Administrator",
    "executive": "Executive",
    "marketing_lead": "Marketing lead",
    "sales_lead": "Sales lead",
    "marketer": "Marketer",
    "sdr": "SDR",
    "ae": "Account executive",
}
LEADS = frozenset({"marketing_lead", "sales_lead"})
EVERYONE = frozenset(ROLES)

#: page key -> roles that see it. Keys match the page registry in app.py.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "scoreboard": EVERYONE,
    "goals": EVERYONE,
    "definitions": EVERYONE,
    "my_handoffs": frozenset({"sdr", "ae", "sales_lead", "admin"}),
    "criteria": frozenset({"marketing_lead", "sales_lead", "executive", "admin"}),
    "feedback": frozenset({"marketer", "marketing_lead", "sales_lead", "sdr", "ae", "executive", "admin"}),
    "campaigns": frozenset({"marketer", "marketing_lead", "sales_lead", "executive", "admin"}),
    "my_sla": frozenset({"sdr", "ae", "sales_lead"}),
    "sla_scorecard": frozenset({"sales_lead", "marketing_lead", "executive", "admin"}),
    "sla_two_sided": frozenset({"sales_lead", "marketing_lead", "executive", "marketer", "admin"}),
    "slipping": frozenset({"sales_lead", "marketing_lead", "executive", "admin"}),
    "sla_policies": frozenset({"sales_lead", "marketing_lead", "executive", "admin"}),
    "meeting": EVERYONE,  # presenters run meetings (meeting.present); everyone else views one by link
    "admin": frozenset({"admin"}),
}

#: action -> roles allowed to do it.
ACTIONS: dict[str, frozenset[str]] = {
    "users.manage": frozenset({"admin"}),
    "goals.edit": frozenset({"admin", "marketing_lead", "sales_lead"}),
    "criteria.propose": frozenset({"marketing_lead", "sales_lead"}),
    "criteria.approve": frozenset({"marketing_lead", "sales_lead"}),
    "sla.edit": frozenset({"admin", "marketing_lead", "sales_lead"}),
    "handoffs.decide": frozenset({"sdr", "ae", "sales_lead"}),
    "handoffs.reassign": frozenset({"sales_lead", "admin"}),
    "feedback.give": frozenset({"sdr", "ae", "sales_lead"}),
    "feedback.reply": frozenset({"marketer", "marketing_lead"}),
    "meeting.present": frozenset({"executive", "marketing_lead", "sales_lead", "admin"}),
    "plan.edit": frozenset({"executive", "admin"}),
    "see_all_reps": frozenset({"admin", "executive", "marketing_lead", "sales_lead", "marketer"}),
}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str
    roles: frozenset[str] = field(default_factory=frozenset)
    team_id: int | None = None
    team_name: str | None = None
    team_function: str | None = None
    rep_id: int | None = None
    active: bool = True
    #: when the password was last set (a session signed in before that is signed out: components/auth)
    password_changed_at: datetime | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def can(self, action: str) -> bool:
        return bool(self.roles & ACTIONS[action])

    @property
    def is_lead(self) -> bool:
        return bool(self.roles & LEADS) or "admin" in self.roles or "executive" in self.roles

    @property
    def side(self) -> str | None:
        """'marketing' or 'sales' (sales development counts as sales), from the user's team."""
        if self.team_function == "marketing":
            return "marketing"
        if self.team_function in ("sales", "sales_development"):
            return "sales"
        return None

    @property
    def role_labels(self) -> str:
        return ", ".join(ROLES[r] for r in ROLES if r in self.roles)


def may_see(user: User, page: str) -> bool:
    return bool(user.roles & PAGE_ROLES[page])
