"""A proposal's buttons answered: the connector picks a slot, asks for other times or declines; the
connectee accepts, asks for another held slot or declines. Each answer checks that the presser is
the person the button was sent to and that the proposal is still at the turn the button carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeVar

from handlers.core.buttons import PressedInProgram, Route, route
from handlers.core.events import Button, Outcome, Reply
from handlers.core.model import Participant, Proposal, ProposalStatus, Role
from handlers.core.people import both, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.matching.buttons import (
    AcceptTime,
    AnotherTime,
    CannotTakeIt,
    ChooseSlot,
    DeclineProposal,
    NoneOfTheseTimes,
    OnProposal,
    PickSlot,
)
from handlers.matching.offers import counter_to_connector, offer_to_connectee, slot_buttons
from handlers.matching.proposals import end_proposal, find_connector, hold_fresh, next_turn
from handlers.meetings import booking


@dataclass(frozen=True)
class _Turn:
    """A proposal whose turn a button was pressed in, its two sides, and the presser's translator."""

    office: Office
    t: Translator
    proposal: Proposal
    connectee: Participant
    connector: Participant

    def held(self, index: int) -> datetime | None:
        slots = self.proposal.slots
        return slots[index] if index < len(slots) else None


async def _turn(button: OnProposal, pressed: PressedInProgram, waiting_for: ProposalStatus) -> _Turn | None:
    """The proposal, if it is still at the button's turn, waits for `waiting_for`'s side (the connector
    while OFFERED, the connectee while PROPOSED), and that side pressed it; None for a stale or
    forged button, or someone else's."""
    office = pressed.office
    proposal = await office.matchmaking.proposal(button.proposal_id, lock=True)
    if proposal is None or proposal.version != button.turn or proposal.status is not waiting_for:
        return None
    pair = await both(office, proposal)
    if pair is None:
        return None
    connectee, connector = pair
    presser = connector if waiting_for is ProposalStatus.OFFERED else connectee
    return _Turn(office, pressed.t, proposal, connectee, connector) if pressed.by(presser) else None


B = TypeVar("B", bound=OnProposal)


def _in_turn(
    waiting_for: ProposalStatus, act: Callable[[_Turn, B], Awaitable[Outcome | None]]
) -> Callable[[B, PressedInProgram], Awaitable[Outcome | None]]:
    """The answer to a button of `waiting_for`'s side: `act`, if the proposal is still at its turn."""

    async def answer(button: B, pressed: PressedInProgram) -> Outcome | None:
        turn = await _turn(button, pressed, waiting_for)
        return None if turn is None else await act(turn, button)

    return answer


# ---------------------------------------------------------------- the connector's answers


async def _pick_slot(turn: _Turn, button: PickSlot) -> Outcome | None:
    slot = turn.held(button.index)
    if slot is None:
        return None
    office, proposal, connectee, connector, t = turn.office, turn.proposal, turn.connectee, turn.connector, turn.t
    if proposal.slot == slot and proposal.asked_by is Role.CONNECTEE:
        return await booking.confirm(office, proposal, connectee, connector, slot, t, connector)
    await next_turn(office, proposal, ProposalStatus.PROPOSED, slot, Role.CONNECTOR)
    done = t.gettext("You proposed {when}. We have asked {name} and will tell you their answer here.").format(
        when=format_when(slot, t, zone_of(office, connector)), name=name(connectee, t)
    )
    return Outcome(
        [Reply(done, edit=True)], [to(connectee, offer_to_connectee(office, proposal, connectee, connector))]
    )


async def _other_times(turn: _Turn, button: NoneOfTheseTimes) -> Outcome | None:
    """New slots, none offered before; when there are none left, move on to another connector."""
    if not await hold_fresh(turn.office, turn.proposal, turn.connectee, turn.connector):
        return await _end(turn, Role.CONNECTOR, no_time=True)
    t = turn.t
    text = t.gettext("Here are other times that suit {name}. Pick one:").format(name=name(turn.connectee, t))
    return Outcome([Reply(text, buttons=slot_buttons(turn.office, turn.proposal, turn.connector, t), edit=True)])


