"""What kind of operation each IPI mission code is: the UN's peacekeeping totals count only
peacekeeping operations, while IPI's files also hold special political missions and support offices
that report uniformed personnel.

This is a reviewed reference list, kept with the parser so that it is versioned and tested. Any mission
not listed is a UN peacekeeping operation. Sources: UN DPPA list of special political missions and
offices; UN DPO list of past and current peacekeeping operations; the mirror's SOURCE.txt (UNAMA,
UNAMI, UNSOM, UNSOS, UNMC report uniformed personnel but are not peacekeeping operations).
"""

from __future__ import annotations

from typing import Final

PEACEKEEPING = "peacekeeping_operation"
POLITICAL = "special_political_mission"
SUPPORT = "support_office"

MISSION_KINDS: Final[dict[str, str]] = {
    # Special political missions and peacebuilding offices (DPPA-led or political offices).
    "UNAMA": POLITICAL,  # UN Assistance Mission in Afghanistan
    "UNAMI": POLITICAL,  # UN Assistance Mission for Iraq
    "UNSOM": POLITICAL,  # UN Assistance Mission in Somalia
    "UNMC": POLITICAL,  # UN Mission in Colombia
    "BINUB": POLITICAL,  # UN Integrated Office in Burundi
    "BNUB": POLITICAL,  # UN Office in Burundi
    "BONUCA": POLITICAL,  # UN Peacebuilding Support Office in the Central African Republic
    "UNIOSIL": POLITICAL,  # UN Integrated Office in Sierra Leone
    "UNMIN": POLITICAL,  # UN Mission in Nepal
    "UNOTIL": POLITICAL,  # UN Office in Timor-Leste
    # Support offices: uniformed staff, but not an operation of their own.
    "UNSOS": SUPPORT,  # UN Support Office in Somalia
}


def mission_kind(mission: str) -> str:
    """The kind of ``mission`` (an IPI mission code): see :data:`MISSION_KINDS`."""
    return MISSION_KINDS.get(mission, PEACEKEEPING)
