"""The resources practitioners read and write, declared once: what each holds, how it is filtered and sorted,
who may write it, and whose marking it inherits.

A :class:`Resource` is data, not code: the reading and writing services and the API's routes are generated
from it, as NetBox derives views and tests from a few declared fields. A *marked* resource carries its own
marking; a *child* resource (an agreement's parties, a case's lines) has none and is visible exactly when its
parent is, so access rules flow down the ``parent`` chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal_column, or_, select, union
from sqlalchemy.sql.util import ClauseAdapter

from detente.domain.dates import PartialDate
from detente.domain.markings import Role
from detente.store import models as m
from detente.store.base import Base, Marked, Sourced, Temporal, Versioned
from detente.store.temporal import in_force

__all__ = [
    "RESOURCES",
    "Filter",
    "Parent",
    "Resource",
    "about_access",
    "cited_access",
    "linked_access",
    "noted_access",
    "resource",
    "seen_with",
]


def _one(value: Any) -> tuple[Any, ...]:
    return (value,)


@dataclass(frozen=True)
class Filter:
    """A query parameter of a list: its type, what it means, and the WHERE clause it adds.

    The clause is written once over its parameters (``template``) and filled per request with the values
    ``values`` makes of what the caller gave: a plain value for :meth:`clause`, or a bound parameter per
    value for a statement built once and run with every value (:mod:`detente.services.read_plans`).
    """

    type: type[Any]
    description: str
    template: Callable[..., ColumnElement[bool]]
    """The clause, given one argument per value of ``values`` (a plain value or a bound parameter)."""
    values: Callable[[Any], tuple[Any, ...]] = _one
    """The values the clause compares with, made from the caller's value; raises ``ValueError`` (or
    :class:`~detente.domain.dates.DateRangeError`) for a value that cannot be used."""
    guarded: Callable[..., ColumnElement[bool]] | None = None
    """For a filter that looks through records naming other records (reports ``about`` a record, through
    their links): the clause given first the reader's access function (as :func:`cited_access` takes it), then
    the values, so that only what the reader may see counts. Readers use it instead of ``template``:
    otherwise asking for the reports about a hidden engagement would tell that it exists."""

    def clause(self, value: Any) -> ColumnElement[bool]:
        """The WHERE clause for ``value``."""
        return self.template(*self.values(value))


def equals(column: Any, kind: type[Any], description: str) -> Filter:
    return Filter(kind, description, lambda value: column == value)


def _pattern(value: Any) -> tuple[str]:
    escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (f"%{escaped}%",)


def contains(column: Any, description: str) -> Filter:
    """Case-insensitive substring match (``%`` and ``_`` in the value match themselves)."""

    def clause(pattern: Any) -> ColumnElement[bool]:
        match: ColumnElement[bool] = column.ilike(pattern, escape="\\")
        return match

    return Filter(str, description, clause, _pattern)


def since(column: Any, description: str) -> Filter:
    return Filter(date, description, lambda value: column >= value)


def until(column: Any, description: str) -> Filter:
    return Filter(date, description, lambda value: column <= value)


def _period(value: Any) -> tuple[date, date]:
    period = PartialDate.of(value)
    return period.first_day(), period.last_day()


@dataclass(frozen=True)
class Parent:
    """A child resource's link to its parent: the parent resource's name and the child's foreign key."""

    resource: str
    column: str


