"""After the meeting: did it happen, how useful, the referrals, what next; and later, work.

Both sides are asked `after_meeting_hours` after the meeting ends; the connectee is asked about
work `work_days` after a meeting that happened. Each follow-up is a record with its open question
(`step`), so an answer can come hours later, between other messages. The questions are the table
of handlers/meetings/follow_up_steps.py; this module asks a step and takes its answer. Buttons carry the
follow-up's id and the step they answer: an answered or foreign button is stale. A no-show is
recorded for the absent side, and the present one is offered another time or someone else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Final

from handlers.core import templates
from handlers.core.buttons import PressedInProgram, Route, Words, fold, named, route
from handlers.core.events import Button, Outcome, Outgoing, Reply
from handlers.core.model import (
    MEETING_FOLLOW_UP,
    FollowUp,
    FollowUpStatus,
    Meeting,
    MeetingOutcome,
    MeetingStatus,
    Participant,
    Role,
    work_follow_up,
)
from handlers.core.people import both, name, to, translator
from handlers.core.ports import Office
from handlers.core.translator import Translator
from handlers.intake.answers import Invalid
from handlers.meetings import follow_up_steps
from handlers.meetings.buttons import FollowUpAnswer
from handlers.meetings.follow_up_effects import WORK as WORK
from handlers.meetings.follow_up_effects import Answering
from handlers.meetings.follow_up_steps import ABOUT_WORK, AFTER_MEETING, SKIP, Asking, Step, step_named

NUDGE: Final = "follow_up.nudge"


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
        follow_up = await office.follow_ups.start(meeting, person, MEETING_FOLLOW_UP, AFTER_MEETING, office.now)
        if follow_up is not None:
            await _set_nudge(office, follow_up)
            messages.append(to(person, _asked(_question(office, follow_up, person, other), other)))
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
    follow_up = await office.follow_ups.start(meeting, connectee, work_follow_up(days), ABOUT_WORK, office.now)
    if follow_up is None:
        return []
    await _set_nudge(office, follow_up)
    return [to(connectee, _asked(_question(office, follow_up, connectee, connector), connector))]


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
        to(person, Reply(reminder.format(name=name(other, t)), template=templates.naming(templates.NUDGE, other))),
        to(person, _question(office, follow_up, person, other)),
    ]


async def open_question(office: Office, person: Participant) -> list[Reply]:
    """The person's newest unanswered follow-up question, asked again (after they agreed to new terms)."""
    follow_up = await office.follow_ups.awaiting_text(person.id, follow_up_steps.KEYS)
    pair = await _pair(office, follow_up) if follow_up is not None else None
    if follow_up is None or pair is None:
        return []
    asked, other, _ = pair
    return [_question(office, follow_up, asked, other)]


def _asked(question: Reply, other: Participant) -> Reply:
    """A follow-up's first question, with the template that tells of it outside the reply window."""
    return replace(question, template=templates.naming(templates.FOLLOW_UP, other))


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


# ---------------------------------------------------------------- asking


def _question(office: Office, follow_up: FollowUp, person: Participant, other: Participant) -> Reply:
    """The follow-up's open question, with its buttons."""
    step = step_named(follow_up.step)
    if step is None:
        raise ValueError(f"unknown follow-up step {follow_up.step!r}")
    asking = Asking(person, other, follow_up, translator(office, person))
    return Reply(step.ask(asking), buttons=_buttons(step, asking))


def _buttons(step: Step, asking: Asking) -> tuple[tuple[Button, ...], ...]:
    t = asking.t

    def answer(value: str) -> str:
        return FollowUpAnswer(asking.follow_up.id, step.key, value).pack()

    if step.scale:
        return (tuple(Button(number, answer(number)) for number in step.scale),)
    if step.typed is not None:
        return ((Button(t.gettext("Skip"), answer(SKIP)),),)
    return tuple((Button(t.gettext(label), answer(value)),) for value, label in step.choices_for(asking).items())


# ---------------------------------------------------------------- answering


