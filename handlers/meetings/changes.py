"""After a meeting is confirmed: cancel it (after asking), reschedule it, and the reminders before it."""

from __future__ import annotations

from handlers.core.events import Button, Outcome, Outgoing, Reply
from handlers.core.ids import database_id
from handlers.core.model import Meeting, MeetingStatus, Participant, ProposalStatus
from handlers.core.people import both, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.matching import proposals


async def on_button(kind: str, rest: str, user_id: int, t: Translator, office: Office) -> Outcome | None:
    """mx ask to cancel, my cancel, mn keep it, mr reschedule; None when stale or not the presser's."""
    meeting_id = database_id(rest)
    if meeting_id is None:
        return None
    meeting = await office.matchmaking.meeting(meeting_id, lock=True)
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= office.now:
        return None
    pair = await both(office, meeting)
    if pair is None:
        return None
    connectee, connector = pair
    presser = next((p for p in (connectee, connector) if p.user_id == user_id), None)
    if presser is None:
        return None
    other = connector if presser is connectee else connectee
    when = format_when(meeting.starts_at, t, zone_of(office, presser))
    if kind == "mx":
        question = t.gettext("Cancel your meeting with {name} on {when}?").format(name=name(other, t), when=when)
        buttons = (
            (Button(t.gettext("Yes, cancel it"), f"my:{meeting.id}"),),
            (Button(t.gettext("No, keep it"), f"mn:{meeting.id}"),),
        )
        return Outcome([Reply(question, buttons=buttons)])
    if kind == "mn":
        return Outcome([Reply(t.gettext("Good, the meeting stays as planned."), edit=True)])
    if kind == "my":
        return await _cancel(office, meeting, presser, other, connectee, t)
    if kind == "mr":
        return await _reschedule(office, meeting, presser, other, connectee, connector, t)
    return None


async def _cancel(
    office: Office, meeting: Meeting, presser: Participant, other: Participant, connectee: Participant, t: Translator
) -> Outcome:
    meeting.status = MeetingStatus.CANCELLED
    await office.matchmaking.save_meeting(meeting, office.now)
    proposal = await office.matchmaking.proposal(meeting.match_id, lock=True)
    if proposal is not None:
        await proposals.end_match(office, proposal, ProposalStatus.CANCELLED, presser.role)
    other_t = translator(office, other)
    told = other_t.gettext("{name} has cancelled your meeting on {when}. We are sorry for the change.").format(
        name=name(presser, other_t),
        when=format_when(meeting.starts_at, other_t, zone_of(office, other)),
    )
    if presser is connectee:
        mine = t.gettext("Your meeting is cancelled, and {name} has been told. We will look for another connector.")
    else:
        mine = t.gettext("Your meeting is cancelled, and {name} has been told. Thank you for letting us know.")
    messages = [to(other, Reply(told))]
    if other is connectee:
        messages.append(to(connectee, Reply(other_t.gettext("We will look for another connector for you."))))
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
        await proposals.end_match(office, proposal, ProposalStatus.CANCELLED, presser.role)
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
        text = t.ngettext(
            "Reminder: you meet {name} in {hours} hour, on {when}.",
            "Reminder: you meet {name} in {hours} hours, on {when}.",
            hours,
        ).format(name=name(other, t), hours=hours, when=format_when(meeting.starts_at, t, zone_of(office, reader)))
        messages.append(to(reader, Reply(text)))
    return messages
