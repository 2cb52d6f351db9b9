"""Obtaining the raw files a source declares: mirror, then cache, then (only if asked) download.

Resolution order for each declared file ``<source>/<path>``:

1. a file the user supplied explicitly (``--file``), if any;
2. a mirror directory, laid out ``<mirror>/<source>/<path>`` (the ``mirror`` argument, else the
   ``DETENTE_MIRROR`` environment variable) -- the normal case for air-gapped installs and for tests;
3. the cache, ``<user cache dir>/detente/raw/<source>/<version>/<path>``;
4. the canonical URL, downloaded with httpx -- only when ``download=True`` and only for sources whose
   terms allow it (``redistribution: allowed``). Nothing here touches the network at import time.
   ``DETENTE_DOWNLOAD_BASE`` replaces the canonical URLs with a server laid out like a mirror
   (``<base>/<source>/<file>``): an organisation's internal mirror, or a local server in tests.

Every file, wherever it came from, is verified against its declared SHA-256 before use, and a verified
file from a mirror, a user or the network is copied into the cache so that the next run works offline.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import platformdirs

from detente.sources.checksum import verify
from detente.sources.errors import SourceDataError, SourceFetchError
from detente.sources.spec import FileSpec, Redistribution, SourceSpec

MIRROR_ENV = "DETENTE_MIRROR"
"""Environment variable naming a mirror directory laid out ``<dir>/<source>/<file>``."""

CACHE_ENV = "DETENTE_CACHE_DIR"
"""Environment variable overriding the cache root (default: the platform user cache dir)."""

DOWNLOAD_BASE_ENV = "DETENTE_DOWNLOAD_BASE"
"""Environment variable naming an HTTP(S) server laid out ``<base>/<source>/<file>`` to download from
instead of each file's canonical URL."""


def download_url(spec: SourceSpec, entry: FileSpec) -> str | None:
    """Where ``entry`` is downloaded from: ``$DETENTE_DOWNLOAD_BASE/<source>/<file>`` when that is set,
    else the file's canonical URL (``None`` if it has none)."""
    base = os.environ.get(DOWNLOAD_BASE_ENV)
    if base:
        return f"{base.rstrip('/')}/{quote(spec.name)}/{quote(entry.path)}"
    return entry.url


def cache_root() -> Path:
    """Root of the raw-file cache: ``$DETENTE_CACHE_DIR`` or ``<user cache dir>/detente/raw``."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("detente")) / "raw"


def cache_path(spec: SourceSpec, entry: FileSpec, root: Path | None = None) -> Path:
    """Where a verified copy of ``entry`` lives in the cache."""
    return (root or cache_root()) / spec.name / spec.version / entry.path


def mirror_dir(mirror: Path | str | None = None) -> Path | None:
    """The mirror directory in effect: the argument, else ``$DETENTE_MIRROR``, else ``None``."""
    if mirror is not None:
        return Path(mirror)
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else None


def resolve_file(
    spec: SourceSpec,
    entry: FileSpec,
    *,
    mirror: Path | str | None = None,
    supplied: Path | None = None,
    download: bool = False,
    cache: Path | None = None,
) -> Path:
    """A verified local path for one declared file (see the module docstring for the order).

    Raises:
        SourceDataError: a copy was found but its SHA-256 differs from source.yml.
        SourceFetchError: no copy was found and downloading is not asked for, not allowed by the
            source's terms, impossible (no URL), or failed.
    """
    declared = f"{spec.name}/{entry.path}"
    cached = cache_path(spec, entry, cache)
    candidates: list[Path] = []
    if supplied is not None:
        if not supplied.is_file():
            raise SourceFetchError(f"{declared}: the supplied file {supplied} does not exist.")
        candidates.append(supplied)
    root = mirror_dir(mirror)
    if root is not None and supplied is None:
        in_mirror = root / spec.name / entry.path
        if in_mirror.is_file():
            candidates.append(in_mirror)
    for candidate in candidates:
        verify(candidate, entry.sha256, declared_as=declared)
        _store(candidate, cached)
        return candidate
    if cached.is_file():
        verify(cached, entry.sha256, declared_as=declared)
        return cached
    if spec.redistribution is Redistribution.FORBIDDEN:
        raise SourceFetchError(
            f"{declared}: not in the mirror or cache, and the terms of {spec.title} do not allow detente "
            f"to download it for you ({spec.licence.name}). Download it yourself from the publisher "
            f"({spec.homepage or entry.url or 'see source.yml'}) and pass it with --file, or put it in a "
            f"mirror directory as <mirror>/{declared} (--mirror DIR or ${MIRROR_ENV})."
        )
    url = download_url(spec, entry)
    if url is None:
        raise SourceFetchError(
            f"{declared}: not in the mirror or cache, and it has no canonical download URL. Put it in a "
            f"mirror directory as <mirror>/{declared} (--mirror DIR or ${MIRROR_ENV}), or name a server "
            f"laid out like one with ${DOWNLOAD_BASE_ENV}."
        )
    if not download:
        raise SourceFetchError(
            f"{declared}: not in the mirror or cache. Pull it from {url} (detente sources pull "
            f"{spec.name}) or point --mirror / ${MIRROR_ENV} at a mirror directory."
        )
    return _download(url, entry.sha256, cached, declared)


def resolve_source(
    spec: SourceSpec,
    *,
    mirror: Path | str | None = None,
    supplied: Mapping[str, Path] | None = None,
    download: bool = False,
    cache: Path | None = None,
) -> dict[str, Path]:
    """Verified local paths for every file ``spec`` declares, keyed by declared relative path.

    ``supplied`` maps declared paths to files the user gave explicitly (``--file``).
    """
    given = dict(supplied or {})
    unknown = set(given) - {f.path for f in spec.files}
    if unknown:
        raise SourceFetchError(
            f"{spec.name}: supplied files {sorted(unknown)} are not declared; declared: {[f.path for f in spec.files]}"
        )
    return {
        entry.path: resolve_file(
            spec, entry, mirror=mirror, supplied=given.get(entry.path), download=download, cache=cache
        )
        for entry in spec.files
    }


def _store(source: Path, target: Path) -> None:
    """Copy a verified file into the cache atomically (a half-written cache file never exists)."""
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, prefix=".part-") as handle:
            tmp = Path(handle.name)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError:
        # A read-only or full cache must not stop a load from a verified mirror copy.
        return


def _download(url: str, sha256: str, target: Path, declared: str) -> Path:
    import httpx

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, prefix=".download-") as handle:
        tmp = Path(handle.name)
        try:
            with httpx.stream("GET", url, follow_redirects=True, timeout=60.0) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        except httpx.HTTPError as exc:
            tmp.unlink(missing_ok=True)
            raise SourceFetchError(
                f"{declared}: download from {url} failed ({exc}). Check the network or use a mirror "
                f"(--mirror DIR or ${MIRROR_ENV})."
            ) from exc
    try:
        verify(tmp, sha256, declared_as=declared)
    except SourceDataError as error:
        tmp.unlink(missing_ok=True)
        raise SourceDataError(
            url,
            None,
            None,
            error.problem,
            "The download is corrupt, or the server holds another version of the file; nothing was kept. "
            "Try again later, check the server (or $" + DOWNLOAD_BASE_ENV + "), or use a mirror "
            f"(--mirror DIR or ${MIRROR_ENV}).",
        ) from None
    os.replace(tmp, target)
    return target
