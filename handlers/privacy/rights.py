"""A person's rights over their data: see all of it (/mydata) and erase it (/delete).

Its buttons: EraseMyData and KeepMyData (handlers.privacy.buttons).
Erasure cancels what is under way with someone else first (they are told), so nobody waits for a
meeting with a person who is gone; then the store erases the personal data and keeps an
anonymous record for the program's counts. The same erasure serves /delete, a coordinator's
`frontdoor erase` and the daily retention job (handlers.privacy.retention: when it runs, and how much).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Final

from handlers.core.bidi import for_reader
from handlers.core.buttons import PressedInProgram, Route, route
from handlers.core.events import Button, Document, Outcome, Outgoing, Reply
from handlers.core.model import Erasure, Meeting, MeetingStatus, Participant, ProposalStatus, Role
from handlers.core.people import both, name, to, translator, zone_of
from handlers.core.ports import Context, Office
from handlers.core.render import format_day, format_when, summary
from handlers.intake import questioning
from handlers.intake.steps import reset
from handlers.matching import proposals
from handlers.privacy.buttons import EraseMyData, KeepMyData

NOT_REGISTERED: Final = 0  # the erasure button of a coordinator by invitation, who never registered
PRUNING: Final = "privacy.prune"


# ---------------------------------------------------------------- /mydata


async def my_data(ctx: Context, office: Office) -> list[Reply]:
    """A readable summary, then every record as a JSON document."""
    t = ctx.translations(ctx.conversation.language or ctx.program.default_language)
    conversation = ctx.conversation
    person = await ctx.participants.get(conversation.participant_id) if conversation.participant_id else None
    records = await office.personal_data.everything(
        conversation.channel, conversation.user_id, person.id if person else None
    )
    document = Document(
        "my-data.json",
        json.dumps(records, default=_json_value, ensure_ascii=False, indent=2).encode(),
        t.gettext("{program}: everything stored about you").format(program=ctx.program.name_for(t)),
    )
    if person is None and records.get("messages_with_the_team"):
        text = t.gettext(
            "You have no registration with us. We keep this chat's language, where you are in the "
            "conversation and your messages with the program's team; the file below shows it."
        )
        return [Reply(text), Reply("", document=document)]
    if person is None:
        text = t.gettext(
            "You have no registration with us. We keep only this chat's language and where you are in "
            "the conversation; the file below shows it."
        )
        return [Reply(text), Reply("", document=document)]
    zone = person.time_zone or ctx.program.time_zone  # the reader's own, as their meeting times are
    when = format_day(person.created_at, t.language, zone)
    if person.role is Role.CONNECTOR:
        registered = t.pgettext("status", "You registered as a volunteer on {date}.").format(date=when)
    else:
        registered = t.pgettext("status", "You registered as a newcomer on {date}.").format(date=when)
    agreed = t.gettext("You agreed to our privacy terms (version {version}) on {date}.").format(
        version=person.consent_version, date=format_day(person.consented_at, t.language, zone)
    )
    form = ctx.program.forms[person.role.value]
    answers = summary(t, person.answers, questioning.visible_questions(form, person.answers))
    counts = (
        (t.gettext("Meeting proposals"), len(records.get("proposals", []))),
        (t.gettext("Meetings"), len(records.get("meetings", []))),
        (t.gettext("Follow-ups after meetings"), len(records.get("follow_ups", []))),
        (t.gettext("Contacts you told us about"), len(records.get("referrals", []))),
        (t.gettext("Messages with the program's team"), len(records.get("messages_with_the_team", []))),
    )
    figures = [t.gettext("{measure}: {total}").format(measure=label, total=total) for label, total in counts]
    closing = t.gettext("The file below holds all of it. Send /delete if you would like us to erase your data.")
    blocks = ["\n".join([t.gettext("Here is everything we store about you."), registered, agreed]), answers]
    text = "\n\n".join([*filter(None, blocks), "\n".join([*figures, closing])])
    return [Reply(text), Reply("", document=document)]


def _json_value(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# ---------------------------------------------------------------- /delete


async def ask_to_delete(ctx: Context, office: Office) -> list[Reply]:
    """Ask before erasing a registration or a coordinator's access; without either, erase at once what
    the chat kept (nothing of value is lost: its language and step) and say so."""
    t = ctx.translations(ctx.conversation.language or ctx.program.default_language)
    conversation = ctx.conversation
    if conversation.participant_id is None or await ctx.participants.get(conversation.participant_id) is None:
        if conversation.user_id in await office.roster.members(conversation.channel):
            return [_ask_to_leave(ctx)]
        await office.personal_data.forget_chat(conversation.channel, conversation.user_id, conversation.chat_id)
        reset(conversation)
        gone = t.gettext(
            "You have no registration with us. What we kept for this chat (its language, where you were "
            "in the conversation, a coordinator's access) is now erased."
        )
        return [Reply(gone, farewell=True)]
    text = t.gettext(
        "This erases your registration, your answers and your contact details for good. "
        "A meeting or proposal under way is cancelled, and the other person is told. "
        "We keep only anonymous counts for the program's statistics.\n\nErase your data?"
    )
    registered = ctx.conversation.participant_id
    assert registered is not None  # the unregistered were answered above
    buttons = (
        (Button(t.gettext("Yes, erase my data"), EraseMyData(registered).pack()),),
        (Button(t.pgettext("my data", "No, keep it"), KeepMyData().pack()),),
    )
    return [Reply(text, buttons=buttons)]


def _ask_to_leave(ctx: Context) -> Reply:
    """/delete from a coordinator by invitation who never registered: what there is to erase is their access."""
    t = ctx.translations(ctx.conversation.language or ctx.program.default_language)
    text = t.gettext(
        "This ends your coordinator access: /find, /export and the other coordinators' commands "
        "will no longer work for you. Whoever runs the program can "
        "invite you again.\n\nErase your data?"
    )
    buttons = (
        (Button(t.gettext("Yes, erase my data"), EraseMyData(NOT_REGISTERED).pack()),),
        (Button(t.pgettext("my data", "No, keep it"), KeepMyData().pack()),),
    )
    return Reply(text, buttons=buttons)


async def _keep(button: KeepMyData, pressed: PressedInProgram) -> Outcome | None:
    return Outcome([Reply(pressed.t.gettext("Good, nothing is erased."), edit=True)])


async def _erase_pressed(button: EraseMyData, pressed: PressedInProgram) -> Outcome | None:
    """Yes, erase: the person's own registration, or (0) a coordinator by invitation's access; None for a
    button that is not this person's or no longer open."""
    ctx, office, t = pressed.ctx, pressed.office, pressed.t
    conversation = ctx.conversation
    if button.participant_id == NOT_REGISTERED and conversation.participant_id is None:
        return await _leave(ctx, office)
    if button.participant_id != conversation.participant_id:
        return None
    person = await ctx.participants.get(button.participant_id)
    if person is None:
        return None
    messages = await erase(office, person, Erasure.REQUEST)
    reset(conversation)  # the store dropped this chat's state too: the next message starts afresh
    done = t.gettext(
        "Done: your personal data is erased. Thank you for taking part in the program. "
        "If you would like to register again one day, send /start."
    )
    return Outcome([Reply(done, edit=True, farewell=True)], messages)