@dataclass(frozen=True)
class Resource:
    """One kind of record as the services and the API expose it."""

    name: str
    """URL and registry name (plural, e.g. ``engagements``)."""
    model: type[Base]
    title: str
    write_role: Role | None = None
    """Role needed to create and change it; ``None``: read-only."""
    parent: Parent | None = None
    filters: dict[str, Filter] = field(default_factory=dict)
    sorts: tuple[str, ...] = ("id",)
    default_sort: str = "id"
    children: tuple[str, ...] = ()
    """Child resources embedded when one record is read."""
    protected: frozenset[str] = frozenset()
    """Fields only the services set (status, who proposed or approved, the author ...)."""
    settable: frozenset[str] = frozenset()
    """Fields detente sets on other resources that the caller sets on this one (a citation names the source
    version it cites)."""
    fixed: frozenset[str] = frozenset()
    """Fields given when the record is created and never changed after (what a citation cites)."""
    seen_with: tuple[Parent, ...] = ()
    """Records it names (resource and foreign key) that a reader must be able to see as well to see it: a
    pledge for a mission hidden from the reader is hidden with the mission, whatever its own marking, so that
    no record shows a hidden record's id. A writer can name only records of these they may see."""

    @property
    def marked(self) -> bool:
        return issubclass(self.model, Marked)

    @property
    def versioned(self) -> bool:
        """Carries a ``version``: updates name the version they were made against (409 when it moved on)."""
        return issubclass(self.model, Versioned)

    @property
    def temporal(self) -> bool:
        return issubclass(self.model, Temporal)

    @property
    def sourced(self) -> bool:
        return issubclass(self.model, Sourced)

    @property
    def writable(self) -> bool:
        return self.write_role is not None

    def all_filters(self) -> dict[str, Filter]:
        """Declared filters, plus ``as_of`` on a temporal resource and ``<parent fk>`` on a child."""
        out = dict(self.filters)
        if self.temporal:
            model = self.model
            out["as_of"] = Filter(
                str,
                "only records in force at this date (YYYY, YYYY-MM or YYYY-MM-DD)",
                lambda first, last: in_force(model, (first, last)),
                _period,
            )
        if self.parent is not None:
            column = getattr(self.model, self.parent.column)
            out.setdefault(self.parent.column, equals(column, int, f"only those of this {self.parent.resource[:-1]}"))
        return out


_SERVICE_FIELDS = frozenset({"id", "version", "marking_id", "source_version_id", "source_key", "original"})


_HOSTED = m.Engagement.__table__.alias("hosted")
"""Made once: building an alias copies every column of the table (a third of a list request's time when it
was made per call)."""


def _engagement_state(value: int) -> ColumnElement[bool]:
    """Engagements the state hosts or takes part in: one ``id IN (... UNION ...)`` of two index lookups.

    (Written as ``host = x OR id IN (participants)`` both SQLite and PostgreSQL scan every engagement of the
    other filters; this form reads only the state's own rows: 10x faster on the real exercises.)
    """
    hosted = _HOSTED
    participant = select(m.EngagementParticipant.engagement_id).where(m.EngagementParticipant.state_id == value)
    return m.Engagement.id.in_(union(participant, select(hosted.c.id).where(hosted.c.host_state_id == value)))


def _agreement_state(value: int) -> ColumnElement[bool]:
    return m.Agreement.id.in_(select(m.AgreementParty.agreement_id).where(m.AgreementParty.state_id == value))


def _case_state(value: int) -> ColumnElement[bool]:
    return or_(m.AssistanceCase.provider_state_id == value, m.AssistanceCase.recipient_state_id == value)


def _negotiation_state(value: int) -> ColumnElement[bool]:
    return m.Negotiation.id.in_(select(m.NegotiationParty.negotiation_id).where(m.NegotiationParty.state_id == value))


def _report_link(kind: Any, ident: Any) -> ColumnElement[bool]:
    return m.Report.id.in_(
        select(m.ReportLink.report_id).where(m.ReportLink.object_type == kind, m.ReportLink.object_id == ident)
    )


def _report_link_seen(access: Callable[[Resource], ColumnElement[bool]], kind: Any, ident: Any) -> ColumnElement[bool]:
    """:func:`_report_link` through the links the reader may see only (see :func:`linked_access`)."""
    link = m.ReportLink.__table__
    return m.Report.id.in_(
        select(link.c.report_id).where(link.c.object_type == kind, link.c.object_id == ident, linked_access(access))
    )


