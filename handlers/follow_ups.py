"""After the meeting: did it happen, how useful, the referrals, what next; and later, work.

Both sides are asked `after_meeting_hours` after the meeting ends; the connectee is asked about
work `work_days` after a meeting that happened. Each follow-up is a record with its open question
(`step`), so an answer can come hours later, between other messages. Buttons carry the follow-up's
id and the step they answer: an answered or foreign button is stale. A no-show is recorded for
the absent side, and the present one is offered another time or someone else.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from handlers import coordination, proposals
from handlers.answers import clean_text
from handlers.events import Button, Outgoing, Reply
from handlers.i18n import N_, Translator
from handlers.ids import database_id, fields
from handlers.model import (
    MEETING_FOLLOW_UP,
    FollowUp,
    FollowUpStatus,
    MatchStatus,
    Meeting,
    MeetingOutcome,
    MeetingStatus,
    Participant,
    Role,
    work_follow_up,
)
from handlers.people import both, name, to, translator
from handlers.ports import Office
from handlers.render import format_day

WORK: Final = "follow_up.work"
NUDGE: Final = "follow_up.nudge"
TEXT_STEPS: Final = frozenset({"ref_name", "ref_role", "ref_org", "next_step"})
REFERRAL_LIMIT: Final = 200  # characters of a referral's name, role or organization
NEXT_STEP_LIMIT: Final = 1000
PAUSE_DAYS: Final = {"not_now": 14, "pause": 30}
HAPPENED: Final = {
    "yes": N_("Yes, we met"),
    "no_show": N_("The other person did not come"),
    "rescheduled": N_("We rescheduled"),
}
WORK_ANSWERS: Final = {
    "employed_in_field": N_("I work in my field"),
    "employed_outside_field": N_("I work outside my field"),
    "looking": N_("Still looking"),
    "studying": N_("Studying"),
    "other": N_("Other"),
}
HELPED: Final = {"yes": N_("Yes"), "a_little": N_("A little"), "no": N_("No")}
AGAIN: Final = {
    "yes": N_("Yes, gladly"),
    "not_now": N_("Not now"),
    "pause": N_("Pause me for a month"),
}
REFERRED_CHOICES: Final = ("0", "1", "2", "3", "4", "5")
NO_SHOW_CHOICES: Final = {
    "again": N_("Try another time"),
    "other": N_("Meet someone else"),
    "none": N_("No, thank you"),
}
CHOICES: Final = {
    "happened": HAPPENED,
    "work": WORK_ANSWERS,
    "helped": HELPED,
    "again": AGAIN,
    "no_show": NO_SHOW_CHOICES,
}
REFERRAL_FIELDS: Final = {"ref_name": "name", "ref_role": "role", "ref_org": "organization"}
STEPS: Final = frozenset({"useful", "referrals", "referred", *CHOICES, *TEXT_STEPS})


# ---------------------------------------------------------------- jobs


async def on_ask(meeting_id: int, office: Office) -> list[Outgoing]:
    """The meeting's time is over: ask both how it went (unless it was cancelled or moved)."""
    meeting = await office.matchmaking.meeting(meeting_id)
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
        return []
    pair = await both(office, meeting)
    if pair is None:
        return []
    connectee, connector = pair
    messages = []
    for person, other in ((connectee, connector), (connector, connectee)):
        follow_up = await office.follow_ups.start(meeting, person, MEETING_FOLLOW_UP, "happened", office.now)
        if follow_up is not None:
            await _set_nudge(office, follow_up)
            messages.append(to(person, _question(office, follow_up, person, other)))
    return messages


async def on_work(meeting_id: int, days: int, office: Office) -> list[Outgoing]:
    """Some weeks after a meeting that happened: ask the connectee about work."""
    meeting = await office.matchmaking.meeting(meeting_id)
    if meeting is None or meeting.outcome is not MeetingOutcome.HELD:
        return []
    pair = await both(office, meeting)
    if pair is None:
        return []
    connectee, connector = pair
    follow_up = await office.follow_ups.start(meeting, connectee, work_follow_up(days), "work", office.now)
    if follow_up is None:
        return []
    await _set_nudge(office, follow_up)
    return [to(connectee, _question(office, follow_up, connectee, connector))]


