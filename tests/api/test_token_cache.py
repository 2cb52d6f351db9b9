"""The verified-token cache: a revocation here applies at once; one made elsewhere within the cache's seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from detente.domain.markings import Role
from detente.services import accounts
from detente.services.errors import AuthenticationError
from detente.store.database import Store
from detente.store.models import ApiToken
from tests.api.conftest import MakePerson


def _revoke_behind_the_cache(store: Store, user_id: int) -> None:
    """Revoke the user's tokens as another worker process would: the row changes, this process's cache is not told."""
    with store.engine.begin() as connection:
        connection.execute(update(ApiToken).where(ApiToken.user_id == user_id).values(revoked_at=datetime.now(UTC)))


def test_revocation_by_another_process_applies_within_the_cache_seconds(
    real_store: Store, make_person: MakePerson, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_TOKEN_CACHE_SECONDS", "1")
    person = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    assert accounts.authenticate(real_store, person.token).user_id == person.id
    _revoke_behind_the_cache(real_store, person.id)
    assert accounts.authenticate(real_store, person.token).user_id == person.id, "still cached, for <= 1 s"
    time.sleep(1.1)
    with pytest.raises(AuthenticationError, match="revoked"):
        accounts.authenticate(real_store, person.token)


def test_revocation_in_this_process_applies_at_once(
    real_store: Store, make_person: MakePerson, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_TOKEN_CACHE_SECONDS", "60")
    person = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    assert accounts.authenticate(real_store, person.token).user_id == person.id
    accounts.revoke_secret(real_store, person.token)
    with pytest.raises(AuthenticationError, match="revoked"):
        accounts.authenticate(real_store, person.token)


def test_cache_off_checks_every_time(
    real_store: Store, make_person: MakePerson, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_TOKEN_CACHE_SECONDS", "0")
    person = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    assert accounts.authenticate(real_store, person.token).user_id == person.id
    _revoke_behind_the_cache(real_store, person.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        accounts.authenticate(real_store, person.token)
