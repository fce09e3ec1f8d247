"""After a meeting is confirmed: cancel it (after asking), reschedule it, and the reminders before it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from handlers.core.buttons import PressedInProgram, Route, route
from handlers.core.events import Button, Outcome, Outgoing, Reply
from handlers.core.model import Meeting, MeetingStatus, Participant, ProposalStatus
from handlers.core.people import both, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.render import format_when
from handlers.core.templates import REMINDER, first_name, template
from handlers.core.translator import Translator
from handlers.matching import proposals
from handlers.meetings.buttons import AskToCancelMeeting, CancelMeeting, KeepMeeting, OnMeeting, RescheduleMeeting


@dataclass(frozen=True)
class _Pressed:
    """A scheduled meeting one of its two people pressed a button about."""

    meeting: Meeting
    presser: Participant
    other: Participant
    connectee: Participant
    connector: Participant


async def _scheduled(button: OnMeeting, pressed: PressedInProgram) -> _Pressed | None:
    """The meeting, if it is still ahead and scheduled and the presser is one of its two people; None
    for a stale or forged button, or someone else's."""
    office = pressed.office
    meeting = await office.matchmaking.meeting(button.meeting_id, lock=True)
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= office.now:
        return None
    pair = await both(office, meeting)
    if pair is None:
        return None
    connectee, connector = pair
    presser = next((p for p in (connectee, connector) if pressed.by(p)), None)
    if presser is None:
        return None
    other = connector if presser is connectee else connectee
    return _Pressed(meeting, presser, other, connectee, connector)


async def _ask_to_cancel(button: AskToCancelMeeting, pressed: PressedInProgram) -> Outcome | None:
    found = await _scheduled(button, pressed)
    if found is None:
        return None
    t, meeting = pressed.t, found.meeting
    when = format_when(meeting.starts_at, t, zone_of(pressed.office, found.presser))
    question = t.gettext("Cancel your meeting with {name} on {when}?").format(name=name(found.other, t), when=when)
    buttons = (
        (Button(t.gettext("Yes, cancel it"), CancelMeeting(meeting.id).pack()),),
        (Button(t.pgettext("meeting", "No, keep it"), KeepMeeting(meeting.id).pack()),),
    )
    return Outcome([Reply(question, buttons=buttons)])


async def _keep(button: KeepMeeting, pressed: PressedInProgram) -> Outcome | None:
    if await _scheduled(button, pressed) is None:
        return None
    return Outcome([Reply(pressed.t.gettext("Good, the meeting stays as planned."), edit=True)])


async def _cancel_pressed(button: CancelMeeting, pressed: PressedInProgram) -> Outcome | None:
    found = await _scheduled(button, pressed)
    if found is None:
        return None
    return await _cancel(pressed.office, found.meeting, found.presser, found.other, found.connectee, pressed.t)


async def _reschedule_pressed(button: RescheduleMeeting, pressed: PressedInProgram) -> Outcome | None:
    found = await _scheduled(button, pressed)
    if found is None:
        return None
    office, t = pressed.office, pressed.t
    return await _reschedule(office, found.meeting, found.presser, found.other, found.connectee, found.connector, t)


async def _cancel(
    office: Office, meeting: Meeting, presser: Participant, other: Participant, connectee: Participant, t: Translator
) -> Outcome:
    meeting.status = MeetingStatus.CANCELLED
    await office.matchmaking.save_meeting(meeting, office.now)
    proposal = await office.matchmaking.proposal(meeting.match_id, lock=True)
    if proposal is not None:
        await proposals.end_proposal(office, proposal, ProposalStatus.CANCELLED, presser.role)
    other_t = translator(office, other)
    told = other_t.gettext("{name} has cancelled your meeting on {when}. We are sorry for the change.").format(
        name=name(presser, other_t),
        when=format_when(meeting.starts_at, other_t, zone_of(office, other)),
    )
    if presser is connectee:
        mine = t.gettext("Your meeting is cancelled, and {name} has been told. We will look for another volunteer.")
    else:
        mine = t.gettext("Your meeting is cancelled, and {name} has been told. Thank you for letting us know.")
    messages = [to(other, Reply(told))]
    if other is connectee:
        messages.append(
            to(connectee, Reply(other_t.pgettext("matching", "We will look for another volunteer for you.")))
        )
    messages += await proposals.find_connector(office, connectee)
    return Outcome([Reply(mine.format(name=name(other, t)), edit=True)], messages)


async def _reschedule(
    office: Office,
    meeting: Meeting,
    presser: Participant,
    other: Participant,
    connectee: Participant,
    connector: Participant,
    t: Translator,
) -> Outcome:
    """The meeting is off its time; the connector is offered new slots, as at the start."""
    proposal = await office.matchmaking.proposal(meeting.match_id, lock=True)
    if proposal is None:
        return Outcome()
    meeting.status = MeetingStatus.RESCHEDULED
    await office.matchmaking.save_meeting(meeting, office.now)
    offer = await proposals.reoffer(office, proposal, connectee, connector)
    other_t = translator(office, other)
    when = format_when(meeting.starts_at, other_t, zone_of(office, other))
    told = other_t.gettext("{name} asked to move your meeting on {when} to another time.").format(
        name=name(presser, other_t), when=when
    )
    messages = [to(other, Reply(told))]
    mine = [
        Reply(
            t.gettext("We are finding a new time for your meeting with {name}.").format(name=name(other, t)),
            edit=True,
        )
    ]
    if offer is None:
        # No other common time: the pair ends here and the connectee goes on to another connector.
        await proposals.end_proposal(office, proposal, ProposalStatus.CANCELLED, presser.role)
        messages += await proposals.find_connector(office, connectee)
    elif presser is connector:
        mine.append(offer)
    else:
        messages.append(to(connector, offer))
    return Outcome(mine, messages)


async def on_reminder(meeting_id: int, hours: int, office: Office) -> list[Outgoing]:
    meeting = await office.matchmaking.meeting(meeting_id)
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= office.now:
        return []
    pair = await both(office, meeting)
    if pair is None:
        return []
    connectee, connector = pair
    messages = []
    for reader, other in ((connectee, connector), (connector, connectee)):
        t = translator(office, reader)
        when = format_when(meeting.starts_at, t, zone_of(office, reader))
        text = t.ngettext(
            "Reminder: you meet {name} in {hours} hour, on {when}.",
            "Reminder: you meet {name} in {hours} hours, on {when}.",
            hours,
        ).format(name=name(other, t), hours=hours, when=when)
        messages.append(to(reader, Reply(text, template=template(REMINDER, name=first_name(other), when=when))))
    return messages


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (
    route(AskToCancelMeeting, _ask_to_cancel),
    route(KeepMeeting, _keep),
    route(CancelMeeting, _cancel_pressed),
    route(RescheduleMeeting, _reschedule_pressed),
)