async def on_nudge(follow_up_id: int, office: Office) -> list[Outgoing]:
    """One gentle reminder for a follow-up still not answered; after it, the digest shows it."""
    follow_up = await office.follow_ups.get(follow_up_id, lock=True)
    if follow_up is None or follow_up.status is not FollowUpStatus.ASKED or follow_up.nudged_at is not None:
        return []
    pair = await _pair(office, follow_up)
    if pair is None:
        return []
    person, other, _ = pair
    follow_up.nudged_at = office.now
    await office.follow_ups.save(follow_up, office.now)
    t = translator(office, person)
    reminder = t.gettext("A gentle reminder: we would love to hear from you about your meeting with {name}.")
    return [
        to(person, Reply(reminder.format(name=name(other, t)))),
        to(person, _question(office, follow_up, person, other)),
    ]


async def open_question(office: Office, person: Participant) -> list[Reply]:
    """The person's newest unanswered follow-up question, asked again (after they agreed to new terms)."""
    follow_up = await office.follow_ups.awaiting_text(person.id, STEPS)
    pair = await _pair(office, follow_up) if follow_up is not None else None
    if follow_up is None or pair is None:
        return []
    asked, other, _ = pair
    return [_question(office, follow_up, asked, other)]


async def _set_nudge(office: Office, follow_up: FollowUp) -> None:
    due = office.now + timedelta(hours=office.program.follow_up.nudge_after_hours)
    await office.jobs.schedule(NUDGE, f"follow_up:{follow_up.id}:nudge", due, {"follow_up": follow_up.id})


async def _pair(office: Office, follow_up: FollowUp) -> tuple[Participant, Participant, Meeting] | None:
    """The person asked, the other side of the meeting, and the meeting."""
    meeting = await office.matchmaking.meeting(follow_up.meeting_id, lock=True)
    pair = await both(office, meeting) if meeting is not None else None
    if meeting is None or pair is None:
        return None
    connectee, connector = pair
    return (connectee, connector, meeting) if follow_up.role is Role.CONNECTEE else (connector, connectee, meeting)


# ---------------------------------------------------------------- the questions


def _buttons(follow_up: FollowUp, t: Translator, choices: dict[str, str]) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        (Button(t.gettext(label), f"fu:{follow_up.id}:{follow_up.step}:{value}"),) for value, label in choices.items()
    )


def _skip(follow_up: FollowUp, t: Translator) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t.gettext("Skip"), f"fu:{follow_up.id}:{follow_up.step}:skip"),),)


def _question(office: Office, follow_up: FollowUp, person: Participant, other: Participant) -> Reply:
    """The follow-up's open question, with its buttons."""
    t = translator(office, person)
    step, them = follow_up.step, name(other, t)
    if step == "happened":
        text = t.gettext("Hello {name}! How did your meeting with {other} go? Did it take place?").format(
            name=name(person, t), other=them
        )
        return Reply(text, buttons=_buttons(follow_up, t, HAPPENED))
    if step == "useful":
        text = t.gettext("How useful was the conversation, from 1 (not at all) to 5 (very)?")
        row = tuple(Button(str(n), f"fu:{follow_up.id}:useful:{n}") for n in range(1, 6))
        return Reply(text, buttons=(row,))
    if step == "referrals":
        return _referrals_question(follow_up, t, them, int(follow_up.answers.get("referral_count", 0)))
    if step == "ref_name":
        return Reply(t.gettext("What is the contact's name?"), buttons=_skip(follow_up, t))
    if step == "ref_role":
        return Reply(t.gettext("What is their role or job title?"), buttons=_skip(follow_up, t))
    if step == "ref_org":
        return Reply(t.gettext("Which organization do they work for?"), buttons=_skip(follow_up, t))
    if step == "next_step":
        text = t.gettext("Last question: what is your next step? (For example: contact the people {name} suggested.)")
        return Reply(text.format(name=them), buttons=_skip(follow_up, t))
    if step == "referred":
        text = t.gettext("How many people did you refer {name} to?").format(name=them)
        row = tuple(Button(value, f"fu:{follow_up.id}:referred:{value}") for value in REFERRED_CHOICES)
        return Reply(text, buttons=(row,))
    if step == "again":
        text = t.gettext("Thank you! Would you like to meet another newcomer?")
        return Reply(text, buttons=_buttons(follow_up, t, AGAIN))
    if step == "work":
        days = int(follow_up.kind.removeprefix("work_"))
        text = t.ngettext(
            "Hello {name}! It has been {days} day since you met {other}. How is your work search going?",
            "Hello {name}! It has been {days} days since you met {other}. How is your work search going?",
            days,
        ).format(name=name(person, t), days=days, other=them)
        return Reply(text, buttons=_buttons(follow_up, t, WORK_ANSWERS))
    if step == "helped":
        return Reply(t.gettext("Did the program help you?"), buttons=_buttons(follow_up, t, HELPED))
    if step == "no_show":
        return _no_show_question(follow_up, person, t, them)
    raise ValueError(f"unknown follow-up step {step!r}")


