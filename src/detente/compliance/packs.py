"""Treaty packs: the obligations of one regime, declared as YAML and shipped inside the package.

A pack names its treaty, the parties it binds (ISO3 codes, or ``evidence``: every state that appears in the
treaty's evidence), named groups of parties, the time it is in force, the agreements in the store whose
evidence counts for it, and its obligations. Each obligation carries its code, title, article, kind and
parameters (see :mod:`detente.compliance.rules`), counting rule, severity, source, and ``verified``: false
for values that the rules catalogue marks as not re-checked against the authentic text.

Declaring is separate from evaluating: loading a pack checks every obligation's parameters, and nothing
here knows how a rule is evaluated.
"""

from __future__ import annotations

from datetime import date
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente.compliance.rules import Rule, parse_rule

__all__ = ["InForce", "ObligationSpec", "Pack", "PackError", "find_obligation", "get_pack", "load_packs"]

Kind = Literal["LIMIT", "QUOTA", "DEADLINE", "THRESHOLD", "WINDOW", "GATE", "RECONCILE"]


class PackError(ValueError):
    """A pack or obligation that cannot be used as declared: names the pack, obligation and field."""


class InForce(BaseModel):
    """An inclusive day range; an open end is ``None``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class ObligationSpec(BaseModel):
    """One obligation as declared: what it demands of whom, from when, and how sure its values are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,59}$")
    title: str
    article: str
    kind: Kind
    parameters: dict[str, Any]
    verified: bool
    source: str
    severity: Literal["minor", "major", "critical"] = "major"
    counting: str | None = None
    in_force: InForce = InForce()
    parties: list[str] | Literal["evidence"] | None = None
    treaty: str = ""

    @model_validator(mode="after")
    def _rule(self) -> ObligationSpec:
        try:
            parse_rule(self.kind, self.parameters)
        except ValidationError as error:
            problems = [
                ".".join(["parameters", *(str(p) for p in e["loc"])])
                + ": "
                + str(e["msg"]).removeprefix("Value error, ")
                for e in error.errors()
            ]
            raise ValueError("; ".join(problems)) from None
        return self

    @cached_property
    def rule(self) -> Rule:
        """The validated parameters (a :mod:`~detente.compliance.rules` model for this kind)."""
        return parse_rule(self.kind, self.parameters)


class Pack(BaseModel):
    """A treaty's obligations and what the engine needs to know about the treaty itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]+$")
    title: str
    short_name: str
    kind: str = "arms_control"
    citation: str
    parties: list[str] | Literal["evidence"]
    groups: dict[str, list[str]] = {}
    in_force: InForce = InForce()
    agreement_keys: list[str] = []
    notes: str | None = None
    obligations: list[ObligationSpec]

    @model_validator(mode="after")
    def _consistent(self) -> Pack:
        codes = [o.code for o in self.obligations]
        if len(set(codes)) != len(codes):
            raise ValueError(f"obligation codes repeat: {sorted({c for c in codes if codes.count(c) > 1})}")
        for spec in self.obligations:
            for name in _group_names(spec):
                if name not in self.groups:
                    raise ValueError(f"{spec.code}: group {name!r} is not defined under groups")
        return self

    @property
    def agreement_key(self) -> str:
        """The ``source_key`` of the agreement detente creates for the pack when no loaded one exists."""
        return f"compliance:{self.code}"

    def bound_parties(self, spec: ObligationSpec) -> list[str] | Literal["evidence"]:
        """The parties an obligation binds (its own list, else the pack's)."""
        return spec.parties if spec.parties is not None else self.parties


def _group_names(spec: ObligationSpec) -> list[str]:
    rule = spec.rule
    names: list[str] = list(getattr(rule, "groups", None) or [])
    for select in (getattr(rule, name, None) for name in ("select", "trigger", "action", "duty", "condition")):
        for attribute in ("counterpart_in", "counterpart_not_in"):
            value = getattr(select, attribute, None)
            if value:
                names.append(value)
    return names


def parse_pack(text: str, origin: str) -> Pack:
    """A pack from its YAML text; :class:`PackError` names the file and every problem."""
    try:
        raw = yaml.safe_load(text)
        if not isinstance(raw, dict):
            raise PackError(f"{origin}: a pack is a YAML mapping")
        for obligation in raw.get("obligations") or []:
            if isinstance(obligation, dict):
                obligation.setdefault("treaty", raw.get("code", ""))
        return Pack.model_validate(raw)
    except yaml.YAMLError as error:
        raise PackError(f"{origin}: not valid YAML: {error}") from None
    except ValidationError as error:
        raise PackError(f"{origin}: " + "; ".join(_describe(raw, e) for e in error.errors())) from None


def _describe(raw: Any, error: Any) -> str:
    """One pydantic error as ``obligations[0] (CODE).parameters: message``."""
    location = list(error["loc"])
    where = ""
    if len(location) >= 2 and location[0] == "obligations" and isinstance(location[1], int):
        obligations = raw.get("obligations") or []
        entry = obligations[location[1]] if location[1] < len(obligations) else {}
        code = entry.get("code", "?") if isinstance(entry, dict) else "?"
        where = f"obligation {code}"
        location = location[2:]
    path = ".".join(str(p) for p in location)
    message = str(error["msg"]).removeprefix("Value error, ")
    return ", ".join(filter(None, [where, path])) + f": {message}"


@cache
def load_packs() -> dict[str, Pack]:
    """Every pack shipped with detente (``detente/compliance/packs/*.yaml``), by code."""
    packs: dict[str, Pack] = {}
    for entry in sorted(resources.files("detente.compliance").joinpath("packs").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            pack = parse_pack(entry.read_text(encoding="utf-8"), f"packs/{entry.name}")
            packs[pack.code] = pack
    return packs


def get_pack(code: str) -> Pack:
    """One pack by code; :class:`PackError` lists the known codes."""
    packs = load_packs()
    if code not in packs:
        raise PackError(f"no treaty pack {code!r}; packs are: {', '.join(sorted(packs))}")
    return packs[code]


def find_obligation(code: str) -> tuple[Pack, ObligationSpec]:
    """The pack and spec of a shipped obligation by its code."""
    for pack in load_packs().values():
        for spec in pack.obligations:
            if spec.code == code:
                return pack, spec
    raise PackError(f"no obligation {code!r} in any pack; `detente compliance obligations` lists them")
