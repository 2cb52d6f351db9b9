"""detente: an open defence-diplomacy information system.

The public Python API. Open a store, write through the audited services, ask what was in force when::

    import detente

    store = detente.Store.open(create=True)
    records = detente.Records(store)
    records.create("state", {"name": "Norway", "ccode": 385, "iso3": "NOR"}, actor="me")
    assert detente.verify_audit(store).ok
"""

from detente.domain.dates import Interval, PartialDate, Precision
from detente.services.audit_trail import AuditReport
from detente.services.audit_trail import verify as verify_audit
from detente.services.entities import ENTITIES, RecordError
from detente.services.records import Records
from detente.services.status import StoreStatus, store_status
from detente.store.database import SchemaOutOfDateError, Store
from detente.store.temporal import in_force

__version__ = "0.1.0"

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