def _report_link_values(value: str) -> tuple[str, int]:
    kind, _, ident = value.partition(":")
    return kind, (int(ident) if ident.isdigit() else -1)


def _citation_source(value: int) -> ColumnElement[bool]:
    """Citations of any version of one source: a citation names the version, the caller knows the source."""
    versions = select(m.SourceVersion.id).where(m.SourceVersion.source_id == value)
    return m.Citation.source_version_id.in_(versions)


_LIST: list[Resource] = [
    Resource(
        "states",
        m.State,
        "States, with their codes (COW, Gleditsch-Ward, ISO3)",
        filters={
            "name": contains(m.State.name, "part of the name"),
            "iso3": equals(m.State.iso3, str, "ISO3 code"),
            "ccode": equals(m.State.ccode, int, "COW code"),
        },
        sorts=("id", "name", "ccode", "iso3"),
        default_sort="name",
    ),
    Resource(
        "organizations",
        m.Organization,
        "Alliance organizations, IGOs and UN bodies",
        filters={
            "name": contains(m.Organization.name, "part of the name"),
            "kind": equals(m.Organization.kind, str, "alliance, igo, un_body, forum, other"),
        },
        sorts=("id", "name", "abbreviation"),
        default_sort="name",
    ),
    Resource(
        "agreements",
        m.Agreement,
        "Agreements: alliances, treaties, defence cooperation, peace agreements; user-defined ones are writable",
        write_role=Role.EDITOR,
        filters={
            "kind": equals(m.Agreement.kind, str, "alliance, treaty, dca, peace_agreement, arms_control, mou, loa"),
            "state_id": Filter(int, "only agreements this state is a party to", _agreement_state),
            "title": contains(m.Agreement.title, "part of the title"),
            "signed_since": since(m.Agreement.signed_on, "signed on or after"),
            "signed_until": until(m.Agreement.signed_on, "signed on or before"),
            "negotiation_id": equals(m.Agreement.negotiation_id, int, "agreements that resulted from this negotiation"),
        },
        sorts=("id", "title", "signed_on", "valid_from", "kind"),
        children=("agreement-parties", "provisions"),
    ),
    Resource(
        "agreement-parties",
        m.AgreementParty,
        "Parties to agreements, with joining and leaving dates",
        write_role=Role.EDITOR,
        parent=Parent("agreements", "agreement_id"),
        filters={"state_id": equals(m.AgreementParty.state_id, int, "only this state's spells")},
        sorts=("id", "valid_from"),
    ),
    Resource(
        "provisions",
        m.Provision,
        "Provisions (commitments) of agreements",
        write_role=Role.EDITOR,
        parent=Parent("agreements", "agreement_id"),
        filters={"kind": equals(m.Provision.kind, str, "kind of commitment")},
        sorts=("id", "code"),
    ),
    Resource(
        "engagements",
        m.Engagement,
        "Military-to-military engagements: proposed -> approved -> planned -> executed -> assessed",
        write_role=Role.EDITOR,
        filters={
            "kind": equals(m.Engagement.kind, str, "exercise, training, exchange, visit, staff_talks, conference"),
            "status": equals(m.Engagement.status, str, "proposed, approved, planned, executed, assessed"),
            "state_id": Filter(int, "engagements this state hosts or takes part in", _engagement_state),
            "host_state_id": equals(m.Engagement.host_state_id, int, "host state"),
            "title": contains(m.Engagement.title, "part of the title"),
            "starts_after": since(m.Engagement.valid_from, "starting on or after"),
            "starts_before": until(m.Engagement.valid_from, "starting on or before"),
        },
        sorts=("id", "valid_from", "title", "status", "kind"),
        children=("engagement-participants", "engagement-objectives"),
        protected=frozenset({"status", "proposed_by_id", "approved_by_id"}),
    ),
    Resource(
        "engagement-participants",
        m.EngagementParticipant,
        "States and organizations taking part in engagements",
        write_role=Role.EDITOR,
        parent=Parent("engagements", "engagement_id"),
        filters={"state_id": equals(m.EngagementParticipant.state_id, int, "this state")},
    ),
    Resource(
        "engagement-objectives",
        m.EngagementObjective,
        "Objectives of engagements, their indicators and, once assessed, their scores",
        write_role=Role.EDITOR,
        parent=Parent("engagements", "engagement_id"),
        protected=frozenset({"score", "assessment"}),
    ),
    Resource(
        "cases",
        m.AssistanceCase,
        "Security-assistance cases: request -> offer -> accepted -> implementing -> delivered -> closed",
        write_role=Role.EDITOR,
        filters={
            "status": equals(m.AssistanceCase.status, str, "request, offer, accepted, implementing, delivered, closed"),
            "programme": equals(m.AssistanceCase.programme, str, "fms, dcs, grant, training, other"),
            "state_id": Filter(int, "cases this state provides or receives", _case_state),
            "reference": equals(m.AssistanceCase.reference, str, "case reference"),
        },
        sorts=("id", "requested_on", "reference", "status"),
        children=("case-lines", "end-use-checks"),
        protected=frozenset({"status"}),
    ),
    Resource(
        "case-lines",
        m.AssistanceLine,
        "Lines of security-assistance cases",
        write_role=Role.EDITOR,
        parent=Parent("cases", "case_id"),
        sorts=("id", "line_number"),
        default_sort="line_number",
        children=("deliveries",),
    ),
    Resource(
        "deliveries",
        m.AssistanceDelivery,
        "Deliveries against case lines, with serial numbers",
        write_role=Role.EDITOR,
        parent=Parent("case-lines", "line_id"),
        sorts=("id", "delivered_on"),
    ),
    Resource(
        "end-use-checks",
        m.EndUseCheck,
        "End-use checks of delivered items: serials seen and discrepancies",
        write_role=Role.EDITOR,
        parent=Parent("cases", "case_id"),
        filters={"result": equals(m.EndUseCheck.result, str, "compliant, discrepancy, unresolved")},
        sorts=("id", "checked_on"),
    ),
    Resource(
        "postings",
        m.Posting,
        "Attaché postings: who, from which state, accredited to which",
        write_role=Role.EDITOR,
        filters={
            "host_state_id": equals(m.Posting.host_state_id, int, "host state"),
            "sending_state_id": equals(m.Posting.sending_state_id, int, "sending state"),
        },
        sorts=("id", "valid_from", "person_name"),
    ),
    Resource(
        "reports",
        m.Report,
        "Attaché reports, graded A-F (source reliability) and 1-6 (information credibility)",
        write_role=Role.ANALYST,
        filters={
            "posting_id": equals(m.Report.posting_id, int, "posting"),
            "region": equals(m.Report.region, str, "region"),
            "reliability": equals(m.Report.reliability, str, "source reliability A-F"),
            "credibility": equals(m.Report.credibility, int, "information credibility 1-6"),
            "since": since(m.Report.reported_on, "reported on or after"),
            "until": until(m.Report.reported_on, "reported on or before"),
            "about": Filter(
                str,
                "reports linked to this record, as TYPE:ID (e.g. state:12)",
                _report_link,
                _report_link_values,
                _report_link_seen,
            ),
        },
        sorts=("id", "reported_on", "title"),
        default_sort="-reported_on",
        children=("report-links",),
        protected=frozenset({"author_id"}),
    ),
    Resource(
        "report-links",
        m.ReportLink,
        "What reports are about (states, organizations, engagements ...)",
        write_role=Role.ANALYST,
        parent=Parent("reports", "report_id"),
    ),
    Resource(
        "journal",
        m.JournalNote,
        "Journal notes on any record, kept apart from the change log",
        write_role=Role.ANALYST,
        filters={
            "object_type": equals(m.JournalNote.object_type, str, "kind of record noted on"),
            "object_id": equals(m.JournalNote.object_id, int, "id of the record noted on"),
            "kind": equals(m.JournalNote.kind, str, "info, success, warning, danger"),
        },
        sorts=("id", "written_at"),
        default_sort="-written_at",
        protected=frozenset({"author_id", "written_at"}),
    ),
    Resource(
        "negotiations",
        m.Negotiation,
        "Negotiations in military conflicts",
        write_role=Role.EDITOR,
        filters={
            "status": equals(m.Negotiation.status, str, "ongoing, suspended, concluded, failed"),
            "conflict_id": equals(m.Negotiation.conflict_id, int, "conflict"),
            "state_id": Filter(int, "negotiations this state takes part in", _negotiation_state),
            "title": contains(m.Negotiation.title, "part of the title"),
        },
        sorts=("id", "valid_from", "title"),
        children=("negotiation-parties", "negotiation-rounds", "negotiation-issues"),
    ),
    Resource(
        "negotiation-parties",
        m.NegotiationParty,
        "Parties, mediators, observers and guarantors of negotiations",
        write_role=Role.EDITOR,
        parent=Parent("negotiations", "negotiation_id"),
        filters={"role": equals(m.NegotiationParty.role, str, "party, mediator, observer, guarantor")},
    ),
    Resource(
        "negotiation-rounds",
        m.NegotiationRound,
        "Rounds of talks: dates, venue, summary",
        write_role=Role.EDITOR,
        parent=Parent("negotiations", "negotiation_id"),
        sorts=("id", "number", "valid_from"),
        default_sort="number",
    ),
    Resource(
        "negotiation-issues",
        m.NegotiationIssue,
        "Issues on the table and the parties' positions",
        write_role=Role.EDITOR,
        parent=Parent("negotiations", "negotiation_id"),
    ),
    Resource(
        "implementation-scores",
        m.ImplementationScore,
        "How far each provision was implemented, per year (0 none .. 3 full)",
        write_role=Role.EDITOR,
        parent=Parent("provisions", "provision_id"),
        filters={"year": equals(m.ImplementationScore.year, int, "year")},
        sorts=("id", "year"),
    ),
    Resource(
        "missions",
        m.Mission,
        "Peacekeeping and multinational missions; those loaded from IPI are public and read-only, user-defined ones "
        "writable and marked",
        write_role=Role.EDITOR,
        filters={
            "code": equals(m.Mission.code, str, "acronym, e.g. MINUSMA"),
            "kind": equals(m.Mission.kind, str, "un_pko, un_spm, multinational"),
            "host_state_id": equals(m.Mission.host_state_id, int, "host state"),
        },
        sorts=("id", "code", "valid_from"),
        default_sort="code",
    ),
    Resource(
        "contributions",
        m.Contribution,
        "Uniformed personnel contributed to missions, per state and period (empty = not reported, not 0)",
        filters={
            "mission_id": equals(m.Contribution.mission_id, int, "mission"),
            "state_id": equals(m.Contribution.state_id, int, "contributing state"),
        },
        sorts=("id", "valid_from", "total"),
    ),
    Resource(
        "requirements",
        m.Requirement,
        "Capabilities missions need: type, size, readiness",
        write_role=Role.EDITOR,
        filters={
            "mission_id": equals(m.Requirement.mission_id, int, "mission"),
            "capability_type": equals(m.Requirement.capability_type, str, "capability type"),
            "status": equals(m.Requirement.status, str, "open, filled, closed"),
        },
        sorts=("id", "valid_from", "size"),
        seen_with=(Parent("missions", "mission_id"),),
    ),
    Resource(
        "pledges",
        m.Pledge,
        "Pledges of capabilities at readiness levels L1, L2, L3 or RDL, with verification and renewal dates",
        write_role=Role.EDITOR,
        filters={
            "state_id": equals(m.Pledge.state_id, int, "pledging state"),
            "mission_id": equals(m.Pledge.mission_id, int, "mission"),
            "readiness_level": equals(m.Pledge.readiness_level, str, "L1, L2, L3 or RDL"),
            "renewal_due_before": until(m.Pledge.renewal_due_on, "renewal due on or before"),
        },
        sorts=("id", "pledged_on", "renewal_due_on", "size"),
        children=("pledge-verifications",),
        seen_with=(Parent("missions", "mission_id"), Parent("requirements", "requirement_id")),
    ),
    Resource(
        "pledge-verifications",
        m.PledgeVerification,
        "Verification visits to pledged capabilities (assessment and advisory, pre-deployment ...) and what "
        "they found; the pledge's last_verified_on follows them",
        write_role=Role.EDITOR,
        parent=Parent("pledges", "pledge_id"),
        filters={
            "kind": equals(m.PledgeVerification.kind, str, "kind of visit"),
            "outcome": equals(m.PledgeVerification.outcome, str, "verified, partly_verified, not_verified"),
            "visited_since": since(m.PledgeVerification.visited_on, "visited on or after"),
            "visited_until": until(m.PledgeVerification.visited_on, "visited on or before"),
        },
        sorts=("id", "visited_on"),
        default_sort="visited_on",
    ),
    Resource(
        "obligations",
        m.Obligation,
        "Machine-checkable treaty obligations",
        filters={
            "agreement_id": equals(m.Obligation.agreement_id, int, "agreement"),
            "kind": equals(m.Obligation.kind, str, "LIMIT, QUOTA, DEADLINE, THRESHOLD, WINDOW, GATE, RECONCILE"),
        },
        sorts=("id", "code"),
    ),
    Resource(
        "findings",
        m.Finding,
        "Compliance findings: one obligation, one party, one date",
        filters={
            "obligation_id": equals(m.Finding.obligation_id, int, "obligation"),
            "party_state_id": equals(m.Finding.party_state_id, int, "party"),
            "status": equals(m.Finding.status, str, "compliant, at_risk, breach, overdue, ..."),
            "due_before": until(m.Finding.as_of, "as of on or before"),
        },
        sorts=("id", "as_of"),
    ),
    Resource(
        "notifications",
        m.Notification,
        "Notifications sent and received (the evidence compliance gates check)",
        write_role=Role.EDITOR,
        filters={
            "kind": equals(m.Notification.kind, str, "kind, e.g. congressional_notification_36b"),
            "sender_state_id": equals(m.Notification.sender_state_id, int, "sender"),
            "trigger_type": equals(m.Notification.trigger_type, str, "kind of record notified"),
            "trigger_id": equals(m.Notification.trigger_id, int, "id of the record notified"),
        },
        sorts=("id", "sent_at"),
    ),
    Resource(
        "approvals",
        m.Approval,
        "Decisions that open or shut compliance gates: vetting results, case closures (the evidence gates check)",
        write_role=Role.EDITOR,
        filters={
            "kind": equals(m.Approval.kind, str, "kind, e.g. vetting or case_closure"),
            "party_state_id": equals(m.Approval.party_state_id, int, "deciding state"),
            "subject": equals(m.Approval.subject, str, "what was decided on: a unit, a case reference"),
            "result": equals(m.Approval.result, str, "cleared, denied, pending, closed"),
        },
        sorts=("id", "decided_on"),
    ),
    Resource(
        "declarations",
        m.Declaration,
        "Declared holdings per party and date by counted category (the evidence LIMIT obligations check)",
        write_role=Role.EDITOR,
        filters={
            "agreement_id": equals(m.Declaration.agreement_id, int, "agreement"),
            "party_state_id": equals(m.Declaration.party_state_id, int, "declaring party"),
            "since": since(m.Declaration.as_of, "as of on or after"),
            "until": until(m.Declaration.as_of, "as of on or before"),
        },
        sorts=("id", "as_of"),
        default_sort="as_of",
    ),
    Resource(
        "inspections",
        m.Inspection,
        "Inspections, evaluation visits and observations, with what was observed (the evidence quotas count)",
        write_role=Role.EDITOR,
        filters={
            "agreement_id": equals(m.Inspection.agreement_id, int, "agreement"),
            "kind": equals(m.Inspection.kind, str, "kind, e.g. type_one or evaluation_visit"),
            "inspecting_state_id": equals(m.Inspection.inspecting_state_id, int, "inspecting state"),
            "inspected_state_id": equals(m.Inspection.inspected_state_id, int, "inspected state"),
        },
        sorts=("id", "valid_from"),
    ),
    Resource(
        "activities",
        m.Activity,
        "Notifiable military activities and their size figures (the evidence thresholds and deadlines check)",
        write_role=Role.EDITOR,
        filters={
            "agreement_id": equals(m.Activity.agreement_id, int, "agreement"),
            "state_id": equals(m.Activity.state_id, int, "state conducting it"),
            "kind": equals(m.Activity.kind, str, "kind, e.g. exercise"),
            "title": contains(m.Activity.title, "part of the title"),
        },
        sorts=("id", "valid_from", "title"),
    ),
    Resource(
        "citations",
        m.Citation,
        "Which source version a record cites, and where in it (page, table, URL)",
        write_role=Role.ANALYST,
        settable=frozenset({"source_version_id"}),
        fixed=frozenset({"object_type", "object_id", "source_version_id"}),
        filters={
            "object_type": equals(m.Citation.object_type, str, "kind of record citing, e.g. declaration"),
            "object_id": equals(m.Citation.object_id, int, "id of the record citing"),
            "source_version_id": equals(m.Citation.source_version_id, int, "source version cited"),
            "source_id": Filter(int, "citations of any version of this source", _citation_source),
        },
    ),
    Resource(
        "sources",
        m.Source,
        "Public datasets detente knows",
        sorts=("id", "name"),
        default_sort="name",
    ),
]

