"""A proposal's buttons. Each carries the proposal and its turn (its version), so a button from an
earlier turn, or pressed after the proposal moved on, is stale."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.buttons import ButtonData, Id, Index


@dataclass(frozen=True)
class OnProposal(ButtonData, code=""):
    proposal_id: Id
    turn: Id


@dataclass(frozen=True)
class PickSlot(OnProposal, code="pk"):
    """The connector picks one of the held slots."""

    index: Index


@dataclass(frozen=True)
class NoneOfTheseTimes(OnProposal, code="pn"):
    pass


@dataclass(frozen=True)
class CannotTakeIt(OnProposal, code="px"):
    pass


@dataclass(frozen=True)
class AcceptTime(OnProposal, code="ca"):
    """The connectee takes the time the connector picked."""


@dataclass(frozen=True)
class AnotherTime(OnProposal, code="co"):
    pass


@dataclass(frozen=True)
class ChooseSlot(OnProposal, code="cs"):
    """The connectee asks for another of the held slots."""

    index: Index


@dataclass(frozen=True)
class DeclineProposal(OnProposal, code="cd"):
    pass


@dataclass(frozen=True)
class MatchMeAgain(ButtonData, code="ag"):
    """A newcomer who missed a meeting asks to be matched again (handlers.matching.again)."""

    participant_id: Id
