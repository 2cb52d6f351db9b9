"""The curated public API: every name in ``detente.__all__`` resolves, and importing detente stays light."""

from __future__ import annotations

import subprocess
import sys

import detente


def test_every_public_name_resolves() -> None:
    for name in detente.__all__:
        assert getattr(detente, name) is not None, name
    assert set(detente.__all__) - {"__version__"} == set(detente._EXPORTS)


def test_importing_detente_does_not_import_the_store() -> None:
    code = "import sys, detente; print('sqlalchemy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
