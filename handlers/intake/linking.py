"""/link: one person's two doors (a Telegram account and a WhatsApp number) made one participant.

On one door a person sends /link and gets a one-time code; they send `/link CODE` on the other door,
and both doors are then one registration. What a newcomer or a volunteer would expect (README,
"Using Telegram and WhatsApp as one person"):

- Whichever door holds a registration (started with answers, or submitted) keeps it: its answers,
  status, proposals, meetings and follow-ups are the person's on both doors. An empty record on the
  other door (a consent given, nothing answered) is dropped. When both doors hold one, nothing is
  joined and they are told how to keep one; when neither does, there is nothing to join.
- The program's messages (proposals, reminders, follow-ups, the team's answers) go to the door where
  the code was typed: the door linked from last. Answers to what a person types come to where they
  typed it, on either door. Typing a code from the other door again moves the messages back.
- The other door is told at once, and how to reach the team if it was not them.

Security: a code is 12 random digits (`secrets`), lives 15 minutes, works once (deleted when used,
right or refused), is stored only as its hash, and is only good on a door of another channel than
the one that asked for it. Wrong codes are counted per door and overall: beyond PERSON_TRIES by one
door or EVERYONE_TRIES by everyone in TRIES_WINDOW, no code is checked at all, so guessing one of the
few live codes among 10^12 takes longer than any code lives. An answer never names the other door or
anything of its registration.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta
from typing import Final

from handlers.core.events import Outcome, Outgoing, Reply
from handlers.core.model import Conversation, Participant, Status, Step
from handlers.core.ports import Context, Office
from handlers.core.translator import Translator
from handlers.intake.steps import show_step

COMMAND: Final = "link"
CODE_DIGITS: Final = 12
GROUP: Final = 4  # shown as 1234 5678 9012: easy to read out and to type on a phone's keypad
VALID: Final = timedelta(minutes=15)
TRIES_WINDOW: Final = timedelta(hours=1)
PERSON_TRIES: Final = 5  # wrong codes one door may type in TRIES_WINDOW
EVERYONE_TRIES: Final = 60  # wrong codes everyone together may type in TRIES_WINDOW
SEPARATORS: Final = frozenset(" -.\u00a0\u202f")


async def on_link(args: str, ctx: Context, office: Office) -> Outcome:
    """/link alone: a new code for this door; /link CODE: join this door with the code's."""
    t = ctx.translations(ctx.conversation.language or ctx.program.default_language)
    if not args.strip():
        return Outcome(await _new_code(t, ctx, office))
    return await _redeem(args, t, ctx, office)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def shown(code: str) -> str:
    return " ".join(code[start : start + GROUP] for start in range(0, len(code), GROUP))


def typed_code(text: str) -> str | None:
    """The code in what was typed, any script's digits, with or without spaces or dashes; None if none."""
    digits = []
    for character in text.strip():
        if character in SEPARATORS:
            continue
        digit = unicodedata.decimal(character, None)
        if digit is None:
            return None
        digits.append(str(digit))
    code = "".join(digits)
    return code if len(code) == CODE_DIGITS else None


