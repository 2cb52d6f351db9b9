"""Sub-commands imported only when they run: ``detente panel ...`` never imports the compliance engine.

Typer builds the whole command tree before it parses a single argument, so a sub-app registered with
``app.add_typer`` is imported at start-up, together with everything it imports. For a command line whose
sub-apps reach very different parts of detente (the loader, the panels, the compliance engine with its
packs), that is most of the start-up time of every command: ``detente panel ...`` spent about a second
importing the compliance engine, the ORM models and their libraries before it read its first row.

:func:`lazy_group` returns a group class that knows its lazy sub-apps by name and the ``module:attribute``
that holds each one; a sub-app is imported the first time the group is asked for it (to run it, or to
list it in ``--help``). Register a sub-app there rather than with ``add_typer`` when it imports anything
heavy::

    app = typer.Typer(cls=lazy_group({"panel": "detente.cli.panel:app"}))
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import typer
from typer.core import TyperGroup

__all__ = ["lazy_group"]


def lazy_group(commands: Mapping[str, str]) -> type[TyperGroup]:
    """A :class:`typer.core.TyperGroup` subclass whose sub-commands ``commands`` (name -> ``"module:attribute"``,
    the attribute a :class:`typer.Typer` or a command function) are imported on first use, listed after the
    eager ones."""
    lazy = dict(commands)
    for name, target in lazy.items():
        module, sep, attribute = target.partition(":")
        if not (module and sep and attribute):
            raise ValueError(f"lazy sub-command {name!r}: give 'module:attribute', not {target!r}")

    class LazyGroup(TyperGroup):
        """A command group that imports each of its lazy sub-apps when it is first asked for."""

        def list_commands(self, ctx: Any) -> list[str]:
            eager = super().list_commands(ctx)
            return [*eager, *(name for name in lazy if name not in eager)]

        def get_command(self, ctx: Any, cmd_name: str) -> Any:
            if cmd_name in lazy and cmd_name not in self.commands:
                module, _, attribute = lazy[cmd_name].partition(":")
                target = getattr(importlib.import_module(module), attribute)
                command: Any  # a click command or group (typer ships its own click)
                if isinstance(target, typer.Typer):
                    command = typer.main.get_group(target)
                elif callable(target):
                    # A single command: a one-command Typer app turns into that command itself.
                    single = typer.Typer()
                    single.command(name=cmd_name)(target)
                    command = typer.main.get_command(single)
                else:
                    raise TypeError(f"{lazy[cmd_name]} is neither a typer.Typer nor a command function")
                command.name = cmd_name
                self.commands[cmd_name] = command
            return super().get_command(ctx, cmd_name)

    return LazyGroup
