"""A proposal's buttons answered: the connector picks a slot, asks for other times or declines; the
connectee accepts, asks for another held slot or declines. Each answer checks that the presser is
the person the button was sent to and that the proposal is still at the turn the button carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

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
from handlers.matching.proposals import (
    counter_to_connector,
    end_proposal,
    find_connector,
    hold_fresh,
    next_turn,
    offer_to_connectee,
    slot_buttons,
)
from handlers.meetings import booking


@dataclass(frozen=True)
class _Turn:
    """A proposal whose turn a button was pressed in, and its two sides."""

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
    return _Turn(proposal, connectee, connector) if presser.user_id == pressed.user_id else None


async def _pick_slot(button: PickSlot, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.OFFERED)
    slot = turn.held(button.index) if turn else None
    if turn is None or slot is None:
        return None
    return await _connector_picks(pressed.office, turn.proposal, turn.connectee, turn.connector, slot, pressed.t)


async def _none_of_these(button: NoneOfTheseTimes, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.OFFERED)
    if turn is None:
        return None
    return await _other_times(pressed.office, turn.proposal, turn.connectee, turn.connector, pressed.t)


async def _cannot_take_it(button: CannotTakeIt, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.OFFERED)
    if turn is None:
        return None
    declined, by = ProposalStatus.DECLINED, Role.CONNECTOR
    return await _end(pressed.office, turn.proposal, turn.connectee, turn.connector, declined, by, pressed.t)


async def _accept_time(button: AcceptTime, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.PROPOSED)
    if turn is None or turn.proposal.slot is None:
        return None
    slot = turn.proposal.slot
    office, t = pressed.office, pressed.t
    return await booking.confirm(office, turn.proposal, turn.connectee, turn.connector, slot, t, turn.connectee)


async def _another_time(button: AnotherTime, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.PROPOSED)
    if turn is None:
        return None
    return Outcome(_choose_another(pressed.office, turn.proposal, turn.connectee, pressed.t))


async def _choose_slot(button: ChooseSlot, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.PROPOSED)
    slot = turn.held(button.index) if turn else None
    if turn is None or slot is None:
        return None
    return await _connectee_asks(pressed.office, turn.proposal, turn.connectee, turn.connector, slot, pressed.t)


async def _decline(button: DeclineProposal, pressed: PressedInProgram) -> Outcome | None:
    turn = await _turn(button, pressed, ProposalStatus.PROPOSED)
    if turn is None:
        return None
    declined, by = ProposalStatus.DECLINED, Role.CONNECTEE
    return await _end(pressed.office, turn.proposal, turn.connectee, turn.connector, declined, by, pressed.t)


async def _connector_picks(
    office: Office, proposal: Proposal, connectee: Participant, connector: Participant, slot: datetime, t: Translator
) -> Outcome:
    if proposal.slot == slot and proposal.asked_by is Role.CONNECTEE:
        return await booking.confirm(office, proposal, connectee, connector, slot, t, connector)
    await next_turn(office, proposal, ProposalStatus.PROPOSED, slot, Role.CONNECTOR)
    done = t.gettext("You proposed {when}. We have asked {name} and will tell you their answer here.").format(
        when=format_when(slot, t, zone_of(office, connector)), name=name(connectee, t)
    )
    return Outcome(
        [Reply(done, edit=True)], [to(connectee, offer_to_connectee(office, proposal, connectee, connector))]
    )


async def _other_times(
    office: Office, proposal: Proposal, connectee: Participant, connector: Participant, t: Translator
) -> Outcome:
    """New slots, none offered before; when there are none left, move on to another connector."""
    if not await hold_fresh(office, proposal, connectee, connector):
        return await _end(
            office, proposal, connectee, connector, ProposalStatus.DECLINED, Role.CONNECTOR, t, no_time=True
        )
    text = t.gettext("Here are other times that suit {name}. Pick one:").format(name=name(connectee, t))
    return Outcome([Reply(text, buttons=slot_buttons(office, proposal, connector, t), edit=True)])


def _choose_another(office: Office, proposal: Proposal, connectee: Participant, t: Translator) -> list[Reply]:
    zone = zone_of(office, connectee)
    rows = [
        (Button(format_when(start, t, zone), ChooseSlot(proposal.id, proposal.version, index).pack()),)
        for index, start in enumerate(proposal.slots)
        if start != proposal.slot
    ]
    rows.append((Button(t.gettext("No, thank you"), DeclineProposal(proposal.id, proposal.version).pack()),))
    return [Reply(t.gettext("Which of these times would suit you better?"), buttons=tuple(rows), edit=True)]


async def _connectee_asks(
    office: Office, proposal: Proposal, connectee: Participant, connector: Participant, slot: datetime, t: Translator
) -> Outcome:
    if slot == proposal.slot:
        return await booking.confirm(office, proposal, connectee, connector, slot, t, connectee)
    await next_turn(office, proposal, ProposalStatus.OFFERED, slot, Role.CONNECTEE)
    done = t.gettext("You asked for {when}. We have asked {name} and will tell you their answer here.").format(
        when=format_when(slot, t, zone_of(office, connectee)), name=name(connector, t)
    )
    return Outcome(
        [Reply(done, edit=True)], [to(connector, counter_to_connector(office, proposal, connectee, connector))]
    )


async def _end(
    office: Office,
    proposal: Proposal,
    connectee: Participant,
    connector: Participant,
    status: ProposalStatus,
    by: Role,
    t: Translator,
    *,
    no_time: bool = False,
) -> Outcome:
    """A proposal ends without a meeting: both are told, the connectee moves on to the next connector."""
    await end_proposal(office, proposal, status, by)
    if by is Role.CONNECTOR:
        if no_time:
            text = t.gettext(
                "There are no other times in the next days that suit you both. "
                "We will introduce {name} to another connector. Thank you!"
            )
        else:
            text = t.gettext("Thank you for letting us know. We will introduce {name} to someone else.")
        mine = [Reply(text.format(name=name(connectee, t)), edit=True)]
        return Outcome(mine, await find_connector(office, connectee))
    mine = [Reply(t.gettext("Thank you for letting us know. We will look for another connector for you."), edit=True)]
    other_t = translator(office, connector)
    told = other_t.gettext(
        "{name} cannot take up this meeting after all. Thank you for offering your time; "
        "we will be in touch with another introduction."
    ).format(name=name(connectee, other_t))
    return Outcome(mine, [to(connector, Reply(told)), *await find_connector(office, connectee)])


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (
    route(PickSlot, _pick_slot),
    route(NoneOfTheseTimes, _none_of_these),
    route(CannotTakeIt, _cannot_take_it),
    route(AcceptTime, _accept_time),
    route(AnotherTime, _another_time),
    route(ChooseSlot, _choose_slot),
    route(DeclineProposal, _decline),
)
