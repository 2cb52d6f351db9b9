"""The README is the contract: every command and setting is documented, and its Python example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup

from detente.cli.main import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: TyperGroup, prefix: str = "detente") -> list[str]:
    found = []
    context = typer.Context(group)
    for name in group.list_commands(context):  # lazy sub-apps too (detente.cli.lazy)
        command = group.get_command(context, name)
        path = f"{prefix} {name}"
        if isinstance(command, TyperGroup):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


def test_every_command_is_in_the_readme() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    commands = _commands(root)
    assert "detente audit verify" in commands
    assert "detente panel dyad-years" in commands  # a lazy sub-app's commands are listed too
    missing = [c for c in commands if f"`{c}" not in README]
    assert missing == [], f"document these commands in README.md: {missing}"


def test_every_setting_is_in_the_readme() -> None:
    src = Path(__file__).resolve().parents[1] / "src"
    sources = "\n".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py"))
    settings = set(re.findall(r"\"(DETENTE_[A-Z_]+)\"", sources)) | {"DETENTE_TEST_POSTGRES_URL"}
    assert "DETENTE_DATABASE_URL" in settings
    missing = sorted(s for s in settings if f"`{s}`" not in README)
    assert missing == [], f"document these settings in README.md: {missing}"


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_DATABASE_URL", f"sqlite:///{tmp_path / 'readme.sqlite'}")
    example = re.search(r"```python\n(.*?)```", README, re.S)
    assert example is not None
    namespace: dict[str, object] = {}
    exec(compile(example.group(1).replace("print(", "assert ("), "README.md", "exec"), namespace)
    assert namespace["nato"]["valid_from"] == "1949-08-24"  # type: ignore[index]
