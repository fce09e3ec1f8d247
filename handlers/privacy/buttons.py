"""The answer to "Erase your data?"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from handlers.core.buttons import ButtonData
from handlers.core.ids import DATABASE_IDS


@dataclass(frozen=True)
class EraseMyData(ButtonData, code="del:yes"):
    # 0: a coordinator by invitation, who never registered; else the participant asked about.
    participant_id: Annotated[int, range(0, DATABASE_IDS.stop)]


@dataclass(frozen=True)
class KeepMyData(ButtonData, code="del:no"):
    pass
