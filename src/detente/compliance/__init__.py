"""Treaty compliance monitoring: obligations as declared rules, evidence, and an engine that finds every
breach and deadline.

The Python API (the CLI ``detente compliance ...`` calls the same functions)::

    from datetime import date
    from detente import Store
    from detente import compliance

    store = Store.open()
    compliance.load_packs()                                   # every shipped treaty pack, by code
    compliance.import_evidence(store, Path("exercises.csv"), compliance.get_pack("vienna-document-2011"),
                               evidence_type="activity")
    result = compliance.evaluate(store, treaty="new-start", party="RUS", as_of=date(2023, 3, 1))
    result.findings, result.counts()                          # every finding; stored (audited) as well
    compliance.due_items(store, within_days=30, scope=scope)  # what is due next, as this reader sees it
    compliance.render(compliance.build_report(store, treaty="new-start"), "html")
    compliance.check_gates(store, action="assistance_offer", party="USA", subject="CASE-1", ...)

Layout: ``packs`` (YAML packs and their models), ``rules`` (parameters of the seven rule kinds),
``evidence`` (evidence as Polars frames), ``kinds/`` (one evaluator per kind), ``engine`` (bulk evaluation,
incremental :class:`Evaluator`), ``registry`` / ``findings`` (the store, through the audited services),
``importer``, ``calendar``, ``report``, ``gates``, ``service``, and ``visibility`` (markings: a stored finding
carries the most restrictive marking of its evidence; a reader's due list, report and dossier status are
evaluated on the evidence that reader may see).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.lazy_exports import lazy_exports

_EXPORTS = {
    "Evaluation": "detente.compliance.service",
    "evaluate": "detente.compliance.service",
    "evaluate_frames": "detente.compliance.service",
    "Evaluator": "detente.compliance.engine",
    "evaluate_pack": "detente.compliance.engine",
    "STATUSES": "detente.compliance.engine",
    "Pack": "detente.compliance.packs",
    "ObligationSpec": "detente.compliance.packs",
    "PackError": "detente.compliance.packs",
    "get_pack": "detente.compliance.packs",
    "load_packs": "detente.compliance.packs",
    "define_obligation": "detente.compliance.registry",
    "sync_pack": "detente.compliance.registry",
    "EvidenceImportError": "detente.compliance.importer",
    "import_evidence": "detente.compliance.importer",
    "DueItem": "detente.compliance.calendar",
    "due_items": "detente.compliance.calendar",
    "to_ical": "detente.compliance.calendar",
    "build_report": "detente.compliance.report",
    "render": "detente.compliance.report",
    "GateDecision": "detente.compliance.gates",
    "check_gate": "detente.compliance.gates",
    "check_gates": "detente.compliance.gates",
}

__all__ = [
    "STATUSES",
    "DueItem",
    "Evaluation",
    "Evaluator",
    "EvidenceImportError",
    "GateDecision",
    "ObligationSpec",
    "Pack",
    "PackError",
    "build_report",
    "check_gate",
    "check_gates",
    "define_obligation",
    "due_items",
    "evaluate",
    "evaluate_frames",
    "evaluate_pack",
    "get_pack",
    "import_evidence",
    "load_packs",
    "render",
    "sync_pack",
    "to_ical",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from detente.compliance.calendar import DueItem, due_items, to_ical
    from detente.compliance.engine import STATUSES, Evaluator, evaluate_pack
    from detente.compliance.gates import GateDecision, check_gate, check_gates
    from detente.compliance.importer import EvidenceImportError, import_evidence
    from detente.compliance.packs import ObligationSpec, Pack, PackError, get_pack, load_packs
    from detente.compliance.registry import define_obligation, sync_pack
    from detente.compliance.report import build_report, render
    from detente.compliance.service import Evaluation, evaluate, evaluate_frames
