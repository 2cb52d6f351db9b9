"""Storing a treaty pack is safe under concurrency: requests that all find the pack missing store it once.

The API makes a writer per request, and the first writes that a compliance gate may judge (a case, a training
engagement) each make sure the AECA 36(b) pack is stored. Before the fix, requests arriving together each read
"no pack agreement", then each created one: the benchmark's first eight clients left four agreements with the
same key, the pack's obligations pointing to the last and gate evidence linked to the first.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from detente.compliance.packs import get_pack
from detente.compliance.registry import agreement_ids, sync_pack
from detente.services.gates import PACK, ComplianceGates
from detente.store.database import Store
from detente.store.models import Agreement, Obligation

CALLERS = 6


def test_concurrent_syncs_store_the_pack_once(store: Store) -> None:
    pack = get_pack(PACK)
    start = threading.Barrier(CALLERS)

    def sync() -> int:
        start.wait()  # every caller reads the store at the same moment: none of them finds the pack
        return sync_pack(store, pack, actor="t").agreement_id

    with ThreadPoolExecutor(CALLERS) as pool:
        answers = list(pool.map(lambda _: sync(), range(CALLERS)))

    with store.engine.connect() as connection:
        stored = connection.scalar(
            select(func.count()).select_from(Agreement).where(Agreement.source_key == pack.agreement_key)
        )
        homes = set(connection.scalars(select(Obligation.agreement_id).where(Obligation.code.like("AECA-%"))))
    assert stored == 1, f"{stored} agreements stored for one pack"
    assert set(answers) == homes == {agreement_ids(store, pack)[0]}
    assert ComplianceGates(store).agreement_id() == answers[0]
