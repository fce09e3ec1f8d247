"""What a follow-up answer does beyond being stored: the meeting's outcome, a new time, a pause, a referral.

Each effect is named by its step in the table of handlers/meetings/follow_up_steps.py and run by
handlers/meetings/follow_ups.py after the answer is stored and before the next question is asked: it
returns what the person reads in between and the messages others get.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from handlers.coordinators import review
from handlers.core.events import ContactCard, Outcome, Outgoing, Reply
from handlers.core.model import FollowUp, Meeting, MeetingOutcome, MeetingStatus, Participant, ProposalStatus, Role
from handlers.core.people import name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.render import format_day
from handlers.core.translator import Translator
from handlers.matching import again, proposals

WORK: Final = "follow_up.work"
PAUSE_DAYS: Final = {"not_now": 14, "pause": 30}


@dataclass(frozen=True)
class Answering:
    """An answer being taken: from whom, about which meeting and with whom, in the person's language."""

    office: Office
    follow_up: FollowUp
    person: Participant
    other: Participant
    meeting: Meeting
    t: Translator


Effect = Callable[[Answering, str | None], Awaitable[Outcome]]
"""An effect gets the answer once it is stored: a button's value or the typed text; None when skipped.
It returns what the person who answered reads, and the messages for others."""


async def meeting_happened(answering: Answering, value: str | None) -> Outcome:
    """Did it happen? The first answer sets the meeting's outcome; a new time is booked here.

    The first answer stands: once one side said they met (or that the other did not come), the
    other's "we rescheduled" books no second meeting; once one side said they rescheduled, the
    other's later "we met" (at the new time, as they see it) does not make this one held too.
    Either way the meeting would be counted twice in the digest, the export and the report.
    """
    office, meeting = answering.office, answering.meeting
    if value == "rescheduled":
        if meeting.outcome is not None:
            return Outcome()
        # They moved the meeting themselves: book the new time here, so that both are reminded.
        return Outcome(messages=await _new_time(office, answering.person, answering.other, meeting))
    if meeting.outcome is not None or meeting.status is not MeetingStatus.SCHEDULED:
        return Outcome()
    if value == "yes":
        meeting.outcome = MeetingOutcome.HELD
        await office.matchmaking.save_meeting(meeting, office.now)
        for days in office.program.follow_up.work_days:
            due = meeting.starts_at + timedelta(days=days)
            payload = {"meeting": meeting.id, "days": days}
            await office.jobs.schedule(WORK, f"meeting:{meeting.id}:work:{days}", due, payload)
    else:
        meeting.outcome, meeting.absent_id = MeetingOutcome.NO_SHOW, answering.other.id
        await office.matchmaking.save_meeting(meeting, office.now)
    return Outcome()


async def _new_time(office: Office, person: Participant, other: Participant, meeting: Meeting) -> list[Outgoing]:
    """Offer the connector new slots for the same pair (the other side is told); none left: the pair ends."""
    proposal = await office.matchmaking.proposal(meeting.match_id, lock=True)
    if (
        proposal is None
        or proposal.status is not ProposalStatus.CONFIRMED
        or meeting.status is not MeetingStatus.SCHEDULED
    ):
        return []  # the other side has already seen to it
    meeting.status = MeetingStatus.RESCHEDULED
    await office.matchmaking.save_meeting(meeting, office.now)
    connectee, connector = (person, other) if person.role is Role.CONNECTEE else (other, person)
    offer = await proposals.reoffer(office, proposal, connectee, connector)
    t = translator(office, connectee)
    if offer is None:
        await proposals.end_proposal(office, proposal, ProposalStatus.CANCELLED, None)
        sorry = t.gettext(
            "There are no other times in the next days that suit you both. We will look for another volunteer for you."
        )
        return [to(connectee, Reply(sorry)), *await proposals.find_connector(office, connectee)]
    asked = t.gettext("We have asked {name} to pick a new time; we will tell you here.").format(name=name(connector, t))
    return [to(connector, offer), to(connectee, Reply(asked))]