RESOURCES: dict[str, Resource] = {r.name: r for r in _LIST}


def resource(name: str) -> Resource:
    """The resource called ``name``; :class:`LookupError` naming the known ones otherwise."""
    try:
        return RESOURCES[name]
    except KeyError:
        raise LookupError(f"unknown resource {name!r}; known: {', '.join(RESOURCES)}") from None


def cited_access(access: Callable[[Resource], ColumnElement[bool]]) -> ColumnElement[bool]:
    """Citations a reader may see: those of records of a marked resource, or of a child resource (an
    engagement's participant, a case's line), only when ``access`` lets them see that record -- for a child,
    when they may see its parent, all the way up -- (a citation names its record, so it must not reveal one
    hidden from them); citations of public records (states, sources ...) always.

    ``access`` is the reading service's own clause for a resource (with values or with bound parameters), so
    both ways of reading apply the same rule.
    """
    guarded = [r for r in _LIST if r.marked or r.parent is not None]
    return about_access(m.Citation.__table__, guarded, access)


def linked_access(access: Callable[[Resource], ColumnElement[bool]]) -> ColumnElement[bool]:
    """Report links a reader may see *for the record they name*: a link says "this report is about engagement
    17", so a link to a record hidden from the reader is hidden too, even on a report they may see (the report
    is shown, the link is not). Links to public records (states, organizations) are always kept. The report's
    own marking is checked as well, by the caller, as for any child record.

    ``access`` is the reading service's clause for a resource, as for :func:`cited_access`. (Report links
    themselves are left out of the targets: a link does not name another link, and their clause is this one.)
    """
    guarded = [r for r in _LIST if (r.marked or r.parent is not None) and r.model is not m.ReportLink]
    return about_access(m.ReportLink.__table__, guarded, access)