async def _cannot_take_it(turn: _Turn, button: CannotTakeIt) -> Outcome | None:
    return await _end(turn, Role.CONNECTOR)


# ---------------------------------------------------------------- the connectee's answers


async def _accept_time(turn: _Turn, button: AcceptTime) -> Outcome | None:
    slot = turn.proposal.slot
    if slot is None:
        return None
    office, t = turn.office, turn.t
    return await booking.confirm(office, turn.proposal, turn.connectee, turn.connector, slot, t, turn.connectee)


async def _another_time(turn: _Turn, button: AnotherTime) -> Outcome | None:
    proposal, t = turn.proposal, turn.t
    zone = zone_of(turn.office, turn.connectee)
    rows = [
        (Button(format_when(start, t, zone), ChooseSlot(proposal.id, proposal.version, index).pack()),)
        for index, start in enumerate(proposal.slots)
        if start != proposal.slot
    ]
    rows.append(
        (Button(t.pgettext("proposal", "No, thank you"), DeclineProposal(proposal.id, proposal.version).pack()),)
    )
    return Outcome([Reply(t.gettext("Which of these times would suit you better?"), buttons=tuple(rows), edit=True)])


async def _choose_slot(turn: _Turn, button: ChooseSlot) -> Outcome | None:
    slot = turn.held(button.index)
    if slot is None:
        return None
    office, proposal, connectee, connector, t = turn.office, turn.proposal, turn.connectee, turn.connector, turn.t
    if slot == proposal.slot:
        return await booking.confirm(office, proposal, connectee, connector, slot, t, connectee)
    await next_turn(office, proposal, ProposalStatus.OFFERED, slot, Role.CONNECTEE)
    done = t.gettext("You asked for {when}. We have asked {name} and will tell you their answer here.").format(
        when=format_when(slot, t, zone_of(office, connectee)), name=name(connector, t)
    )
    return Outcome(
        [Reply(done, edit=True)], [to(connector, counter_to_connector(office, proposal, connectee, connector))]
    )


async def _decline(turn: _Turn, button: DeclineProposal) -> Outcome | None:
    return await _end(turn, Role.CONNECTEE)


async def _end(turn: _Turn, by: Role, *, no_time: bool = False) -> Outcome:
    """The proposal is declined by `by`: both are told, the connectee moves on to the next connector."""
    office, connectee, connector, t = turn.office, turn.connectee, turn.connector, turn.t
    await end_proposal(office, turn.proposal, ProposalStatus.DECLINED, by)
    if by is Role.CONNECTOR:
        if no_time:
            text = t.gettext(
                "There are no other times in the next days that suit you both. "
                "We will introduce {name} to another volunteer. Thank you!"
            )
        else:
            text = t.gettext("Thank you for letting us know. We will introduce {name} to someone else.")
        mine = [Reply(text.format(name=name(connectee, t)), edit=True)]
        return Outcome(mine, await find_connector(office, connectee))
    mine = [Reply(t.gettext("Thank you for letting us know. We will look for another volunteer for you."), edit=True)]
    other_t = translator(office, connector)
    told = other_t.gettext(
        "{name} cannot take up this meeting after all. Thank you for offering your time; "
        "we will be in touch with another introduction."
    ).format(name=name(connectee, other_t))
    return Outcome(mine, [to(connector, Reply(told)), *await find_connector(office, connectee)])


OFFERED, PROPOSED = ProposalStatus.OFFERED, ProposalStatus.PROPOSED  # waiting for the connector, the connectee
ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (
    route(PickSlot, _in_turn(OFFERED, _pick_slot)),
    route(NoneOfTheseTimes, _in_turn(OFFERED, _other_times)),
    route(CannotTakeIt, _in_turn(OFFERED, _cannot_take_it)),
    route(AcceptTime, _in_turn(PROPOSED, _accept_time)),
    route(AnotherTime, _in_turn(PROPOSED, _another_time)),
    route(ChooseSlot, _in_turn(PROPOSED, _choose_slot)),
    route(DeclineProposal, _in_turn(PROPOSED, _decline)),
)
