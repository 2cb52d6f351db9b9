"""The server's worker-thread pool and its setting (:mod:`detente.api.server_tuning`)."""

from __future__ import annotations

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from detente.api.server_tuning import DEFAULT_THREADS, api_threads


def _limit(client: TestClient) -> float:
    assert client.portal is not None

    async def read() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    return client.portal.call(read)


def test_the_app_runs_its_blocking_work_on_a_small_pool(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETENTE_API_THREADS", raising=False)
    with TestClient(app) as client:
        assert _limit(client) == DEFAULT_THREADS == 4
        assert client.get("/health").status_code == 200
    monkeypatch.setenv("DETENTE_API_THREADS", "2")
    with TestClient(app) as client:
        assert _limit(client) == 2


@pytest.mark.parametrize("raw", ["many", "0", "1000", "2.5"])
def test_a_bad_thread_setting_is_refused_with_what_to_write(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_API_THREADS", raw)
    with pytest.raises(ValueError, match=rf"DETENTE_API_THREADS='{raw}' .*e\.g\. 4"):
        api_threads()