NOTE_ON_NOTE = "journal_note"
"""The ``object_type`` of a journal note about another journal note."""


def noted_access(access: Callable[[Resource], ColumnElement[bool]]) -> ColumnElement[bool]:
    """Journal notes a reader may see *for the record they are about*: a note names its record and speaks of
    it, so a note on a record hidden from the reader is hidden too, whatever the note's own marking (a public
    note on a SECRET case must tell an uncleared reader neither that the case exists nor what was noted on
    it). The note's own marking is checked as well, by the caller: both must let the reader see.

    ``access`` gives each marked resource's own marking clause (notes are made only on top-level records,
    which carry their own marking). A note on a note is seen when the whole chain is: the inner note by its
    own marking (``access`` of journal notes, moved onto an alias of the table) and by the record *it* is
    about. Chains go two notes deep at most: the writer refuses a note on a note on a note, and one stored
    anyway is shown to no one.
    """
    journal = next(r for r in _LIST if r.model is m.JournalNote)
    others = [r for r in _LIST if r.marked and r.parent is None and r is not journal]
    inner = m.JournalNote.__table__.alias("noted_note")
    inner_seen = and_(
        ClauseAdapter(inner).traverse(access(journal)),
        inner.c.object_type != literal_column(f"'{NOTE_ON_NOTE}'"),
        about_access(inner, others, access),
    )
    return _about(
        m.JournalNote.__table__, [*_about_pairs(others, access), (NOTE_ON_NOTE, select(inner.c.id).where(inner_seen))]
    )