def _referrals_question(follow_up: FollowUp, t: Translator, them: str, added: int) -> Reply:
    if added == 0:
        text = t.gettext(
            "Did {name} refer you to other people? Please add each one: the program counts these connections."
        ).format(name=them)
        add = t.gettext("Add a contact")
        done = t.gettext("No one")
    else:
        text = t.ngettext(
            "You have added {count} contact. Did {name} refer you to anyone else?",
            "You have added {count} contacts. Did {name} refer you to anyone else?",
            added,
        ).format(count=added, name=them)
        add = t.gettext("Add another contact")
        done = t.gettext("That's all")
    return Reply(
        text,
        buttons=(
            (Button(add, f"fu:{follow_up.id}:referrals:add"),),
            (Button(done, f"fu:{follow_up.id}:referrals:done"),),
        ),
    )


def _no_show_question(follow_up: FollowUp, person: Participant, t: Translator, them: str) -> Reply:
    if person.role is Role.CONNECTEE:
        text = t.gettext("We are sorry {name} did not come. What would you like to do?").format(name=them)
        shown = ("again", "other")
    else:
        text = t.gettext("We are sorry {name} did not come. Would you like to offer them another time?").format(
            name=them
        )
        shown = ("again", "none")
    return Reply(text, buttons=_buttons(follow_up, t, {value: NO_SHOW_CHOICES[value] for value in shown}))


# ---------------------------------------------------------------- the answers


async def on_button(
    rest: str, user_id: int, t: Translator, office: Office
) -> tuple[list[Reply], list[Outgoing]] | None:
    """fu:<id>:<step>:<value>, pressed by `user_id`; None when stale, forged or not theirs."""
    parts = fields(rest, 3) or ["", "", ""]  # the wrong number of fields: no id, so expired
    follow_up_id = database_id(parts[0])
    if follow_up_id is None:
        return None
    follow_up = await office.follow_ups.get(follow_up_id, lock=True)
    if follow_up is None or follow_up.status is not FollowUpStatus.ASKED or follow_up.step != parts[1]:
        return None
    pair = await _pair(office, follow_up)
    if pair is None or pair[0].user_id != user_id:
        return None
    return await _answer(office, follow_up, *pair, parts[2], t, pressed=True)


async def on_text(
    follow_up: FollowUp, text: str, t: Translator, office: Office
) -> tuple[list[Reply], list[Outgoing]] | None:
    """A typed answer to the follow-up's open question (a referral's details, the next step)."""
    pair = await _pair(office, follow_up)
    if pair is None:
        return None
    value = clean_text(text)
    limit = NEXT_STEP_LIMIT if follow_up.step == "next_step" else REFERRAL_LIMIT
    if not value:
        return [Reply(t.gettext("Please type your answer, or tap Skip.")), _question(office, follow_up, *pair[:2])], []
    if len(value) > limit:
        too_long = t.gettext("That is a bit long: please keep it under {limit} characters (you sent {length}).")
        return [Reply(too_long.format(limit=limit, length=len(value))), _question(office, follow_up, *pair[:2])], []
    return await _answer(office, follow_up, *pair, value, t, pressed=False)


