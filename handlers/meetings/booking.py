"""A confirmed meeting: booking the slot, the details and calendar file both receive, reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from babel.lists import format_list

from handlers.core.events import Button, ContactCard, Document, Outcome, Reply
from handlers.core.model import Meeting, Participant, Proposal, ProposalStatus, Role
from handlers.core.people import answer, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.quoting import unmarked
from handlers.core.render import format_when
from handlers.core.translator import N_, Translator, babel_locale
from handlers.matching.pool import way_to_meet
from handlers.meetings.buttons import AskToCancelMeeting, RescheduleMeeting
from handlers.meetings.calendar import meeting_ics

REMIND: Final = "meeting.reminder"
FOLLOW_UP: Final = "follow_up.ask"  # handlers.meetings.follow_ups asks both how it went
MODE_NAMES: Final = {
    "in_person": N_("in person"),
    "video": N_("by video call"),
    "phone": N_("by phone"),
}


def meeting_mode(office: Office, connectee: Participant, connector: Participant) -> str:
    """The way this pair meets: the newcomer's choice if both can, else the volunteer's, else in person
    if it is possible, else video (handlers.matching.ways); the offer said it before anyone accepted."""
    mode = way_to_meet(office, connectee, connector)
    return mode if mode in MODE_NAMES else "video"  # no way in common any more (answers changed since)


async def confirm(
    office: Office,
    proposal: Proposal,
    connectee: Participant,
    connector: Participant,
    slot: datetime,
    t: Translator,
    presser: Participant,
) -> Outcome:
    """Both agreed on `slot`: book it (the database refuses a double booking), tell both, set reminders."""
    length = timedelta(minutes=office.program.matching.meeting_minutes)
    meeting = await office.matchmaking.book(
        proposal, slot, slot + length, meeting_mode(office, connectee, connector), office.now
    )
    if meeting is None:
        return Outcome([Reply(t.gettext("Sorry, that time has just been taken. Please choose another one."))])
    proposal.status, proposal.slot = ProposalStatus.CONFIRMED, slot
    proposal.version += 1
    await office.matchmaking.save_proposal(proposal, office.now)
    await office.matchmaking.release(proposal.id)
    for hours in office.program.matching.reminder_hours:
        due = slot - timedelta(hours=hours)
        if due > office.now:
            payload = {"meeting": meeting.id, "hours": hours}
            await office.jobs.schedule(REMIND, f"meeting:{meeting.id}:remind:{hours}", due, payload)
    asked = meeting.ends_at + timedelta(hours=office.program.follow_up.after_meeting_hours)
    await office.jobs.schedule(FOLLOW_UP, f"meeting:{meeting.id}:follow_up", asked, {"meeting": meeting.id})
    other = connector if presser is connectee else connectee
    mine = [
        Reply(t.gettext("Confirmed: {when}.").format(when=format_when(slot, t, zone_of(office, presser))), edit=True),
        *details(office, meeting, presser, other),
    ]
    return Outcome(mine, [to(other, reply) for reply in details(office, meeting, other, presser)])


def details(office: Office, meeting: Meeting, reader: Participant, other: Participant) -> list[Reply]:
    """What the reader needs to meet `other`: when, how, where, who, how to reach them; then the .ics."""
    t = translator(office, reader)
    when = format_when(meeting.starts_at, t, zone_of(office, reader))
    how = t.gettext(MODE_NAMES.get(meeting.mode, MODE_NAMES["video"]))
    connector = other if reader.role is Role.CONNECTEE else reader
    area = answer(office, t, connector, "meeting_area") if meeting.mode == "in_person" else ""
    lines = [
        t.gettext("Your meeting is confirmed!"),
        t.gettext("When: {when}").format(when=when),
        t.pgettext("meeting", "How: {how}").format(how=how),
    ]
    if area:
        lines.append(t.pgettext("meeting", "Where: {area} (agree on the exact place together)").format(area=area))
    about = answer(office, t, other, "job_title") or answer(office, t, other, "occupation")
    lines.append(t.gettext("With: {name}, {about}").format(name=name(other, t), about=about))
    contacts = [value for value in (answer(office, t, other, "phone"), answer(office, t, other, "email")) if value]
    if contacts:
        lines.append(
            t.gettext("Contact: {contacts}").format(contacts=format_list(contacts, locale=babel_locale(t.language)))
        )
    else:
        lines.append(
            t.gettext("{name} shared no phone number or e-mail; a coordinator can help you reach them.").format(
                name=name(other, t)
            )
        )
    lines.append(t.gettext("We will remind you the day before and two hours before."))
    buttons = office.capabilities.rows(
        [
            Button(t.gettext("Reschedule"), RescheduleMeeting(meeting.id).pack()),
            Button(t.gettext("Cancel the meeting"), AskToCancelMeeting(meeting.id).pack()),
        ]
    )
    summary = t.gettext("{program}: meeting with {name}").format(
        program=office.program.name_for(t), name=other.first_name
    )
    calendar = meeting_ics(
        uid=f"meeting-{meeting.id}@frontdoor",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=summary,
        description=t.pgettext("meeting", "How: {how}").format(how=how),
        location=unmarked(str(connector.answers.get("meeting_area") or "")) if area else "",  # as typed: no marks
        now=office.now,
    )
    document = Document("meeting.ics", calendar, caption=t.gettext("Add the meeting to your calendar"))
    text = lines[0] + "\n\n" + "\n".join(lines[1:])
    return [Reply(text, buttons=tuple(buttons), contact_card=card_of(other)), Reply("", document=document)]


def card_of(person: Participant) -> ContactCard | None:
    """The contact the details share, as a card to save (where the channel sends cards): the name
    and the phone and e-mail they gave, as they gave them; none without a way to reach them."""
    given = {key: person.answers.get(key) for key in ("phone", "email", "job_title", "occupation")}
    phones, emails = [value for value in (given["phone"],) if value], [value for value in (given["email"],) if value]
    if not phones and not emails:
        return None
    title = given["job_title"] or given["occupation"] or ""
    return ContactCard(
        name=unmarked(person.first_name or "?"),
        phones=tuple(str(phone) for phone in phones),
        emails=tuple(str(email) for email in emails),
        title=unmarked(str(title)) if isinstance(title, str) else "",
    )
