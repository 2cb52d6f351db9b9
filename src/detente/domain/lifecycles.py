"""The lifecycles of practitioners' records: which status may follow which.

An engagement goes proposed -> approved -> planned -> executed -> assessed; a security-assistance case goes
request -> offer -> accepted -> implementing -> delivered -> closed. Each step leads only to the next one, and
the last step is final. The services add the rules that need people or evidence (approval by someone other
than the proposer, the notification period before an offer, vetting before delivery).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CASE", "ENGAGEMENT", "Lifecycle", "LifecycleError"]


class LifecycleError(ValueError):
    """A status change the lifecycle does not allow; the message names the allowed one."""


@dataclass(frozen=True)
class Lifecycle:
    """An ordered list of statuses, each leading only to the next."""

    name: str
    steps: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.steps[0]

    @property
    def last(self) -> str:
        return self.steps[-1]

    def next_of(self, status: str) -> str | None:
        """The status that may follow ``status`` (``None`` at the end)."""
        index = self.steps.index(status)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    def check(self, current: str, target: str) -> None:
        """Raise :class:`LifecycleError` unless ``target`` may follow ``current``."""
        if target not in self.steps:
            raise LifecycleError(f"{target!r} is not a {self.name} status; statuses are {', '.join(self.steps)}")
        if current not in self.steps:
            raise LifecycleError(f"the {self.name} has an unknown status {current!r}")
        allowed = self.next_of(current)
        if target != allowed:
            then = f"it can only move to {allowed!r}" if allowed else "that is its final status"
            raise LifecycleError(f"a {self.name} cannot move from {current!r} to {target!r}: {then}")


ENGAGEMENT = Lifecycle("engagement", ("proposed", "approved", "planned", "executed", "assessed"))
CASE = Lifecycle("case", ("request", "offer", "accepted", "implementing", "delivered", "closed"))