async def _answer(
    office: Office,
    follow_up: FollowUp,
    person: Participant,
    other: Participant,
    meeting: Meeting,
    value: str,
    t: Translator,
    *,
    pressed: bool,
) -> tuple[list[Reply], list[Outgoing]] | None:
    """Store the answer to the open question and ask the next one (or thank them)."""
    step = follow_up.step
    replies: list[Reply] = []
    messages: list[Outgoing] = []
    next_step: str | None
    if step in TEXT_STEPS:
        if pressed and value != "skip":
            return None
        next_step, replies = await _typed(office, follow_up, meeting, step, None if pressed else value, t)
    elif step == "happened" and value in HAPPENED:
        follow_up.answers["happened"] = value
        next_step, messages = await _happened(office, person, other, meeting, value)
    elif step == "useful" and value in {"1", "2", "3", "4", "5"}:
        follow_up.answers["useful"] = int(value)
        next_step = "referrals" if person.role is Role.CONNECTEE else "referred"
    elif step == "referrals" and value in ("add", "done"):
        next_step = "ref_name" if value == "add" else "next_step"
    elif step == "referred" and value in REFERRED_CHOICES:
        follow_up.answers["referred_count"] = int(value)
        next_step = "again"
    elif step == "again" and value in AGAIN:
        follow_up.answers["again"] = value
        await _available_again(office, follow_up, person, value)
        if person.paused_until is not None:
            until = format_day(person.paused_until, t.language, office.program.time_zone)
            replies.append(Reply(t.gettext("You will get no new introductions until {date}.").format(date=until)))
        next_step = None
    elif step == "work" and value in WORK_ANSWERS:
        follow_up.answers["work"] = value
        next_step = "helped"
    elif step == "helped" and value in HELPED:
        follow_up.answers["helped"] = value
        next_step = None
    elif step == "no_show" and value in ("again", "other", "none"):
        follow_up.answers["after_no_show"] = value
        return await _after_no_show(office, follow_up, person, other, meeting, value, t)
    else:
        return None
    shown = [_echo(step, value, t)] if pressed else []
    follow_up.step = next_step
    if next_step is None:
        await _finish(office, follow_up)
        replies.append(Reply(t.gettext("Thank you for your answers! They help the program help more newcomers.")))
    else:
        await office.follow_ups.save(follow_up, office.now)
        replies.append(_question(office, follow_up, person, other))
    return shown + replies, messages


def _echo(step: str | None, value: str, t: Translator) -> Reply:
    """The pressed question, edited to show the answer, so that its buttons leave the chat."""
    labels = CHOICES.get(step or "", {})
    if value in labels:
        shown = t.gettext(labels[value])
    elif value == "skip":
        shown = t.gettext("Skip")
    else:
        shown = value
    return Reply(t.gettext("Your answer: {answer}").format(answer=shown), edit=True)


async def _finish(office: Office, follow_up: FollowUp) -> None:
    follow_up.status, follow_up.step, follow_up.answered_at = FollowUpStatus.DONE, None, office.now
    follow_up.answers.pop("draft", None)
    await office.follow_ups.save(follow_up, office.now)


async def _typed(
    office: Office, follow_up: FollowUp, meeting: Meeting, step: str, typed: str | None, t: Translator
) -> tuple[str | None, list[Reply]]:
    """A referral's name, role and organization one by one (each may be skipped), or the next step."""
    if step == "next_step":
        if typed is not None:
            follow_up.answers["next_step"] = typed
        return None, []
    draft = dict(follow_up.answers.get("draft") or {})
    draft[REFERRAL_FIELDS[step]] = typed
    if step != "ref_org":
        follow_up.answers["draft"] = draft
        return ("ref_role" if step == "ref_name" else "ref_org"), []
    follow_up.answers.pop("draft", None)
    referral = await office.follow_ups.add_referral(
        follow_up, meeting, draft.get("name"), draft.get("role"), draft.get("organization"), office.now
    )
    follow_up.answers["referral_count"] = int(follow_up.answers.get("referral_count", 0)) + 1
    details = ", ".join(part for part in (referral.name, referral.role, referral.organization) if part)
    link = office.capabilities.link(f"r{referral.invite_code}")
    added = t.gettext("Added: {details}.").format(details=details) if details else t.gettext("Contact added.")
    invite = t.gettext(
        "Would they like to volunteer as a connector too? Send them this personal link; "
        "it tells us that you invited them:\n{link}"
    ).format(link=link)
    return "referrals", [Reply(added + "\n\n" + invite)]