def about_access(
    table: Any, targets: list[Resource], access: Callable[[Resource], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Rows of ``table`` that name another record by ``object_type`` and ``object_id`` (citations, journal
    notes) whose record the reader may see: for each resource of ``targets``, its rows' ids where ``access``
    lets the reader see them; a row about a kind of record outside ``targets`` (public data) is kept.
    """
    return _about(table, _about_pairs(targets, access))


def _about_pairs(
    targets: list[Resource], access: Callable[[Resource], ColumnElement[bool]]
) -> list[tuple[str, Select[Any]]]:
    """For each resource of ``targets``: its entity name, and its ids that ``access`` lets the reader see."""
    return [(_entity(r.model), select(r.model.__table__.c.id).where(access(r))) for r in targets]


def _about(table: Any, pairs: list[tuple[str, Select[Any]]]) -> ColumnElement[bool]:
    """Rows of ``table`` about a kind of record outside ``pairs``, or about one of the ids its pair selects."""
    # the names as SQL literals, not parameters: the statements built once and run with bound values
    # (read_plans) may hold only the parameters they name; these are class names, [a-z_] only
    names: list[ColumnElement[str]] = [literal_column(f"'{name}'") for name, _ in pairs]
    clauses: list[ColumnElement[bool]] = [table.c.object_type.not_in(names)]
    for (_, ids), name in zip(pairs, names, strict=True):
        clauses.append(and_(table.c.object_type == name, table.c.object_id.in_(ids)))
    return or_(*clauses)


def seen_with(
    res: Resource, own: ColumnElement[bool], access: Callable[[Resource], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """``own`` (what the reader may see of ``res`` by its own marking or its parent's), narrowed to the records
    whose :attr:`Resource.seen_with` references are empty or name records ``access`` lets the reader see.

    ``access`` is the reading service's clause for a resource (with values or with bound parameters), as for
    :func:`cited_access`.
    """
    if not res.seen_with:
        return own
    table = res.model.__table__
    clauses = [own]
    for ref in res.seen_with:
        target = resource(ref.resource)
        column = table.c[ref.column]
        clauses.append(or_(column.is_(None), column.in_(select(target.model.__table__.c.id).where(access(target)))))
    return and_(*clauses)


def _entity(model: type[Base]) -> str:
    """``AgreementParty`` -> ``agreement_party``: the ``object_type`` a citation names a record of by."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in model.__name__).lstrip("_")


def service_fields(res: Resource) -> frozenset[str]:
    """Fields a caller never sets: ids, versions, markings, provenance and the resource's protected fields."""
    return (_SERVICE_FIELDS - res.settable) | res.protected