async def _leave(ctx: Context, office: Office) -> Outcome | None:
    """A coordinator by invitation erases themselves: their access ends, and what their chat kept goes."""
    conversation = ctx.conversation
    if not await office.roster.remove(conversation.channel, conversation.user_id):
        return None
    await office.personal_data.forget_chat(conversation.channel, conversation.user_id, conversation.chat_id)
    reset(conversation)
    t = ctx.translations(conversation.language or ctx.program.default_language)
    done = t.gettext("Done: your coordinator access has ended. Thank you for your work with the program.")
    return Outcome([Reply(done, edit=True, farewell=True)])


# ---------------------------------------------------------------- erasure


async def erase(office: Office, person: Participant, reason: Erasure) -> list[Outgoing]:
    """Cancel the person's proposals and meetings to come (telling the other side), then erase them."""
    under_way: list[tuple[Meeting | None, Participant]] = []  # what was cancelled, and with whom
    for proposal in await office.matchmaking.current_proposals(person.id, person.role):
        meeting = (
            await office.matchmaking.scheduled_meeting(proposal.id)
            if proposal.status is ProposalStatus.CONFIRMED
            else None
        )
        if proposal.status is ProposalStatus.CONFIRMED and (meeting is None or meeting.starts_at <= office.now):
            continue  # they met (or are meeting now): that is the program's history, not under way
        pair = await both(office, proposal)
        if pair is None:
            continue
        if meeting is not None:
            meeting.status = MeetingStatus.CANCELLED
            await office.matchmaking.save_meeting(meeting, office.now)
        await proposals.end_proposal(office, proposal, ProposalStatus.CANCELLED, person.role)
        under_way.append((meeting, pair[1] if person.role is Role.CONNECTEE else pair[0]))
    await office.personal_data.erase(person.id, reason, office.now)
    messages = []
    for meeting, other in under_way:
        t = translator(office, other)
        if meeting is not None:
            told = t.gettext("{name} has left the program, so your meeting on {when} is cancelled. We are sorry.")
            when = format_when(meeting.starts_at, t, zone_of(office, other))
            messages.append(to(other, Reply(told.format(name=name(person, t), when=when))))
        else:
            told = t.gettext("{name} has left the program, so the proposed meeting is off. Thank you for your time.")
            messages.append(to(other, Reply(told.format(name=name(person, t)))))
        if other.role is Role.CONNECTEE:
            messages.append(to(other, Reply(t.pgettext("matching", "We will look for another volunteer for you."))))
            messages += await proposals.find_connector(office, other)
    return messages


async def erase_on_behalf(office: Office, participant_id: int) -> list[Outgoing] | None:
    """`frontdoor erase --participant ID`: a request made by other means. None when there is no such person."""
    person = await office.participants.get(participant_id)
    if person is None:
        return None
    messages = await erase(office, person, Erasure.COORDINATOR)
    t = translator(office, person)
    done = t.gettext(
        "{program}\nAs you asked, your personal data is erased. We keep only anonymous counts for "
        "the program's statistics. Thank you for taking part."
    ).format(program=for_reader(office.program.name_for(t), t.language))
    return [*messages, to(person, Reply(done, farewell=True))]


# ---------------------------------------------------------------- pruning


async def schedule_pruning(office: Office) -> None:
    """Make sure today's pruning job exists (the job runner calls this at every run; the key dedupes)."""
    day = office.now.date().isoformat()
    await office.jobs.schedule(PRUNING, f"prune:{day}", office.now, {"day": day})


async def on_pruning(office: Office) -> list[Outgoing]:
    """Drop what served only delivery and bookkeeping (update ids, messages sent, finished jobs,
    failed updates, idle chats without a registration) once old: the store knows the ages."""
    await office.personal_data.prune(office.now)
    return []


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (
    route(EraseMyData, _erase_pressed),
    route(KeepMyData, _keep),
)