async def _new_code(t: Translator, ctx: Context, office: Office) -> list[Reply]:
    conversation, code = ctx.conversation, new_code()
    await office.links.keep_code(conversation.channel, conversation.user_id, code, office.now, office.now + VALID)
    minutes = int(VALID.total_seconds() // 60)
    how = t.gettext(
        "To use this program from another messaging app too, send the next message, /link and the code, "
        "to this program from that app. Both then become one registration: your answers, "
        "meetings and follow-ups carry over, and our messages come to the app where you typed the code."
    )
    once = t.ngettext(
        "The code works once, within {count} minute. Never give it to anyone: whoever types it gets your registration.",
        "The code works once, within {count} minutes. Never give it to anyone: whoever types it gets your "
        "registration.",
        minutes,
    ).format(count=minutes)
    # The command on its own, so that it can be copied whole into the other app.
    return [Reply(f"{how}\n\n{once}"), Reply(f"/{COMMAND} {shown(code)}")]


async def _redeem(args: str, t: Translator, ctx: Context, office: Office) -> Outcome:
    conversation, links, now = ctx.conversation, office.links, office.now
    door = (conversation.channel, conversation.user_id)
    tries = await links.wrong_tries(*door, now - TRIES_WINDOW)
    if tries.mine >= PERSON_TRIES or tries.everyone >= EVERYONE_TRIES:
        text = t.gettext("Too many wrong codes were typed. For your safety, please wait an hour, then try again.")
        return Outcome([Reply(text)])
    code = typed_code(args)
    owner = await links.owner(code, now) if code else None
    if owner == door:
        return Outcome([Reply(t.gettext("This code is for your other app: send it there, not here."))])
    other = await links.conversation(*owner, now) if owner and owner[0] != conversation.channel else None
    if code is None or other is None:
        if code is not None:
            await links.wrong_try(*door, now)
        text = t.gettext(
            "This code is not right: it may be mistyped, used already or expired. Check it, or ask for a "
            "new one by sending /link in your other app."
        )
        return Outcome([Reply(text)])
    await links.use(code)
    return await _join(other, ctx, office)


def _started(person: Participant | None) -> bool:
    """Whether a door holds a registration worth keeping: submitted, or with answers."""
    return person is not None and (person.status is not Status.IN_PROGRESS or bool(person.answers))


async def _join(other: Conversation, ctx: Context, office: Office) -> Outcome:
    """Make this door and `other` one participant, kept from the door that has one."""
    here = ctx.conversation
    mine, theirs = await _person(ctx, here), await _person(ctx, other)
    t = ctx.translations(here.language or ctx.program.default_language)
    if mine is not None and theirs is not None and mine.id == theirs.id:
        await office.links.move(mine, here, office.now)
        text = t.gettext("This chat and your other app were linked already. From now on our messages come here.")
        return Outcome([Reply(text)], [_told(other, ctx)])
    if _started(mine) == _started(theirs):
        return Outcome([Reply(_both(t) if _started(mine) else _neither(t))])
    keep, drop, source, target = (mine, theirs, here, other) if _started(mine) else (theirs, mine, other, here)
    assert keep is not None
    if drop is not None:
        await ctx.participants.delete(drop)  # just begun: a consent, no answer
    _carry(source, target)
    if target is other:
        await office.links.save(other, office.now)
    await office.links.move(keep, here, office.now)
    t = ctx.translations(here.language or ctx.program.default_language)
    done = t.gettext("Done: this chat and your other app are now one registration. From now on our messages come here.")
    going_on = await show_step(t, ctx) if here.step not in (Step.IDLE, Step.DONE) else []
    return Outcome([Reply(done), *going_on], [_told(other, ctx)])


async def _person(ctx: Context, conversation: Conversation) -> Participant | None:
    return await ctx.participants.get(conversation.participant_id) if conversation.participant_id else None


def _carry(source: Conversation, target: Conversation) -> None:
    """The registration's conversation (language, step, open question) onto the other door."""
    target.language, target.step, target.role = source.language, source.step, source.role
    target.participant_id, target.question = source.participant_id, source.question
    target.history, target.pending = list(source.history), list(source.pending)
    target.editing, target.paused_step, target.writing_to_team = source.editing, source.paused_step, False


def _told(other: Conversation, ctx: Context) -> Outgoing:
    """The other door hears of it at once: if it was not them, they can still reach the team."""
    t = ctx.translations(other.language or ctx.program.default_language)
    text = t.gettext(
        "Your link code was just used: this chat is now one registration with another app, and our "
        "messages go there from now on. If that was not you, write to the program's team at once with /contact."
    )
    return Outgoing(other.channel, other.chat_id, Reply(text), t.language)


def _both(t: Translator) -> str:
    return t.gettext(
        "This chat and your other app each have a registration already, and two registrations cannot be "
        "joined into one: nothing was changed. If you started one of them by mistake, stop it there with "
        "/cancel or erase it with /delete, then ask for a new code with /link. Or write to the program's "
        "team with /contact."
    )


def _neither(t: Translator) -> str:
    return t.gettext(
        "Neither this chat nor your other app has a registration yet, so there is nothing to join. "
        "Register in the app you prefer with /start; you can link the other one afterwards."
    )
