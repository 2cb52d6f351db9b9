"""Every table of detente, importable from one place (``from detente.store.models import State``)."""

from detente.store.models.agreements import Agreement, AgreementParty, Obligation, Provision
from detente.store.models.assistance import (
    ArmsTransfer,
    AssistanceCase,
    AssistanceDelivery,
    AssistanceLine,
    EndUseCheck,
)
from detente.store.models.attaches import JournalNote, Posting, Report, ReportLink
from detente.store.models.audit import AuditEntry, AuditHead
from detente.store.models.conflicts import Conflict, ConflictParty, Dispute, DisputeParticipant
from detente.store.models.engagements import Engagement, EngagementObjective, EngagementParticipant
from detente.store.models.evidence import Activity, Approval, Declaration, Finding, Inspection, Notification
from detente.store.models.missions import Contribution, Mission, Pledge, PledgeVerification, Requirement
from detente.store.models.negotiations import (
    ImplementationScore,
    Negotiation,
    NegotiationIssue,
    NegotiationParty,
    NegotiationRound,
)
from detente.store.models.provenance import Citation, DatasetTable, MapperRun, Source, SourceVersion
from detente.store.models.security import ApiToken, LoginFailure, Marking, ReleaseRequest, Role, User
from detente.store.models.states import (
    Capital,
    Organization,
    OrganizationMembership,
    State,
    StateCode,
    SystemSpell,
)

__all__ = [
    "Activity",
    "Agreement",
    "AgreementParty",
    "ApiToken",
    "Approval",
    "ArmsTransfer",
    "AssistanceCase",
    "AssistanceDelivery",
    "AssistanceLine",
    "AuditEntry",
    "AuditHead",
    "Capital",
    "Citation",
    "Conflict",
    "ConflictParty",
    "Contribution",
    "DatasetTable",
    "Declaration",
    "Dispute",
    "DisputeParticipant",
    "EndUseCheck",
    "Engagement",
    "EngagementObjective",
    "EngagementParticipant",
    "Finding",
    "ImplementationScore",
    "Inspection",
    "JournalNote",
    "LoginFailure",
    "MapperRun",
    "Marking",
    "Mission",
    "Negotiation",
    "NegotiationIssue",
    "NegotiationParty",
    "NegotiationRound",
    "Notification",
    "Obligation",
    "Organization",
    "OrganizationMembership",
    "Pledge",
    "PledgeVerification",
    "Posting",
    "Provision",
    "ReleaseRequest",
    "Report",
    "ReportLink",
    "Requirement",
    "Role",
    "Source",
    "SourceVersion",
    "State",
    "StateCode",
    "SystemSpell",
    "User",
]
