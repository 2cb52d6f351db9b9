"""detente: an open defence-diplomacy information system.

The public Python API. Open a store, write through the audited services, ask what was in force when::

    import detente

    store = detente.Store.open(create=True)
    records = detente.Records(store)
    records.create("state", {"name": "Norway", "ccode": 385, "iso3": "NOR"}, actor="me")
    assert detente.verify_audit(store).ok

Names are imported on first use (PEP 562), so ``import detente.panels`` or a CLI command does not pay for
parts of detente it does not touch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.lazy_exports import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "Interval": "detente.domain.dates",
    "PartialDate": "detente.domain.dates",
    "Precision": "detente.domain.dates",
    "AuditReport": "detente.services.audit_trail",
    "verify_audit": "detente.services.audit_trail:verify",
    "ENTITIES": "detente.services.entities",
    "RecordError": "detente.services.entities",
    "Records": "detente.services.records",
    "StoreStatus": "detente.services.status",
    "store_status": "detente.services.status",
    "SchemaOutOfDateError": "detente.store.database",
    "Store": "detente.store.database",
    "in_force": "detente.store.temporal",
}

__all__ = [
    "ENTITIES",
    "AuditReport",
    "Interval",
    "PartialDate",
    "Precision",
    "RecordError",
    "Records",
    "SchemaOutOfDateError",
    "Store",
    "StoreStatus",
    "__version__",
    "in_force",
    "store_status",
    "verify_audit",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from detente.domain.dates import Interval, PartialDate, Precision
    from detente.services.audit_trail import AuditReport
    from detente.services.audit_trail import verify as verify_audit
    from detente.services.entities import ENTITIES, RecordError
    from detente.services.records import Records
    from detente.services.status import StoreStatus, store_status
    from detente.store.database import SchemaOutOfDateError, Store
    from detente.store.temporal import in_force