async def after_no_show(answering: Answering, value: str | None) -> Outcome:
    """The present side chose: another time with the same person, someone else, or nothing more."""
    office, person, other, t = answering.office, answering.person, answering.other, answering.t
    if value == "again":
        messages = await _new_time(office, person, other, answering.meeting)
        if not messages:
            return Outcome([Reply(t.gettext("Thank you. This meeting has already been seen to."))])
        return Outcome(messages=messages)
    if answering.meeting.status is MeetingStatus.RESCHEDULED:
        # The pair moved on to a new time (offered or booked) since this meeting: an older answer about
        # it must not end the proposal under the new one, nor offer anyone else.
        return Outcome([Reply(t.gettext("Thank you. This meeting has already been seen to."))])
    proposal = await office.matchmaking.proposal(answering.meeting.match_id, lock=True)
    ended = proposal is not None and proposal.status is ProposalStatus.CONFIRMED
    if proposal is not None and ended:
        await proposals.end_proposal(office, proposal, ProposalStatus.CANCELLED, other.role)
    if value == "other" and person.role is Role.CONNECTEE:
        done = t.gettext("Thank you. We will look for another volunteer for you.")
        return Outcome([Reply(done)], await proposals.find_connector(office, person))
    # The newcomer did not come: not offered to anyone else until they or a coordinator ask (a kind note).
    held = [await again.missed(office, other, person)] if ended and person.role is Role.CONNECTOR else []
    return Outcome([Reply(t.gettext("Thank you for letting us know."))], held)


async def available_again(answering: Answering, value: str | None) -> Outcome:
    """The connector's answer to "meet another newcomer?": pause them, or look for a newcomer now."""
    office, connector, t = answering.office, answering.person, answering.t
    days = PAUSE_DAYS.get(value or "")
    paused_until = office.now + timedelta(days=days) if days else None
    connector.paused_until = paused_until
    await office.participants.update(connector, office.now)
    if paused_until is None:
        await office.jobs.schedule(review.SWEEP, f"sweep:again:{answering.follow_up.id}", office.now, {})
        return Outcome()
    until = format_day(paused_until, t.language, zone_of(office, connector))
    return Outcome([Reply(t.gettext("You will get no new introductions until {date}.").format(date=until))])


def referral_detail(field: str) -> Effect:
    """A referral's `field` (name or role), kept in a draft until its organization completes it."""

    async def remember(answering: Answering, value: str | None) -> Outcome:
        answers = answering.follow_up.answers
        answers["draft"] = {**(answers.get("draft") or {}), field: value}
        return Outcome()

    return remember


async def referral_added(answering: Answering, value: str | None) -> Outcome:
    """The organization completes the referral: store it and give the connectee the contact's personal link."""
    office, follow_up, t = answering.office, answering.follow_up, answering.t
    draft = dict(follow_up.answers.pop("draft", None) or {})
    referral = await office.follow_ups.add_referral(
        follow_up, answering.meeting, draft.get("name"), draft.get("role"), value, office.now
    )
    follow_up.answers["referral_count"] = int(follow_up.answers.get("referral_count", 0)) + 1
    details = contact_details(t, (referral.name, referral.role, referral.organization))
    link = office.capabilities.link(f"r{referral.invite_code}")
    added = t.gettext("Added: {details}.").format(details=details) if details else t.gettext("Contact added.")
    invite = t.gettext(
        "Would they like to volunteer too? Send them this personal link; it tells us that you invited them:\n{link}"
    ).format(link=link)
    # Where the channel sends cards, the contact comes as one to save (the phone number to add once
    # they have it): the name they typed, the role and organization as the card's title and company.
    card = (
        ContactCard(name=referral.name, organization=referral.organization or "", title=referral.role or "")
        if referral.name
        else None
    )
    return Outcome([Reply(added + "\n\n" + invite, contact_card=card)])


def contact_details(t: Translator, parts: tuple[str | None, ...]) -> str:
    """The contact's name, role and organization as typed, those given, with the reader's own comma
    ("Jane Doe, HR manager", "جين دو، مديرة الموارد البشرية", "张三，人事经理")."""
    details = ""
    for part in filter(None, parts):
        details = (
            t.pgettext("a contact's details", "{earlier}, {then}").format(earlier=details, then=part)
            if details
            else part
        )
    return details
