"""The coordinators' buttons: review an application, pick a connector, make an export."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.buttons import ButtonData, Id, Name


@dataclass(frozen=True)
class Approve(ButtonData, code="ok"):
    participant_id: Id


@dataclass(frozen=True)
class Decline(ButtonData, code="no"):
    participant_id: Id


@dataclass(frozen=True)
class PickConnector(ButtonData, code="pick"):
    connectee_id: Id
    connector_id: Id


@dataclass(frozen=True)
class MakeExport(ButtonData, code="ex"):
    format: Name