async def _happened(
    office: Office, person: Participant, other: Participant, meeting: Meeting, value: str
) -> tuple[str | None, list[Outgoing]]:
    """Did it happen? The first answer sets the meeting's outcome; a no-show or a new time asks more."""
    if value == "yes":
        if meeting.outcome is None:
            meeting.outcome = MeetingOutcome.HELD
            await office.matchmaking.save_meeting(meeting, office.now)
            for days in office.program.follow_up.work_days:
                due = meeting.starts_at + timedelta(days=days)
                payload = {"meeting": meeting.id, "days": days}
                await office.jobs.schedule(WORK, f"meeting:{meeting.id}:work:{days}", due, payload)
        return "useful", []
    if value == "no_show":
        if meeting.outcome is None:
            meeting.outcome, meeting.absent_id = MeetingOutcome.NO_SHOW, other.id
            await office.matchmaking.save_meeting(meeting, office.now)
        return "no_show", []
    # They moved the meeting themselves: book the new time here, so that both are reminded.
    return None, await _new_time(office, person, other, meeting)


async def _new_time(office: Office, person: Participant, other: Participant, meeting: Meeting) -> list[Outgoing]:
    """Offer the connector new slots for the same pair (the other side is told); none left: the pair ends."""
    match = await office.matchmaking.match(meeting.match_id, lock=True)
    if match is None or match.status is not MatchStatus.CONFIRMED or meeting.status is not MeetingStatus.SCHEDULED:
        return []  # the other side has already seen to it
    meeting.status = MeetingStatus.RESCHEDULED
    await office.matchmaking.save_meeting(meeting, office.now)
    connectee, connector = (person, other) if person.role is Role.CONNECTEE else (other, person)
    offer = await proposals.reoffer(office, match, connectee, connector)
    t = translator(office, connectee)
    if offer is None:
        await proposals.end_match(office, match, MatchStatus.CANCELLED, None)
        sorry = t.gettext(
            "There are no other times in the next days that suit you both. We will look for another connector for you."
        )
        return [to(connectee, Reply(sorry)), *await proposals.find_connector(office, connectee)]
    asked = t.gettext("We have asked {name} to pick a new time; we will tell you here.").format(name=name(connector, t))
    return [to(connector, offer), to(connectee, Reply(asked))]


async def _after_no_show(
    office: Office,
    follow_up: FollowUp,
    person: Participant,
    other: Participant,
    meeting: Meeting,
    value: str,
    t: Translator,
) -> tuple[list[Reply], list[Outgoing]]:
    """The present side chose: another time with the same person, someone else, or nothing more."""
    await _finish(office, follow_up)
    shown = _echo("no_show", value, t)
    if value == "again":
        messages = await _new_time(office, person, other, meeting)
        if not messages:
            return [shown, Reply(t.gettext("Thank you. This meeting has already been seen to."))], []
        return [shown], messages
    match = await office.matchmaking.match(meeting.match_id, lock=True)
    if match is not None and match.status is MatchStatus.CONFIRMED:
        await proposals.end_match(office, match, MatchStatus.CANCELLED, other.role)
    if value == "other" and person.role is Role.CONNECTEE:
        done = t.gettext("Thank you. We will look for another connector for you.")
        return [shown, Reply(done)], await proposals.find_connector(office, person)
    return [shown, Reply(t.gettext("Thank you for letting us know."))], []


async def _available_again(office: Office, follow_up: FollowUp, connector: Participant, value: str) -> None:
    """The connector's answer to "meet another newcomer?": pause them, or look for a newcomer now."""
    days = PAUSE_DAYS.get(value)
    connector.paused_until = office.now + timedelta(days=days) if days else None
    await office.participants.update(connector, office.now)
    if days is None:
        await office.jobs.schedule(coordination.SWEEP, f"sweep:again:{follow_up.id}", office.now, {})
