"""SHA-256 digests of raw files, and the check every fetched file must pass."""

from __future__ import annotations

import hashlib
from pathlib import Path

from detente.sources.errors import SourceDataError

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex SHA-256 digest of the whole file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, expected: str, *, declared_as: str) -> None:
    """Raise unless ``path`` has SHA-256 ``expected``.

    Args:
        path: the file on disk.
        expected: the digest declared in source.yml.
        declared_as: ``<source>/<path>`` as declared, for the message.

    Raises:
        SourceDataError: the digests differ. The message names both digests and what to do.
    """
    actual = sha256_of(path)
    if actual != expected:
        raise SourceDataError(
            path,
            None,
            None,
            f"checksum mismatch for {declared_as}: source.yml expects sha256 {expected}, the file has {actual}.",
            "The file is corrupt, truncated or a different version: delete it and fetch it again "
            "(or replace the mirror copy with the published file). If the publisher released a new "
            "version, add it to source.yml with its new sha256 instead of editing the old entry.",
        )