async def _on_answer(button: FollowUpAnswer, pressed: PressedInProgram) -> Outcome | None:
    """A follow-up's answer, pressed by its person; None when stale, forged or not theirs."""
    office = pressed.office
    follow_up = await office.follow_ups.get(button.follow_up_id, lock=True)
    if follow_up is None or follow_up.status is not FollowUpStatus.ASKED or follow_up.step != button.step:
        return None
    step = step_named(follow_up.step)
    pair = await _pair(office, follow_up)
    if step is None or button.value not in step.accepts or pair is None or not pressed.by(pair[0]):
        return None
    answer = None if button.value == SKIP else button.value
    answering = Answering(office, follow_up, *pair, pressed.t)
    echo = _echo(step, button.value, Asking(pair[0], pair[1], follow_up, pressed.t))
    return Outcome([replace(echo, edit=True)]) + await _answer(answering, step, answer)


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (route(FollowUpAnswer, _on_answer),)


async def on_text(follow_up: FollowUp, text: str, t: Translator, office: Office, words: Words) -> Outcome | None:
    """A typed answer to the follow-up's open question: the text itself where the question is typed
    (a referral's details, the next step), else the button it names (or a yes or no, `words`, where
    the step says what they choose); anything else asks again."""
    step = step_named(follow_up.step)
    pair = await _pair(office, follow_up)
    if step is None or pair is None:
        return None
    if step.typed is None:
        return await _typed_for_button(Answering(office, follow_up, *pair, t), step, text, words)
    answer = step.typed(text)
    if isinstance(answer, Invalid):
        refused = Reply(t.gettext(answer.message).format(**answer.params))
        return Outcome([refused, _question(office, follow_up, *pair[:2])])
    return await _answer(Answering(office, follow_up, *pair, t), step, answer)


async def _answer(answering: Answering, step: Step, answer: str | None) -> Outcome:
    """Store the answer to the open question, do what it does, and ask the next one (or thank them)."""
    office, follow_up, person, t = answering.office, answering.follow_up, answering.person, answering.t
    if step.answer is not None and answer is not None:
        follow_up.answers[step.answer] = int(answer) if step.scale else answer
    done = await step.effect(answering, answer) if step.effect is not None else Outcome()
    follow_up.step = step.after(answer, person.role)
    if follow_up.step is not None:
        await office.follow_ups.save(follow_up, office.now)
        return done + Outcome([_question(office, follow_up, person, answering.other)])
    await _finish(office, follow_up)
    if step.thanks:
        done += Outcome([Reply(t.gettext("Thank you for your answers! They help the program help more newcomers."))])
    return done


async def _typed_for_button(answering: Answering, step: Step, text: str, words: Words) -> Outcome:
    """Text where buttons wait: the button it names (its label, its number, one of its words) is taken
    as pressed; anything else gets a short line and the question again."""
    asking = Asking(answering.person, answering.other, answering.follow_up, answering.t)
    value = _named_button(step, asking, text, words)
    if value is None:
        again = Reply(asking.t.gettext("Please tap one of the buttons below, or type what one of them says."))
        return Outcome([again, _question(answering.office, answering.follow_up, asking.person, asking.other)])
    return Outcome([_echo(step, value, asking)]) + await _answer(answering, step, value)


def _named_button(step: Step, asking: Asking, text: str, words: Words) -> str | None:
    """The value of the one button `text` names (handlers.core.buttons.named), or of the one a typed
    yes or no chooses on this step; None."""
    typed = fold(text)
    if step.scale:
        return str(int(typed)) if typed.isdecimal() and str(int(typed)) in step.scale else None
    choices = step.choices_for(asking)
    index = named(typed, [fold(asking.t.gettext(label)) for label in choices.values()]) if typed else None
    if index is not None:
        return list(choices)[index]
    if step.said is None or (typed in words.yes) == (typed in words.no):
        return None
    return step.said[0] if typed in words.yes else step.said[1]


def _echo(step: Step, value: str, asking: Asking) -> Reply:
    """What was chosen, as the person saw it on the button (a new message when typed; the pressed
    question edited to it, so that its buttons leave the chat, when pressed)."""
    t = asking.t
    labels = step.choices_for(asking)
    if value in labels:
        shown = t.gettext(labels[value])
    elif value == SKIP:
        shown = t.gettext("Skip")
    else:
        shown = value  # a number of a scale: the button's label is the number
    return Reply(t.gettext("Your answer: {answer}").format(answer=shown))


async def _finish(office: Office, follow_up: FollowUp) -> None:
    follow_up.status, follow_up.step, follow_up.answered_at = FollowUpStatus.DONE, None, office.now
    follow_up.answers.pop("draft", None)
    await office.follow_ups.save(follow_up, office.now)
